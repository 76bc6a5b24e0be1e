"""Grid references to WGS84 latitude and longitude, vectorised with numpy. No Django.

Great Britain's postcodes are converted by convertbng (OSGB36 with the OSTN15 corrections, good to
about 0.1 m). The ONS directory gives Northern Ireland's postcodes (BT) in the Irish Grid instead,
which convertbng does not handle; feeding them to it would put Belfast in Cheshire. For those this
module inverts the Irish Grid's transverse Mercator projection (on the Airy Modified ellipsoid,
datum TM75) and moves the point to WGS84 with a seven-parameter Helmert transformation. The
published parameters are good to about a metre or two, well inside a postcode's own spread.

The formulas are the standard ones, as printed in the Ordnance Survey's "A guide to coordinate
systems in Great Britain" (transverse Mercator inverse; geodetic <-> Cartesian; Helmert).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ARCSEC = np.pi / (180 * 3600)


@dataclass(frozen=True)
class Ellipsoid:
    a: float
    b: float

    @property
    def e2(self) -> float:
        return (self.a**2 - self.b**2) / self.a**2


@dataclass(frozen=True)
class TransverseMercator:
    ellipsoid: Ellipsoid
    scale: float  # F0, on the central meridian
    lat0: float  # degrees, true origin
    lon0: float
    false_easting: float
    false_northing: float


@dataclass(frozen=True)
class Helmert:
    """Position-vector convention: translations in metres, rotations in arc-seconds, scale in ppm."""

    tx: float
    ty: float
    tz: float
    rx: float
    ry: float
    rz: float
    s_ppm: float


AIRY_1830 = Ellipsoid(6_377_563.396, 6_356_256.909)
AIRY_MODIFIED = Ellipsoid(6_377_340.189, 6_356_034.447)
WGS84 = Ellipsoid(6_378_137.0, 6_356_752.314_245)

IRISH_GRID = TransverseMercator(AIRY_MODIFIED, 1.000035, 53.5, -8.0, 200_000.0, 250_000.0)
NATIONAL_GRID = TransverseMercator(AIRY_1830, 0.999_601_271_7, 49.0, -2.0, 400_000.0, -100_000.0)

# TM75 (Irish Grid datum) -> WGS84, and OSGB36 -> WGS84 (the latter only for checks: convertbng is
# more exact for Great Britain).
TM75_TO_WGS84 = Helmert(482.530, -130.596, 564.557, -1.042, -0.214, -0.631, 8.150)
OSGB36_TO_WGS84 = Helmert(446.448, -125.157, 542.060, 0.1502, 0.2470, 0.8421, -20.4894)


def _meridian_arc(ell: Ellipsoid, scale: float, phi: np.ndarray, phi0: float) -> np.ndarray:
    n = (ell.a - ell.b) / (ell.a + ell.b)
    n2, n3 = n * n, n * n * n
    d, s = phi - phi0, phi + phi0
    return (
        ell.b
        * scale
        * (
            (1 + n + 1.25 * n2 + 1.25 * n3) * d
            - (3 * n + 3 * n2 + 21 / 8 * n3) * np.sin(d) * np.cos(s)
            + (15 / 8 * n2 + 15 / 8 * n3) * np.sin(2 * d) * np.cos(2 * s)
            - 35 / 24 * n3 * np.sin(3 * d) * np.cos(3 * s)
        )
    )


def grid_to_geodetic(
    eastings: np.ndarray, northings: np.ndarray, grid: TransverseMercator
) -> tuple[np.ndarray, np.ndarray]:
    """Transverse Mercator eastings/northings to (lat, lon) in radians on the grid's own datum."""
    ell = grid.ellipsoid
    a, e2, f0 = ell.a, ell.e2, grid.scale
    phi0, lam0 = np.radians(grid.lat0), np.radians(grid.lon0)
    e = np.asarray(eastings, dtype=np.float64) - grid.false_easting
    nn = np.asarray(northings, dtype=np.float64) - grid.false_northing
    phi = nn / (a * f0) + phi0
    for _ in range(20):
        residual = nn - _meridian_arc(ell, f0, phi, phi0)
        phi = phi + residual / (a * f0)
        worst = np.nanmax(np.abs(residual), initial=0.0)
        if worst < 1e-5:  # 0.01 mm
            break
    sin_phi = np.sin(phi)
    nu = a * f0 / np.sqrt(1 - e2 * sin_phi**2)
    rho = a * f0 * (1 - e2) / (1 - e2 * sin_phi**2) ** 1.5
    eta2 = nu / rho - 1
    t = np.tan(phi)
    t2, t4, t6 = t**2, t**4, t**6
    sec = 1 / np.cos(phi)
    vii = t / (2 * rho * nu)
    viii = t / (24 * rho * nu**3) * (5 + 3 * t2 + eta2 - 9 * t2 * eta2)
    ix = t / (720 * rho * nu**5) * (61 + 90 * t2 + 45 * t4)
    x = sec / nu
    xi = sec / (6 * nu**3) * (nu / rho + 2 * t2)
    xii = sec / (120 * nu**5) * (5 + 28 * t2 + 24 * t4)
    xiia = sec / (5040 * nu**7) * (61 + 662 * t2 + 1320 * t4 + 720 * t6)
    lat = phi - vii * e**2 + viii * e**4 - ix * e**6
    lon = lam0 + x * e - xi * e**3 + xii * e**5 - xiia * e**7
    return lat, lon


def _to_cartesian(lat: np.ndarray, lon: np.ndarray, ell: Ellipsoid) -> tuple[np.ndarray, ...]:
    sin_lat = np.sin(lat)
    nu = ell.a / np.sqrt(1 - ell.e2 * sin_lat**2)
    return (
        nu * np.cos(lat) * np.cos(lon),
        nu * np.cos(lat) * np.sin(lon),
        (1 - ell.e2) * nu * sin_lat,
    )


def _helmert(x: np.ndarray, y: np.ndarray, z: np.ndarray, h: Helmert) -> tuple[np.ndarray, ...]:
    s = 1 + h.s_ppm * 1e-6
    rx, ry, rz = h.rx * ARCSEC, h.ry * ARCSEC, h.rz * ARCSEC
    return (
        h.tx + s * x - rz * y + ry * z,
        h.ty + rz * x + s * y - rx * z,
        h.tz - ry * x + rx * y + s * z,
    )


def _to_geodetic(x: np.ndarray, y: np.ndarray, z: np.ndarray, ell: Ellipsoid) -> tuple[np.ndarray, ...]:
    p = np.hypot(x, y)
    lat = np.arctan2(z, p * (1 - ell.e2))
    for _ in range(6):  # converges to well under a millimetre in three or four rounds
        nu = ell.a / np.sqrt(1 - ell.e2 * np.sin(lat) ** 2)
        lat = np.arctan2(z + ell.e2 * nu * np.sin(lat), p)
    return lat, np.arctan2(y, x)


def grid_to_wgs84(
    eastings: np.ndarray, northings: np.ndarray, grid: TransverseMercator, helmert: Helmert
) -> tuple[np.ndarray, np.ndarray]:
    """(lats, lons) in WGS84 degrees; NaN in, NaN out."""
    lat, lon = grid_to_geodetic(eastings, northings, grid)
    x, y, z = _to_cartesian(lat, lon, grid.ellipsoid)
    lat, lon = _to_geodetic(*_helmert(x, y, z, helmert), WGS84)
    return np.degrees(lat), np.degrees(lon)


def irish_grid_to_wgs84(eastings: np.ndarray, northings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Irish Grid (TM75) eastings/northings, as the ONS gives for Northern Ireland, to WGS84."""
    return grid_to_wgs84(eastings, northings, IRISH_GRID, TM75_TO_WGS84)
