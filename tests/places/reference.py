"""An independent way from OS grid references to WGS84, to check the index against.

Written afresh from the published method (Ordnance Survey, "A guide to coordinate systems in Great
Britain"): invert the National Grid's transverse Mercator on the Airy 1830 ellipsoid, then a
seven-parameter Helmert transformation from OSGB36 to WGS84, then back to latitude and longitude.
Plain `math`, one point at a time; it shares no code with convertbng (which uses OSTN15) or with
kith.places.grids. The Helmert route is good to about 5 m across Great Britain.
"""

from __future__ import annotations

import math

A, B = 6_377_563.396, 6_356_256.909  # Airy 1830
F0 = 0.9996012717
LAT0, LON0 = math.radians(49.0), math.radians(-2.0)
E0, N0 = 400_000.0, -100_000.0
WGS84_A, WGS84_B = 6_378_137.0, 6_356_752.3142
# OSGB36 -> WGS84: metres, arc-seconds, parts per million.
TX, TY, TZ = 446.448, -125.157, 542.060
RX, RY, RZ = 0.1502, 0.2470, 0.8421
S_PPM = -20.4894


def _arc(phi: float) -> float:
    n = (A - B) / (A + B)
    d, s = phi - LAT0, phi + LAT0
    return B * F0 * (
        (1 + n + 5 / 4 * n**2 + 5 / 4 * n**3) * d
        - (3 * n + 3 * n**2 + 21 / 8 * n**3) * math.sin(d) * math.cos(s)
        + (15 / 8 * n**2 + 15 / 8 * n**3) * math.sin(2 * d) * math.cos(2 * s)
        - 35 / 24 * n**3 * math.sin(3 * d) * math.cos(3 * s)
    )


def osgb36_latlon(easting: float, northing: float) -> tuple[float, float]:
    """Grid reference to OSGB36 latitude and longitude, in radians."""
    e2 = 1 - (B * B) / (A * A)
    phi = (northing - N0) / (A * F0) + LAT0
    while abs(northing - N0 - _arc(phi)) >= 0.00001:
        phi += (northing - N0 - _arc(phi)) / (A * F0)
    nu = A * F0 / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    rho = A * F0 * (1 - e2) / (1 - e2 * math.sin(phi) ** 2) ** 1.5
    eta2 = nu / rho - 1
    t = math.tan(phi)
    sec = 1 / math.cos(phi)
    de = easting - E0
    lat = (
        phi
        - t / (2 * rho * nu) * de**2
        + t / (24 * rho * nu**3) * (5 + 3 * t**2 + eta2 - 9 * t**2 * eta2) * de**4
        - t / (720 * rho * nu**5) * (61 + 90 * t**2 + 45 * t**4) * de**6
    )
    lon = (
        LON0
        + sec / nu * de
        - sec / (6 * nu**3) * (nu / rho + 2 * t**2) * de**3
        + sec / (120 * nu**5) * (5 + 28 * t**2 + 24 * t**4) * de**5
        - sec / (5040 * nu**7) * (61 + 662 * t**2 + 1320 * t**4 + 720 * t**6) * de**7
    )
    return lat, lon


def grid_to_wgs84(easting: float, northing: float) -> tuple[float, float]:
    """Grid reference to WGS84 (lat, lon) in degrees, by the Helmert route."""
    lat, lon = osgb36_latlon(easting, northing)
    e2 = 1 - (B * B) / (A * A)
    nu = A / math.sqrt(1 - e2 * math.sin(lat) ** 2)
    x = nu * math.cos(lat) * math.cos(lon)
    y = nu * math.cos(lat) * math.sin(lon)
    z = (1 - e2) * nu * math.sin(lat)
    s = 1 + S_PPM / 1e6
    rx, ry, rz = (math.radians(r / 3600) for r in (RX, RY, RZ))
    x2 = TX + s * x - rz * y + ry * z
    y2 = TY + rz * x + s * y - rx * z
    z2 = TZ - ry * x + rx * y + s * z
    w_e2 = 1 - (WGS84_B * WGS84_B) / (WGS84_A * WGS84_A)
    p = math.hypot(x2, y2)
    lat2 = math.atan2(z2, p * (1 - w_e2))
    for _ in range(10):
        nu2 = WGS84_A / math.sqrt(1 - w_e2 * math.sin(lat2) ** 2)
        lat2 = math.atan2(z2 + w_e2 * nu2 * math.sin(lat2), p)
    return math.degrees(lat2), math.degrees(math.atan2(y2, x2))
