"""Points on the Earth and distances between them. Pure Python, no Django.

Distances are great-circle distances on a sphere of the Earth's mean radius (IUGG, 6,371,008.8 m).
Over the few kilometres Kith cares about the error against the true ellipsoid is under 0.5%, far
smaller than the spread of a postcode.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class LatLon:
    """A WGS84 latitude and longitude in decimal degrees."""

    lat: float
    lon: float


class HasLatLon(Protocol):
    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...


P = TypeVar("P", bound=HasLatLon)


def haversine_m(a: HasLatLon, b: HasLatLon) -> float:
    """Great-circle distance in metres between two points."""
    phi1 = math.radians(a.lat)
    phi2 = math.radians(b.lat)
    dphi = phi2 - phi1
    dlam = math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bbox(centre: HasLatLon, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, min_lon, max_lat, max_lon) of a box that contains every point within `radius_m`.

    A cheap prefilter (for example a database range query) before `haversine_m`. The box is
    exact for a spherical cap: the widest longitude is asin(sin(r/R) / cos(lat)), reached a little
    poleward of the centre, which is wider than r / (R cos(lat)). Near a pole, or across the
    180th meridian, the longitude range is simply the whole of -180..180.
    """
    if radius_m < 0 or math.isnan(radius_m):
        raise ValueError("radius_m must be zero or more")
    angle = radius_m / EARTH_RADIUS_M  # radians of arc
    # A hair wider than exact, so points right on the circle survive float rounding.
    dlat = math.degrees(angle) * (1 + 1e-9) + 1e-12
    min_lat = max(-90.0, centre.lat - dlat)
    max_lat = min(90.0, centre.lat + dlat)
    cos_lat = math.cos(math.radians(centre.lat))
    if min_lat <= -90.0 or max_lat >= 90.0 or angle >= math.pi / 2 or math.sin(angle) >= cos_lat:
        return (min_lat, -180.0, max_lat, 180.0)
    dlon = math.degrees(math.asin(math.sin(angle) / cos_lat)) * (1 + 1e-9) + 1e-12
    min_lon = centre.lon - dlon
    max_lon = centre.lon + dlon
    if min_lon < -180.0 or max_lon > 180.0:
        return (min_lat, -180.0, max_lat, 180.0)
    return (min_lat, min_lon, max_lat, max_lon)


def within(points: Iterable[P], centre: HasLatLon, radius_m: float) -> list[P]:
    """The points (anything with `.lat` and `.lon`: LatLon, Location, ...) within `radius_m`.

    Checks the bounding box first and computes the great-circle distance only for points inside
    it. Keeps the input order; points whose coordinates are not numbers are left out.
    """
    min_lat, min_lon, max_lat, max_lon = bbox(centre, radius_m)
    found = []
    for point in points:
        lat, lon = point.lat, point.lon
        if min_lat <= lat <= max_lat and min_lon <= lon <= max_lon and haversine_m(centre, point) <= radius_m:
            found.append(point)
    return found
