// Kith's maps: groups as dots, volunteers as k-anonymous hexagons, coverage gaps as circles.
// Everything drawn here comes from aggregate data; no individual is ever placed.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { scrollWheelZoom: false }).setView([51.5, -0.19], 12);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 17, attribution: el.dataset.tilesAttribution || "" }).addTo(map);
  }
  var bounds = [];

  function shade(count, max) {
    var t = Math.min(1, count / Math.max(max, 1));
    return "rgba(11, 93, 59, " + (0.2 + 0.6 * t).toFixed(2) + ")";
  }

  function drawPublic(data) {
    var counts = data.volunteers.features.map(function (f) { return f.properties.count; });
    var max = Math.max.apply(null, counts.concat([1]));
    L.geoJSON(data.volunteers, {
      style: function (f) { return { color: "#083f28", weight: 1, fillColor: shade(f.properties.count, max), fillOpacity: 1 }; },
      onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.count + " volunteers"); }
    }).addTo(map);
    L.geoJSON(data.groups, {
      pointToLayer: function (f, latlng) {
        bounds.push(latlng);
        return L.circleMarker(latlng, { radius: 8, color: "#1b1b1b", weight: 2, fillColor: "#ffbf47", fillOpacity: 1 });
      },
      onEachFeature: function (f, layer) {
        var a = document.createElement("a");
        a.href = f.properties.url; a.textContent = f.properties.name + " (" + f.properties.kind + ")";
        layer.bindPopup(a);
      }
    }).addTo(map);
    if (bounds.length) { map.fitBounds(L.latLngBounds(bounds).pad(0.1), { maxZoom: 13 }); }
  }

  function drawGaps(gaps) {
    gaps.forEach(function (g) {
      if (g.lat === null) { return; }
      var at = L.latLng(g.lat, g.lon);
      bounds.push(at);
      L.circle(at, { radius: 250, color: "#a3161b", weight: 2, fillOpacity: 0.3 })
        .bindTooltip(g.sector + ": " + g.residents + " residents").addTo(map);
    });
    if (bounds.length) { map.fitBounds(L.latLngBounds(bounds).pad(0.2), { maxZoom: 14 }); }
  }

  function drawResidents(points, volunteers) {
    volunteers.forEach(function (v) {
      var at = L.latLng(v.lat, v.lon);
      bounds.push(at);
      L.circle(at, { radius: 300, color: "#083f28", weight: 1, fillColor: "#0b5d3b", fillOpacity: 0.25 })
        .bindTooltip(v.sector + ": " + (v.count === null ? "fewer than 5" : v.count) + " volunteers")
        .addTo(map);
    });
    points.forEach(function (p) {
      var at = L.latLng(p.lat, p.lon);
      bounds.push(at);
      var a = document.createElement("a");
      a.href = p.url; a.textContent = p.name;
      L.circleMarker(at, { radius: 7, color: "#1b1b1b", weight: 2, fillColor: "#a3161b", fillOpacity: 1 })
        .bindPopup(a).addTo(map);
    });
    if (bounds.length) { map.fitBounds(L.latLngBounds(bounds).pad(0.2), { maxZoom: 16 }); }
  }

  var gapsData = document.getElementById("gaps-data");
  var residentsData = document.getElementById("residents-data");
  if (residentsData) {
    drawResidents(JSON.parse(residentsData.textContent),
                  JSON.parse(document.getElementById("volunteers-data").textContent));
  } else if (gapsData) {
    drawGaps(JSON.parse(gapsData.textContent));
  } else if (el.dataset.source) {
    fetch(el.dataset.source, { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) { el.dataset.loaded = "true"; drawPublic(data); });
  }
}());
