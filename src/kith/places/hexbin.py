"""Counting points in H3 hexagons for public maps, never showing a hexagon with fewer than k.

Pure Python with numpy and h3; no Django.

`aggregate` counts points per H3 cell at the resolution asked for, then enforces k-anonymity: a
cell with fewer than `k_min` points gives its points to its parent cell (one resolution coarser),
and so on up; what is still under `k_min` at resolution 0 is dropped. Every point is counted in
exactly one returned hexagon or dropped, so the returned total is the input total less dropped
points, and no returned hexagon ever has a count under `k_min`. A parent made of leftovers is
returned alongside its children that were big enough, so on a map it sits behind them.

Speed. The installed h3 (4.x) has no vectorised point-to-cell call, and one call costs about
0.4-0.6 µs, so a million calls take over half a second. `aggregate` instead:

1. puts the points in square bins half a hexagon edge wide, and asks h3 only for the bins'
   corners (a few thousand calls for a city);
2. counts a bin's points in one go when its four corners are in the same cell and clear of that
   cell's edges: cells are convex, so the whole square is inside;
3. tests each remaining point against the six edges of the cell of its bin's nearest corner,
   with numpy over all points at once, stepping to the cell across an edge when it is outside;
4. asks h3 about the few points within a margin of an edge, by their original coordinates.

The margin (a metre, plus twice the most a cell edge, a great-circle arc, can bow away from the
straight line between its corners in latitude/longitude) makes the result exact: the same
counts as calling h3 for every point, which the tests check at resolutions 0 to 11, around the
world, across the 180th meridian and around pentagons. Pentagons, cells across the 180th meridian
and points within 5° of a pole are always asked of h3 one by one. Coarse resolutions (0-4) have
big margins and so fall back to h3 for many points: they are correct but slower.

Resolution. GeoJSON from `to_geojson` costs about 250 bytes a hexagon (compact separators). For
a London-wide view use resolution 7 (5.2 km² cells, 1.4 km edges): the benchmark's million
points over Greater London give 565 hexagons and 141 KB, within the 300 KB budget; resolution 8
gives 3,525 hexagons and 876 KB, and resolution 9 about 5 MB. A borough-sized view can afford
8 or 9. `resolution_for_view` picks the finest resolution that keeps a view under a number of
hexagons (1,000 by default, so about 250 KB at most).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import h3
import numpy as np
from h3.api import basic_int

LONDON_RESOLUTION = 7
MAX_RESOLUTION = 15
_POLAR_LAT = 85.0
_DENSE_BINS = 4_000_000  # bins counted with bincount; more than this and np.unique takes over
_SMALL = 256  # fewer points than this: just ask h3 for each
_WALK_STEPS = 4
_NEXT = np.array([1, 2, 3, 4, 5, 0])
_M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True)
class Hexagon:
    cell: str  # H3 index as hex text, e.g. "87195da49ffffff"
    count: int
    boundary: list[tuple[float, float]]  # (lat, lon) corners, as h3 gives them; not closed


def _cells_one_by_one(lats: np.ndarray, lons: np.ndarray, resolution: int) -> np.ndarray:
    to_cell = basic_int.latlng_to_cell
    return np.fromiter(
        map(to_cell, lats.tolist(), lons.tolist(), repeat(resolution)), dtype=np.uint64, count=len(lats)
    )


@dataclass
class _Frame:
    """A local plane: u = (lon - lon0) / dlon, v = (lat - lat0) / dlat, in units of one bin."""

    lat0: float
    lon0: float
    dlat: float
    dlon: float
    margin: float  # in (u, v) units: closer than this to a straight cell edge, ask h3 itself
    dtype: type  # float32 where the plane is small enough for it to be far finer than `margin`

    def to_uv(self, lats: np.ndarray, lons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u = np.subtract(lons, self.lon0)
        u *= 1.0 / self.dlon
        v = np.subtract(lats, self.lat0)
        v *= 1.0 / self.dlat
        return u.astype(self.dtype, copy=False), v.astype(self.dtype, copy=False)

    def to_latlon(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u, v = u.astype(np.float64), v.astype(np.float64)
        lat = np.clip(self.lat0 + v * self.dlat, -90.0, 90.0)
        lon = self.lon0 + u * self.dlon
        return lat, np.where(lon > 180.0, lon - 360.0, lon)


class _CellTable:
    """Cells met so far, each with its six edges as lines a*u + b*v + c (>= 0 inside, in u/v
    units of distance), and, once asked for, the cells across its edges."""

    def __init__(self, resolution: int, frame: _Frame):
        self.resolution, self.frame = resolution, frame
        self.row: dict[int, int] = {}
        self.cells: list[int] = []
        self.a = np.zeros((0, 6))
        self.b = np.zeros((0, 6))
        self.c = np.zeros((0, 6))
        self.regular = np.zeros(0, dtype=bool)
        self.mid_u = np.zeros((0, 6))  # middles of the edges, for finding the cells across them
        self.mid_v = np.zeros((0, 6))
        self.across = np.zeros((0, 6), dtype=np.uint64)
        self.has_across = np.zeros(0, dtype=bool)
        self.a_cols: list[np.ndarray] = []
        self.b_cols: list[np.ndarray] = []
        self.c_cols: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self.cells)

    def rows_for(self, cells: np.ndarray) -> np.ndarray:
        distinct, inverse = np.unique(cells, return_inverse=True)
        known = self.row
        new = [cell for cell in distinct.tolist() if cell not in known]
        if new:
            self._add(new)
        rows = np.fromiter((known[cell] for cell in distinct.tolist()), dtype=np.int64, count=len(distinct))
        return rows[inverse]

    def _add(self, cells: list[int]) -> None:
        lats = np.zeros((len(cells), 6))
        lons = np.zeros((len(cells), 6))
        regular = np.ones(len(cells), dtype=bool)
        for i, cell in enumerate(cells):
            boundary = basic_int.cell_to_boundary(cell)
            if len(boundary) == 6:
                lats[i] = [p[0] for p in boundary]
                lons[i] = [p[1] for p in boundary]
            else:  # a pentagon, or a cell bent over an icosahedron edge: h3 will be asked
                regular[i] = False
        regular &= np.ptp(lons, axis=1) < 90.0  # nor across the 180th meridian
        u, v = (lons - self.frame.lon0) / self.frame.dlon, (lats - self.frame.lat0) / self.frame.dlat
        un, vn = u[:, _NEXT], v[:, _NEXT]
        a, b = -(vn - v), un - u
        length = np.hypot(a, b)
        length[length == 0] = 1.0
        sign = np.where(np.sum(u * vn - un * v, axis=1) > 0, 1.0, -1.0)[:, None]  # anticlockwise?
        a, b = sign * a / length, sign * b / length
        c = -(a * u + b * v)
        start = len(self.cells)
        for i, cell in enumerate(cells):
            self.row[cell] = start + i
        self.cells.extend(cells)
        self.a = np.concatenate((self.a, a))
        self.b = np.concatenate((self.b, b))
        self.c = np.concatenate((self.c, c))
        self.regular = np.concatenate((self.regular, regular))
        self.mid_u = np.concatenate((self.mid_u, (u + un) / 2))
        self.mid_v = np.concatenate((self.mid_v, (v + vn) / 2))
        self.across = np.concatenate((self.across, np.zeros((len(cells), 6), dtype=np.uint64)))
        self.has_across = np.concatenate((self.has_across, np.zeros(len(cells), dtype=bool)))
        dtype = self.frame.dtype
        self.a_cols = [np.ascontiguousarray(self.a[:, k], dtype=dtype) for k in range(6)]
        self.b_cols = [np.ascontiguousarray(self.b[:, k], dtype=dtype) for k in range(6)]
        self.c_cols = [np.ascontiguousarray(self.c[:, k], dtype=dtype) for k in range(6)]

    def neighbour_rows(self, rows: np.ndarray, edges: np.ndarray) -> np.ndarray:
        """The row of the cell across edge `edges[i]` of cell `rows[i]` (rows made as needed)."""
        missing = np.unique(rows[~self.has_across[rows]])
        if len(missing):
            # Ask h3 for the cell just beyond the middle of each edge.
            step = max(0.01, 4 * self.frame.margin)
            out_u = self.mid_u[missing] - self.a[missing] * step
            out_v = self.mid_v[missing] - self.b[missing] * step
            lat, lon = self.frame.to_latlon(out_u.ravel(), out_v.ravel())
            self.across[missing] = _cells_one_by_one(lat, lon, self.resolution).reshape(-1, 6)
            self.has_across[missing] = True
        return self.rows_for(self.across[rows, edges])


def _make_frame(lats: np.ndarray, lons: np.ndarray, resolution: int) -> _Frame:
    edge_m = h3.average_hexagon_edge_length(resolution, "m")
    step_m = min(edge_m / 2, 2_000.0)
    lat_lo, lat_hi = float(lats.min()), float(lats.max())
    lon_lo, lon_hi = float(lons.min()), float(lons.max())
    # Longitude step for the |latitude| nearest the equator, so no bin is wider than step_m.
    nearest_equator = 0.0 if lat_lo <= 0.0 <= lat_hi else min(abs(lat_lo), abs(lat_hi))
    farthest = min(max(abs(lat_lo), abs(lat_hi)), _POLAR_LAT)
    dlat = step_m / _M_PER_DEG_LAT
    dlon = step_m / (_M_PER_DEG_LAT * math.cos(math.radians(nearest_equator)))
    # Straight lines between a cell's corners stand in for its edges (great-circle arcs). An arc
    # of length l bows by at most l^2 tan(lat) / 8R in latitude/longitude; stay twice that, plus
    # a metre, away from any edge, or ask h3. (Edges vary in length: allow 1.5 x the average.)
    bow_m = (1.5 * edge_m) ** 2 * math.tan(math.radians(farthest)) / (8 * 6_371_008.8)
    margin_m = 1.0 + 2 * bow_m
    shrink = math.cos(math.radians(farthest)) / math.cos(math.radians(nearest_equator))
    shortest_unit_m = step_m * 0.99 * shrink
    margin = margin_m / shortest_unit_m
    # float32 keeps about 7 digits: fine while rounding across the whole plane stays far below
    # the margin (London at resolution 7 easily; all of Britain at fine resolutions not).
    extent = max((lon_hi - lon_lo) / dlon, (lat_hi - lat_lo) / dlat) + 2
    dtype = np.float32 if extent * 2.0**-20 < margin / 8 else np.float64
    return _Frame(lat_lo, lon_lo, dlat, dlon, margin, dtype)


def _edge_distances(
    table: _CellTable, rows: np.ndarray, u: np.ndarray, v: np.ndarray, *, which: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """For each point, how far inside its cell's nearest edge it is (< 0: outside), and, if
    `which`, that edge's number. One edge at a time over flat arrays: the fastest numpy way."""
    nearest = np.full(len(u), np.inf, dtype=u.dtype)
    worst = np.zeros(len(u), dtype=np.int8) if which else None
    for k in range(6):
        dist = table.a_cols[k].take(rows) * u
        dist += table.b_cols[k].take(rows) * v
        dist += table.c_cols[k].take(rows)
        if worst is not None:
            np.copyto(worst, k, where=dist < nearest)
        np.minimum(nearest, dist, out=nearest)
    return nearest, worst


def _corner_edge_distances(
    table: _CellTable, rows: np.ndarray, cu: np.ndarray, cv: np.ndarray
) -> np.ndarray:
    """(bins, 6): the least distance, over a bin's four corners, inside each edge of cell `rows`.

    Distance is linear across the square, so every point of the bin is at least this far inside.
    """
    a, b, c = table.a[rows], table.b[rows], table.c[rows]
    least = np.full((len(rows), 6), np.inf)
    for k in range(4):
        np.minimum(least, a * cu[k][:, None] + b * cv[k][:, None] + c, out=least)
    return least


def _count_cells(lats: np.ndarray, lons: np.ndarray, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """(cells, counts) for every point, as per-point h3 calls would give (see the module)."""
    found_cells: list[np.ndarray] = []
    found_counts: list[np.ndarray] = []

    def ask_h3(plats: np.ndarray, plons: np.ndarray) -> None:
        if len(plats):
            found_cells.append(_cells_one_by_one(plats, plons, resolution))
            found_counts.append(np.ones(len(plats), dtype=np.int64))

    polar = np.abs(lats) > _POLAR_LAT
    if polar.any():
        ask_h3(lats[polar], lons[polar])
        lats, lons = lats[~polar], lons[~polar]
    if len(lats) < _SMALL:
        ask_h3(lats, lons)
        lats = lats[:0]

    if len(lats):
        frame = _make_frame(lats, lons, resolution)
        table = _CellTable(resolution, frame)
        margin = frame.margin
        u, v = frame.to_uv(lats, lons)

        # Square bins, and the cell of each bin corner (h3 once per distinct corner).
        bx, by = u.astype(np.int64), v.astype(np.int64)
        nx, ny = int(bx.max()) + 2, int(by.max()) + 2
        flat = by * nx + bx
        del bx, by
        if nx * ny <= _DENSE_BINS:
            bin_counts = np.bincount(flat, minlength=nx * ny)
            occupied = np.flatnonzero(bin_counts)
            occupied_counts = bin_counts[occupied]
            position = np.full(nx * ny, -1, dtype=np.int64)
            position[occupied] = np.arange(len(occupied))
            point_bin = position.take(flat)
        else:
            occupied, point_bin, occupied_counts = np.unique(flat, return_inverse=True, return_counts=True)
        del flat
        n_bins = len(occupied)
        obx, oby = occupied % nx, occupied // nx
        corner_u = np.stack((obx, obx + 1, obx, obx + 1))
        corner_v = np.stack((oby, oby, oby + 1, oby + 1))
        corners, corner_inverse = np.unique(corner_v * nx + corner_u, return_inverse=True)
        c_lat, c_lon = frame.to_latlon((corners % nx).astype(np.float64), (corners // nx).astype(np.float64))
        corner_cells = _cells_one_by_one(c_lat, c_lon, resolution)[corner_inverse.ravel()]
        corner_rows = table.rows_for(corner_cells).reshape(4, -1)
        cu, cv = corner_u.astype(np.float64), corner_v.astype(np.float64)

        # Bins of one cell: all four corners in it, well inside its edges. Cells are convex, so
        # the whole bin is inside: count its points there at once.
        first = corner_rows[0]
        pure = (corner_rows == first).all(axis=0) & table.regular[first]
        pure &= (_corner_edge_distances(table, first, cu, cv) >= 2 * margin).all(axis=1)
        found_cells.append(np.array(table.cells, dtype=np.uint64)[first[pure]])
        found_counts.append(occupied_counts[pure])
        row_counts = np.zeros(len(table), dtype=np.int64)

        # Points in the other bins: start from the cell of the bin corner nearest each, test it
        # against that cell's six edges, and step across the edge it is most outside of, until
        # inside one well clear of its edges; h3 decides what stays unclear.
        walk = np.flatnonzero(~pure.take(point_bin))
        u, v, point_bin = u.take(walk), v.take(walk), point_bin.take(walk)
        corner = (u - np.floor(u) >= 0.5).astype(np.int64)
        corner += 2 * (v - np.floor(v) >= 0.5)
        rows = corner_rows.ravel().take(corner * n_bins + point_bin)
        del corner, point_bin
        for _ in range(_WALK_STEPS):
            if not len(u):
                break
            nearest, _ = _edge_distances(table, rows, u, v)
            regular = table.regular.take(rows)
            inside = (nearest >= margin) & regular
            outside = (nearest <= -margin) & regular
            row_counts = _add_counts(row_counts, np.bincount(rows[inside], minlength=len(table)))
            unsure = walk.take(np.flatnonzero(~(inside | outside)))
            ask_h3(lats.take(unsure), lons.take(unsure))
            step = np.flatnonzero(outside)
            u, v, walk, rows = u.take(step), v.take(step), walk.take(step), rows.take(step)
            _, worst = _edge_distances(table, rows, u, v, which=True)
            assert worst is not None
            rows = table.neighbour_rows(rows, worst)
        ask_h3(lats.take(walk), lons.take(walk))
        counted = np.flatnonzero(row_counts)
        found_cells.append(np.array(table.cells, dtype=np.uint64)[counted])
        found_counts.append(row_counts[counted])

    if not found_cells:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    all_cells = np.concatenate(found_cells)
    all_counts = np.concatenate(found_counts)
    cells, inverse = np.unique(all_cells, return_inverse=True)
    return cells, np.bincount(inverse, weights=all_counts, minlength=len(cells)).astype(np.int64)


def _add_counts(total: np.ndarray, more: np.ndarray) -> np.ndarray:
    if len(total) < len(more):
        total = np.concatenate((total, np.zeros(len(more) - len(total), dtype=np.int64)))
    total[: len(more)] += more
    return total


def count_cells(lats: Any, lons: Any, resolution: int) -> dict[str, int]:
    """Points per H3 cell at `resolution`, with no k-anonymity: for internal use only."""
    lat, lon = _clean_points(lats, lons)
    _check_resolution(resolution)
    cells, counts = _count_cells(lat, lon, resolution)
    return {h3.int_to_str(int(c)): int(n) for c, n in zip(cells, counts, strict=True)}


def _check_resolution(resolution: int) -> None:
    if not isinstance(resolution, int | np.integer) or not 0 <= resolution <= MAX_RESOLUTION:
        raise ValueError(f"resolution must be a whole number from 0 to {MAX_RESOLUTION}")


def _clean_points(lats: Any, lons: Any) -> tuple[np.ndarray, np.ndarray]:
    lat = np.asarray(lats, dtype=np.float64).ravel()
    lon = np.asarray(lons, dtype=np.float64).ravel()
    if lat.shape != lon.shape:
        raise ValueError("lats and lons must have the same length")
    keep = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90.0) & (np.abs(lon) <= 180.0)
    if not keep.all():
        lat, lon = lat[keep], lon[keep]
    return lat, lon


def aggregate(lats: Any, lons: Any, *, resolution: int, k_min: int = 5) -> list[Hexagon]:
    """Hexagons with their point counts; none with fewer than `k_min` points (see the module).

    Points that are not numbers or not on the globe are ignored. Hexagons come out sorted by cell.
    """
    _check_resolution(resolution)
    if k_min < 1:
        raise ValueError("k_min must be at least 1")
    lat, lon = _clean_points(lats, lons)
    cells, counts = _count_cells(lat, lon, resolution)

    kept: list[tuple[int, int]] = []
    pending: dict[int, int] = dict(zip(cells.tolist(), counts.tolist(), strict=True))
    res = resolution
    while pending:
        parents: defaultdict[int, int] = defaultdict(int)
        for cell, count in pending.items():
            if count >= k_min:
                kept.append((cell, count))
            elif res > 0:
                parents[basic_int.cell_to_parent(cell, res - 1)] += count
            # else: under k_min even at resolution 0, so dropped
        pending = dict(parents)
        res -= 1

    kept.sort()
    return [
        Hexagon(
            cell=h3.int_to_str(cell),
            count=count,
            boundary=[(float(a), float(b)) for a, b in basic_int.cell_to_boundary(cell)],
        )
        for cell, count in kept
    ]


def to_geojson(hexagons: list[Hexagon]) -> dict:
    """A GeoJSON FeatureCollection: one Polygon per hexagon, `count` and `cell` in properties.

    Coordinates are [lon, lat] rounded to 5 decimals (about a metre), rings closed. Serialise
    with json.dumps(..., separators=(",", ":")) for the smallest text.
    """
    features = []
    for hexagon in hexagons:
        ring = [[round(lon, 5), round(lat, 5)] for lat, lon in hexagon.boundary]
        if ring:
            ring.append(ring[0])
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"count": hexagon.count, "cell": hexagon.cell},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def resolution_for_view(
    min_lat: float, min_lon: float, max_lat: float, max_lon: float, *, max_cells: int = 1_000
) -> int:
    """The finest H3 resolution at which this box holds at most about `max_cells` hexagons."""
    height_km = abs(max_lat - min_lat) * _M_PER_DEG_LAT / 1000
    mid = math.radians((min_lat + max_lat) / 2)
    width_km = abs(max_lon - min_lon) * _M_PER_DEG_LAT * math.cos(mid) / 1000
    area = max(height_km * width_km, 1e-9)
    best = 0
    for res in range(MAX_RESOLUTION + 1):
        if area / h3.average_hexagon_area(res, "km^2") <= max_cells:
            best = res
        else:
            break
    return best
