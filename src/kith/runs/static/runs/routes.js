// A run's routes on a map: the pickup, then each route's stops numbered in visiting order.
// The points come from the page itself, already opened through reveal() for this viewer.
(function () {
  "use strict";
  var el = document.getElementById("route-map");
  var source = document.getElementById("route-data");
  if (!el || !source || !window.L) { return; }
  var data = JSON.parse(source.textContent);
  var map = L.map(el, { scrollWheelZoom: false });
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: el.dataset.tilesAttribution || "" }).addTo(map);
  }
  var bounds = [];
  var pickup = null;
  if (data.pickup.lat !== null) {
    pickup = L.latLng(data.pickup.lat, data.pickup.lon);
    bounds.push(pickup);
    L.marker(pickup, { icon: L.divIcon({ className: "map-pickup", html: "<span>P</span>", iconSize: [30, 30] }),
                       title: data.pickup.label, alt: data.pickup.label })
      .bindTooltip(data.pickup.label).addTo(map);
  }
  data.routes.forEach(function (route) {
    var line = pickup ? [pickup] : [];
    route.stops.forEach(function (stop) {
      var at = L.latLng(stop.lat, stop.lon);
      line.push(at);
      bounds.push(at);
      L.marker(at, { icon: L.divIcon({ className: "map-number", html: "<span>" + stop.n + "</span>",
                                             iconSize: [28, 28] }),
                     title: stop.label, alt: stop.label })
        .bindTooltip(stop.label).addTo(map);
    });
    if (line.length > 1) {
      L.polyline(line, { color: route.colour, weight: 4, opacity: 0.85 }).addTo(map);
    }
  });
  if (bounds.length) {
    map.fitBounds(L.latLngBounds(bounds).pad(0.15), { maxZoom: 16 });
  } else {
    map.setView([51.5, -0.12], 12);
  }
  el.dataset.loaded = "true";
})();
