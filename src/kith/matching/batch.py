"""Assign a whole batch of open requests at once, as a coordinator does on a busy morning.

Pure: no Django, no database. The objective is the one the issue asks for: give as many requests
as possible a volunteer, and among those assignments the least total distance, without breaking
anyone's weekly limit or any hard filter of `core.refusal`. A small secondary cost, taken from
`core.score`'s load terms and scaled down by `fairness`, spreads tasks towards volunteers who have
done less; the distance reported is always the plain total of metres.

How, and why it is fast enough for a city (10,000 requests, 100,000 volunteers, a few seconds):

1. Columns, not objects. Needs and volunteers become numpy columns once; services, clearances
   and spoken languages become boolean matrices, time slots bit masks.
2. Candidates from a grid, not all pairs. Volunteers who pass the filters that do not depend on
   the request's place (offers and is cleared for the service, not on a break, under their cap,
   placed) are bucketed per service into square cells of an equirectangular projection. Each
   request looks at rings of cells around it and keeps its `neighbours` nearest volunteers who
   pass the rest of the filters (within both distances, free then, speaks the language). A ring
   is only left unvisited when every point in it is provably farther than what is kept.
3. The exact assignment is a min-cost flow, solved here in plain Python (`_Assignment`: the
   Hungarian method's successive shortest paths, sparse, with capacities) so the runtime needs
   no solver package: source -> need (1), need -> volunteer (1, metres), volunteer -> sink (one
   unit per task left), and need -> sink "unassigned" at a cost so big that assigning one more
   request always beats any saving in metres. It searches from the scarcer side (needs, or the
   volunteers' tasks left: `_Supply`), which keeps each search short. It gives the same optimum
   as the OR-Tools min-cost flow it replaced (checked on the benchmark's city and in the tests)
   in about the same time.
4. Above `exact_limit` candidate arcs, or when the exact search would settle more than
   `WORK_LIMIT` nodes (a batch crowded on both sides, far beyond any group's morning), a greedy
   by cost with ejections, moves and swaps instead; `BatchResult.method` says which ran.

A request left without a volunteer gets a sentence: `Ranking.why_nobody`'s when nobody at all
can take it, or that everyone who could is already full with other requests in this batch.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from heapq import heappop, heappush
from itertools import chain

import numpy as np

from kith.matching.core import REFUSALS, Need, Ranking, Volunteer, Weights, distance_km
from kith.places.geo import EARTH_RADIUS_M

NEIGHBOURS = 20  # candidate volunteers kept per request
EXACT_LIMIT = 2_000_000  # candidate arcs; above this the heuristic runs instead
WORK_LIMIT = 600_000  # nodes the exact solver may settle (some 5 s) before the heuristic runs instead
FAIRNESS = 0.02  # share of core.score's other terms (in km) added to the distance: 1 km -> 20 m
_SLOT_BITS = 62  # bits used per int64 word of a slot mask
_NEAR_KM = 1e-9  # distances this close to a limit are checked again exactly as core does
_CELL_M = 50.0  # the smallest grid cell; level L is _CELL_M * 2**L metres
_PROBE_LEVEL = 5  # 1.6 km cells to measure density
_MAX_LEVEL = 14


@dataclass
class BatchResult:
    pairs: dict[int, int]  # need id -> volunteer id
    unassigned: dict[int, str]  # need id -> why, in words for coordinators
    total_m: int  # total distance of the assigned pairs, whole metres
    method: str  # "exact" (min-cost assignment) or "heuristic"
    seconds: float
    arcs: int = 0  # candidate need -> volunteer arcs considered


# ---------------------------------------------------------------------------------------------
# Columns


def _haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """geo.haversine_m / 1000, the same formula in the same order, over arrays (point 1 is the
    volunteer, as in core.distance_km)."""
    phi1 = np.radians(lat1)
    phi2 = np.radians(lat2)
    dphi = phi2 - phi1
    dlam = np.radians(lon2 - lon1)
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h))) / 1000


class _Facts:
    """Needs and volunteers as numpy columns, in the order given."""

    def __init__(self, needs: Sequence[Need], volunteers: Sequence[Volunteer]) -> None:
        self.needs = list(needs)
        self.vols = list(volunteers)
        n, nv = len(self.needs), len(self.vols)
        self.services = sorted({x.service for x in self.needs})
        sidx = {s: i for i, s in enumerate(self.services)}
        self.n_svc = np.array([sidx[x.service] for x in self.needs], np.int64)
        self.n_lat = np.array([x.place.lat for x in self.needs], float)
        self.n_lon = np.array([x.place.lon for x in self.needs], float)
        self.n_max_km = np.array([math.inf if x.max_km is None else x.max_km for x in self.needs], float)
        self.n_id = np.array([x.id for x in self.needs], np.int64)

        homes = [v.home for v in self.vols]
        self.v_lat = np.array([math.nan if h is None else h.lat for h in homes], float)
        self.v_lon = np.array([math.nan if h is None else h.lon for h in homes], float)
        self.v_id = np.array([v.id for v in self.vols], np.int64)
        self.v_radius = np.array([v.radius_km for v in self.vols], float)
        self.v_tasks = np.array([v.tasks_this_week for v in self.vols], np.int64)
        self.v_cap = np.array([v.weekly_cap for v in self.vols], np.int64)
        self.v_paused = np.array([v.paused for v in self.vols], bool)
        self.v_on_duty = np.array([v.on_duty for v in self.vols], bool)
        self.v_placed = ~np.isnan(self.v_lat)

        # Services and clearances as (service, volunteer) matrices, for the services asked for.
        self.offers = self._membership([v.services for v in self.vols], sidx, nv)
        self.cleared = self._membership([v.cleared for v in self.vols], sidx, nv)

        # Slots as bit masks over the slots any request names (more than 62: more words).
        slots = sorted(set().union(*(x.slots for x in self.needs)))
        bit = {s: i for i, s in enumerate(slots)}
        words = max(1, -(-len(slots) // _SLOT_BITS))
        self.n_slots = self._masks([x.slots for x in self.needs], bit, words)
        self.v_slots = self._masks([v.slots for v in self.vols], bit, words)
        self.n_any_time: np.ndarray = ~np.asarray(self.n_slots.any(axis=1))

        # Languages: the ones requests name; -1 where none (or not required, for n_lang_req).
        langs = sorted({x.language for x in self.needs if x.language})
        lidx = {s: i for i, s in enumerate(langs)}
        self.n_lang = np.array([lidx[x.language] if x.language else -1 for x in self.needs], np.int64)
        self.n_lang_req = np.where(
            np.array([x.language_required for x in self.needs], bool), self.n_lang, -1)
        self.speaks = np.zeros((max(1, len(langs)), nv), bool)  # a row even with no languages
        self.speaks[:len(langs)] = self._membership([v.languages for v in self.vols], lidx, nv)

        # An equirectangular projection at the most poleward latitude shrinks every east-west
        # distance in the data, so projected distances never exceed true ones (see _bound_m).
        lats = np.concatenate([self.n_lat, self.v_lat[self.v_placed]])
        self.cos_ref = math.cos(math.radians(float(np.max(np.abs(lats))))) if lats.size else 1.0
        ky = EARTH_RADIUS_M * math.pi / 180
        kx = ky * self.cos_ref
        self.n_x, self.n_y = self.n_lon * kx, self.n_lat * ky
        self.v_x, self.v_y = self.v_lon * kx, self.v_lat * ky
        self._grids: dict[tuple[bool, int], _Grid] = {}
        self._eligible: dict[bool, tuple[np.ndarray, np.ndarray]] = {}
        assert n == self.n_svc.size

    @staticmethod
    def _membership(sets: list[frozenset[str]], index: dict[str, int], nv: int) -> np.ndarray:
        """(index, volunteer) booleans: which of `index`'s keys each set holds."""
        cache: dict[frozenset[str], list[int]] = {}
        hits = [cache[s] if s in cache else cache.setdefault(s, [index[x] for x in s if x in index])
                for s in sets]
        rows = np.fromiter(chain.from_iterable(hits), np.int64)
        cols = np.repeat(np.arange(nv), np.fromiter(map(len, hits), np.int64, count=nv))
        out = np.zeros((len(index), nv), bool)
        out[rows, cols] = True
        return out

    @classmethod
    def _masks(cls, sets: list[frozenset[str]], bit: dict[str, int], words: int) -> np.ndarray:
        """Bit masks of slot sets, `words` int64 words of _SLOT_BITS bits each."""
        out = np.zeros((len(sets), words), np.int64)
        held = cls._membership(sets, bit, len(sets))  # (slot, set)
        for b in range(len(bit)):
            out[:, b // _SLOT_BITS] |= held[b].astype(np.int64) << (b % _SLOT_BITS)
        return out

    @property
    def remaining(self) -> np.ndarray:
        return self.v_cap - self.v_tasks

    def eligible(self, strict: bool) -> np.ndarray:
        """(service, volunteer): passes every filter that does not depend on the request's place
        (strict), or merely offers the service and is placed (the seeds' nearest-only method)."""
        if not strict:
            return self.offers & self.v_placed
        return (self.offers & self.cleared & ~self.v_paused & (self.v_tasks < self.v_cap)
                & self.v_placed)

    def feasible(self, ni: np.ndarray, vj: np.ndarray, d: np.ndarray) -> np.ndarray:
        """The place-dependent filters of core.refusal for pairs already eligible: within both
        distances, free then, speaks the language. Distances a hair from a limit are measured
        again with core.distance_km so the answer is exactly core's. Corrects `d` in place."""
        radius, max_km = self.v_radius[vj], self.n_max_km[ni]
        ok: np.ndarray = np.asarray((d <= radius) & (d <= max_km))
        near = np.flatnonzero((np.abs(d - radius) <= _NEAR_KM) | (np.abs(d - max_km) <= _NEAR_KM))
        for p in near.tolist():
            need, v = self.needs[int(ni[p])], self.vols[int(vj[p])]
            exact = distance_km(v.home, need.place)
            assert exact is not None
            d[p] = exact
            ok[p] = exact <= v.radius_km and (need.max_km is None or exact <= need.max_km)
        ok &= self.n_any_time[ni] | self.v_on_duty[vj] | (self.n_slots[ni] & self.v_slots[vj]).any(axis=1)
        lang = self.n_lang_req[ni]
        ok &= (lang < 0) | self.speaks[np.maximum(lang, 0), vj]
        return ok

    def extra_m(self, ni: np.ndarray, vj: np.ndarray, w: Weights, fairness: float) -> np.ndarray:
        """core.score's terms other than distance, for pairs, times `fairness`, in metres."""
        if fairness == 0 or ni.size == 0:
            return np.zeros(ni.size, float)
        load = np.minimum(self._col("tasks_30_days"), 20) / 20
        days = np.array([30.0 if v.days_since_last_task is None else min(v.days_since_last_task, 30)
                         for v in self.vols]) / 30
        declines = np.minimum(self._col("declined_recently"), 5) / 5
        per_vol = w.load * (load + 0.5 * declines) - w.idle * days
        lang = self.n_lang[ni]
        speaks = (lang >= 0) & self.speaks[np.maximum(lang, 0), vj]
        helped = np.zeros(ni.size, float)
        with_history = np.flatnonzero(np.array([bool(v.helped) for v in self.vols], bool)[vj])
        for p in with_history.tolist():
            times = self.vols[int(vj[p])].helped.get(self.needs[int(ni[p])].resident_id, 0)
            helped[p] = min(times, 3) / 3
        terms = per_vol[vj] - w.continuity * helped - w.language * speaks
        return np.asarray(fairness * 1000 * terms, float)

    def _col(self, name: str) -> np.ndarray:
        return np.array([getattr(v, name) for v in self.vols], float)

    def grid(self, strict: bool, level: int) -> _Grid:
        key = (strict, level)
        if key not in self._grids:
            if strict not in self._eligible:
                s_idx, v_idx = np.nonzero(self.eligible(strict))
                self._eligible[strict] = (s_idx, v_idx)
            self._grids[key] = _Grid(self, *self._eligible[strict], cell=_CELL_M * 2.0**level)
        return self._grids[key]


class _Grid:
    """Eligible (service, volunteer) entries sorted by (service, square cell of `cell` metres)."""

    def __init__(self, f: _Facts, s_idx: np.ndarray, v_idx: np.ndarray, cell: float) -> None:
        self.cell = cell
        n_services = max(len(f.services), 1)
        xs = np.concatenate([f.v_x[v_idx], f.n_x, [0.0]])
        ys = np.concatenate([f.v_y[v_idx], f.n_y, [0.0]])
        self.x0, self.y0 = float(xs.min()), float(ys.min())
        self.nx = int((float(xs.max()) - self.x0) // cell) + 1
        self.ny = int((float(ys.max()) - self.y0) // cell) + 1
        cx, cy = self.cells(f.v_x[v_idx], f.v_y[v_idx])
        keys = self.key(s_idx, cx, cy)
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.vols = v_idx[order]
        # Per service: is anyone eligible, their widest radius, and the box of their cells.
        self.has = np.bincount(s_idx, minlength=n_services) > 0
        self.radius_max = np.zeros(n_services)
        np.maximum.at(self.radius_max, s_idx, f.v_radius[v_idx])
        big = np.iinfo(np.int64).max
        self.box = np.array([[big, -big, big, -big]] * n_services, np.int64)
        np.minimum.at(self.box[:, 0], s_idx, cx)
        np.maximum.at(self.box[:, 1], s_idx, cx)
        np.minimum.at(self.box[:, 2], s_idx, cy)
        np.maximum.at(self.box[:, 3], s_idx, cy)

    def cells(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (((x - self.x0) // self.cell).astype(np.int64),
                ((y - self.y0) // self.cell).astype(np.int64))

    def key(self, s: np.ndarray, cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
        return (s * self.ny + cy) * self.nx + cx

    def count(self, s: np.ndarray, cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
        """Entries of service `s` in cell (cx, cy); 0 outside the grid."""
        inside = (cx >= 0) & (cx < self.nx) & (cy >= 0) & (cy < self.ny)
        keys = self.key(s, np.clip(cx, 0, self.nx - 1), np.clip(cy, 0, self.ny - 1))
        found = np.searchsorted(self.keys, keys, "right") - np.searchsorted(self.keys, keys, "left")
        return np.where(inside, found, 0)


def _ring(r: int) -> np.ndarray:
    """Cell offsets at Chebyshev distance exactly r."""
    if r == 0:
        return np.zeros((1, 2), np.int64)
    side = np.arange(-r, r + 1)
    inner = np.arange(-r + 1, r)
    return np.concatenate([
        np.stack([side, np.full_like(side, -r)], axis=1),
        np.stack([side, np.full_like(side, r)], axis=1),
        np.stack([np.full_like(inner, -r), inner], axis=1),
        np.stack([np.full_like(inner, r), inner], axis=1),
    ])


def _bound_m(raw: np.ndarray, cos_ref: float) -> np.ndarray:
    """A lower bound on the true distance of points whose projected distance is at least `raw`.

    With the projection at the most poleward latitude, (d/R)^2 >= 4h >= p^2 (1 - D^2/12) / R^2,
    D the larger angular difference; less a millimetre for rounding."""
    ang = raw / (EARTH_RADIUS_M * max(cos_ref, 1e-6))
    return np.asarray(raw * (1 - np.minimum(ang, 1.0) ** 2 / 12) - 1e-3)


def _levels(f: _Facts, rows: np.ndarray, k: int | None, limit_m: np.ndarray, strict: bool) -> np.ndarray:
    """A cell size per need (as a level: _CELL_M * 2**level) from the density of eligible
    volunteers around it, so that a ring or three holds its `k` nearest; for `k` None, a quarter
    of its search limit. Dense centres get small cells, outskirts large ones."""
    if k is None:
        want = np.minimum(limit_m, 1e7) / 4
    else:
        probe = f.grid(strict, _PROBE_LEVEL)
        svc = f.n_svc[rows]
        cx, cy = probe.cells(f.n_x[rows], f.n_y[rows])
        near = sum(probe.count(svc, cx + dx, cy + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1))
        density = np.maximum(near, 0.5) / (9 * probe.cell**2)  # per square metre
        want = 0.35 * np.sqrt(k / density)
    return np.clip(np.rint(np.log2(np.maximum(want, 1.0) / _CELL_M)), 0, _MAX_LEVEL).astype(np.int64)


def _search(f: _Facts, rows: np.ndarray, *, k: int | None, limit_m: np.ndarray,
            strict: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the needs `rows`, the nearest `k` (all, if None) eligible volunteers that pass the
    place-dependent filters (strict), searching no farther than `limit_m` each. Ties in distance
    go to the lower volunteer id, as in core.rank. Returns (need index, volunteer index, km)."""
    rows = np.asarray(rows, np.int64)
    limit_m = np.asarray(limit_m, float)
    levels = _levels(f, rows, k, limit_m, strict)
    found = [_search_grid(f, f.grid(strict, int(level)), rows[levels == level], k=k,
                          limit_m=limit_m[levels == level], strict=strict)
             for level in np.unique(levels)]
    found.append((np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)))
    return tuple(np.concatenate(parts) for parts in zip(*found, strict=True))  # type: ignore[return-value]


def _search_grid(f: _Facts, g: _Grid, rows: np.ndarray, *, k: int | None, limit_m: np.ndarray,
                 strict: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """_search on one grid: rings of cells outwards until each need is settled."""
    svc = f.n_svc[rows]
    ncx, ncy = g.cells(f.n_x[rows], f.n_y[rows])
    fx = f.n_x[rows] - g.x0 - ncx * g.cell
    fy = f.n_y[rows] - g.y0 - ncy * g.cell
    edge = np.minimum.reduce([fx, g.cell - fx, fy, g.cell - fy]).clip(0)
    box = g.box[svc]
    rmax = np.maximum.reduce([ncx - box[:, 0], box[:, 1] - ncx, ncy - box[:, 2], box[:, 3] - ncy])
    rmax = np.minimum(rmax, np.ceil(np.minimum(limit_m, 1e12) / g.cell) + 1).astype(np.int64)

    empty_i = np.zeros(0, np.int64)
    out_n: list[np.ndarray] = []
    out_v: list[np.ndarray] = []
    out_d: list[np.ndarray] = []
    cur_n, cur_v, cur_d = empty_i, empty_i, np.zeros(0)
    active = np.flatnonzero(g.has[svc])
    r = 0
    while active.size:
        off = _ring(r)
        cx = ncx[active][:, None] + off[:, 0]
        cy = ncy[active][:, None] + off[:, 1]
        inside = (cx >= 0) & (cx < g.nx) & (cy >= 0) & (cy < g.ny)
        who = np.broadcast_to(active[:, None], cx.shape)[inside]
        keys = g.key(svc[who], cx[inside], cy[inside])
        lo = np.searchsorted(g.keys, keys, "left")
        cnt = np.searchsorted(g.keys, keys, "right") - lo
        total = int(cnt.sum())
        if total:
            starts = np.repeat(lo - (np.cumsum(cnt) - cnt), cnt)
            pa = np.repeat(who, cnt)
            pv = g.vols[np.arange(total) + starts]
            ni = rows[pa]
            d = _haversine_km(f.v_lat[pv], f.v_lon[pv], f.n_lat[ni], f.n_lon[ni])
            if strict:
                ok = f.feasible(ni, pv, d)
                pa, pv, d = pa[ok], pv[ok], d[ok]
            cur_n = np.concatenate([cur_n, pa])
            cur_v = np.concatenate([cur_v, pv])
            cur_d = np.concatenate([cur_d, d])

        # Every entry not yet seen is in a ring beyond r: at least this far.
        bound = _bound_m(r * g.cell + edge[active], f.cos_ref)
        done = (bound > limit_m[active]) | (r >= rmax[active])
        if k is not None and cur_n.size:
            order = np.lexsort((f.v_id[cur_v], cur_d, cur_n))
            cur_n, cur_v, cur_d = cur_n[order], cur_v[order], cur_d[order]
            first = np.r_[True, cur_n[1:] != cur_n[:-1]]
            start = np.maximum.accumulate(np.where(first, np.arange(cur_n.size), 0))
            keep = np.arange(cur_n.size) - start < k
            cur_n, cur_v, cur_d = cur_n[keep], cur_v[keep], cur_d[keep]
            count = np.bincount(cur_n, minlength=rows.size)
            kth = np.full(rows.size, np.inf)
            last = np.r_[cur_n[1:] != cur_n[:-1], True]
            kth[cur_n[last]] = cur_d[last]
            done |= (count[active] >= k) & (kth[active] * 1000 < bound)
        finished = active[done]
        if finished.size and cur_n.size:
            fin = np.zeros(rows.size, bool)
            fin[finished] = True
            sel = fin[cur_n]
            out_n.append(cur_n[sel])
            out_v.append(cur_v[sel])
            out_d.append(cur_d[sel])
            cur_n, cur_v, cur_d = cur_n[~sel], cur_v[~sel], cur_d[~sel]
        active = active[~done]
        r += 1
    out_n.append(cur_n)
    out_v.append(cur_v)
    out_d.append(cur_d)
    return rows[np.concatenate(out_n)], np.concatenate(out_v), np.concatenate(out_d)


def _reach_m(f: _Facts, rows: np.ndarray) -> np.ndarray:
    """How far each need's search must look: its own limit or the widest eligible radius."""
    widest = f.grid(True, _PROBE_LEVEL).radius_max[f.n_svc[rows]]
    return np.minimum(f.n_max_km[rows], widest) * 1000 + 1.0


def candidates(needs: Sequence[Need], volunteers: Sequence[Volunteer],
               neighbours: int | None = NEIGHBOURS) -> list[list[tuple[int, float]]]:
    """For each need, its nearest `neighbours` (every one, if None) volunteers that pass every
    hard filter, as (volunteer id, km) nearest first. The same answer as filtering everyone with
    core.refusal and sorting by (distance, id); the tests check that."""
    f = _Facts(needs, volunteers)
    rows = np.arange(len(f.needs))
    pn, pv, pd = _search(f, rows, k=neighbours, limit_m=_reach_m(f, rows), strict=True)
    order = np.lexsort((f.v_id[pv], pd, pn))
    out: list[list[tuple[int, float]]] = [[] for _ in f.needs]
    for i, j, d in zip(pn[order].tolist(), pv[order].tolist(), pd[order].tolist(), strict=True):
        out[i].append((int(f.v_id[j]), d))
    return out


# ---------------------------------------------------------------------------------------------
# Solving


@dataclass
class _Arcs:
    """Candidate arcs: need index, volunteer index, whole metres, cost (metres plus extras)."""

    n: np.ndarray
    v: np.ndarray
    metres: np.ndarray
    cost: np.ndarray

    @classmethod
    def build(cls, f: _Facts, pn: np.ndarray, pv: np.ndarray, pd: np.ndarray, w: Weights,
              fairness: float) -> _Arcs:
        metres = np.rint(pd * 1000).astype(np.int64)
        # Shifted by the most the extras could take off, so every cost is >= 0 and arcs found
        # in a second search are priced like the first.
        floor = fairness * 1000 * (1.5 * abs(w.load) + abs(w.idle) + abs(w.continuity) + abs(w.language))
        cost = metres + np.rint(f.extra_m(pn, pv, w, fairness) + floor).astype(np.int64)
        return cls(pn, pv, metres, cost)

    def merge(self, other: _Arcs) -> _Arcs:
        seen = set(zip(self.n.tolist(), self.v.tolist(), strict=True))
        new = np.array([(i, j) not in seen for i, j in zip(other.n.tolist(), other.v.tolist(),
                                                             strict=True)], bool)
        return _Arcs(*(np.concatenate([a, b[new]]) for a, b in
                       ((self.n, other.n), (self.v, other.v), (self.metres, other.metres),
                        (self.cost, other.cost))))


def _step_costs(f: _Facts, used: np.ndarray, caps: np.ndarray, w: Weights,
                fairness: float) -> tuple[np.ndarray, np.ndarray]:
    """Volunteer -> sink arcs: one per task left in their week, each dearer than the last when
    `fairness` > 0 (a convex cost spreads a batch's tasks), else one arc for them all."""
    if fairness == 0:
        return np.arange(used.size), np.zeros(used.size, np.int64)
    owner = np.repeat(np.arange(used.size), caps)
    nth = np.arange(owner.size) - np.repeat(np.cumsum(caps) - caps, caps)
    vol = used[owner]
    share = (f.v_tasks[vol] + nth) / np.maximum(f.v_cap[vol], 1)
    return owner, np.rint(fairness * 1000 * w.load * share).astype(np.int64)


def _solve_exact(f: _Facts, arcs: _Arcs, w: Weights, fairness: float,
                 work_limit: float | None = None) -> np.ndarray | None:
    """The exact min-cost assignment over the candidate arcs: which arcs are chosen, or None if
    it would settle more than `work_limit` nodes (then the caller runs the heuristic instead).
    Measured: 10,000 needs among 100,000 volunteers settle some 22,000 nodes (0.15 s); among
    4,000 volunteers, crowded on both sides, 312,000 (some 3 s)."""
    work_limit = WORK_LIMIT if work_limit is None else work_limit
    used, vol_node = np.unique(arcs.v, return_inverse=True)
    # A volunteer can take no more than the needs that could go to them.
    caps = np.minimum(f.remaining[used], np.bincount(vol_node, minlength=used.size)).astype(np.int64)
    owner, steps = _step_costs(f, used, caps, w, fairness)
    if not fairness:  # one free step per task left
        owner, steps = np.repeat(owner, caps), np.zeros(int(caps.sum()), np.int64)
    # The k-th task of a volunteer costs their k-th cheapest step: with parallel unit arcs to the
    # sink a flow always uses the cheapest, so sorting changes nothing but lets one "next step"
    # stand for them all.
    by_owner = np.lexsort((steps, owner))
    owner, steps = owner[by_owner], steps[by_owner]
    first = np.searchsorted(owner, np.arange(used.size + 1))
    if caps.sum() >= len(f.needs):  # needs are the scarcer side: add them one by one
        s = steps.tolist()
        per_vol = [s[a:b] for a, b in zip(first[:-1].tolist(), first[1:].tolist(), strict=True)]
        return _Assignment(len(f.needs), arcs.n, vol_node, arcs.cost, per_vol, work_limit).solve()
    # Fewer tasks left than needs: add the volunteers' tasks one by one instead. Searching from
    # the scarce side keeps each search short: from the plentiful side, every need that ends
    # unassigned searches its whole crowded neighbourhood first.
    s = steps.tolist()
    per_vol = [s[a:b] for a, b in zip(first[:-1].tolist(), first[1:].tolist(), strict=True)]
    return _Supply(len(f.needs), vol_node, arcs.n, arcs.cost, per_vol, work_limit).solve()


class _Assignment:
    """Successive shortest paths, one row at a time (the Hungarian method, sparse, with column
    capacities): exact, in plain Python, so the runtime needs no solver package.

    The network: row -> column (its arcs, 1 each, at their cost), column -> sink (one arc per
    unit of capacity, at its step cost, cheapest first), and row -> sink "unassigned" at BIG, so
    big that one more row matched always beats any saving in cost: every row is placed, the
    fewest of them on "unassigned", then at the least cost. Adding the rows one by one, each
    along a shortest path in the residual network (Dijkstra on costs reduced by node potentials,
    stopped at the sink, potentials moved by what it settled), keeps the assignment of the rows
    added so far optimal at every step, so the last one is the optimum. A row whose cheapest
    column has room settles in a few heap operations; only contested ones search further.
    """

    def __init__(self, n_rows: int, row: np.ndarray, col: np.ndarray, cost: np.ndarray,
                 steps: list[list[int]], budget: float) -> None:
        self.n = n_rows
        self.arc_col, self.arc_cost = col.tolist(), cost.tolist()
        order = np.argsort(row, kind="stable")
        starts = np.searchsorted(row[order], np.arange(n_rows + 1))
        o = order.tolist()
        self.out = [o[a:b] for a, b in zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True)]
        self.steps = steps
        flat = [x for s in steps for x in s] or [0]
        spread = int(np.abs(cost).max(initial=0)) + max(abs(min(flat)), abs(max(flat)))
        self.big = 2 * (n_rows + 1) * (spread + 1)
        self.budget = budget
        self.at = [-1] * n_rows  # the arc each row is on, -1 for "unassigned"
        self.holders: list[set[int]] = [set() for _ in steps]
        # Potentials: every residual arc's cost reduced by them is >= 0.
        self.h_row = [0] * n_rows
        self.h_col = [0] * len(steps)
        self.h_sink = min(0, min(flat))

    def solve(self) -> np.ndarray | None:
        for i in range(self.n):
            if not self._add(i):
                return None
        chosen = np.zeros(len(self.arc_col), bool)
        chosen[[a for a in self.at if a >= 0]] = True
        return chosen

    def _add(self, i0: int) -> bool:
        """Place row i0 along a shortest path; False once the work budget is spent."""
        n, sink = self.n, -1
        at, out, arc_col, arc_cost = self.at, self.out, self.arc_col, self.arc_cost
        h_row, h_col, holders, steps = self.h_row, self.h_col, self.holders, self.steps
        h_sink, big = self.h_sink, self.big
        # The new row's potential makes its own arcs' reduced costs >= 0.
        h_row[i0] = max([h_col[arc_col[a]] - arc_cost[a] for a in out[i0]] + [h_sink - big])
        dist = {i0: 0}
        pred: dict[int, tuple[int, int]] = {}  # node -> (node before it, arc into it or -1)
        settled: list[int] = []
        heap = [(0, i0)]
        push, pop, far = heappush, heappop, math.inf
        while heap:
            d, u = pop(heap)
            if u == sink:
                break
            if d > dist[u]:  # a stale entry: u was pushed again nearer (never once settled)
                continue
            settled.append(u)
            if u < n:  # a row: to any column but its own, or to "unassigned"
                hu, own = h_row[u], at[u]
                for a in out[u]:
                    if a != own:
                        v = n + arc_col[a]
                        nd = d + arc_cost[a] + hu - h_col[v - n]
                        if nd < dist.get(v, far):
                            dist[v] = nd
                            pred[v] = (u, a)
                            push(heap, (nd, v))
                nd = d + big + hu - h_sink
            else:  # a column: its next unit of capacity, or back from a row it holds
                j = u - n
                hj, held = h_col[j], holders[j]
                for m in held:
                    md = d - arc_cost[at[m]] + hj - h_row[m]
                    if md < dist.get(m, far):
                        dist[m] = md
                        pred[m] = (u, at[m])
                        push(heap, (md, m))
                if len(held) >= len(steps[j]):
                    continue
                nd = d + steps[j][len(held)] + hj - h_sink
            if nd < dist.get(sink, far):
                dist[sink] = nd
                pred[sink] = (u, -1)
                push(heap, (nd, sink))
        self.budget -= len(settled)
        top = dist[sink]
        for u in settled:  # what Dijkstra settled moves by its distance short of the sink
            if u < n:
                h_row[u] += dist[u] - top
            else:
                h_col[u - n] += dist[u] - top
        self._augment(pred, sink)
        return self.budget >= 0

    def _augment(self, pred: dict[int, tuple[int, int]], sink: int) -> None:
        """Flip the path into the sink: each row on it moves to the column after it (or to
        "unassigned"), and each column on it gives up the row after it."""
        n, at, holders, arc_col = self.n, self.at, self.holders, self.arc_col
        node = sink
        while node in pred:
            u, a = pred[node]
            if u < n:  # row u takes the arc into `node`
                at[u] = a
                if node != sink:
                    holders[arc_col[a]].add(u)
            elif node != sink:  # column u gives up row `node`, which moved on
                holders[u - n].discard(node)
            node = u


class _Supply:
    """The same optimum searched from the volunteers' side, for batches with fewer tasks left
    than needs: one task of one volunteer at a time, each along a shortest path (Dijkstra on
    reduced costs, as in `_Assignment`).

    Each volunteer is two nodes: their supply (every task left is added, and goes to a need or
    to "unassigned" at BIG) and their real tasks (supply -> real at the next step's cost, the
    steps rising, so a volunteer's real tasks always cost their cheapest steps; real -> need at
    the arc's cost). A need with no volunteer goes on to the sink; one held goes back to its
    volunteer, who must then place that task elsewhere or let it go to "unassigned".
    """

    def __init__(self, n_needs: int, vol: np.ndarray, need: np.ndarray, cost: np.ndarray,
                 steps: list[list[int]], budget: float) -> None:
        self.n, self.v = n_needs, len(steps)
        self.arc_need, self.arc_vol, self.arc_cost = need.tolist(), vol.tolist(), cost.tolist()
        order = np.argsort(vol, kind="stable")
        starts = np.searchsorted(vol[order], np.arange(self.v + 1))
        o = order.tolist()
        self.out = [o[a:b] for a, b in zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True)]
        self.steps = steps
        flat = [x for s in steps for x in s] or [0]
        spread = int(np.abs(cost).max(initial=0)) + max(abs(min(flat)), abs(max(flat)))
        self.big = 2 * (len(flat) + 1) * (spread + 1)
        self.budget = budget
        self.at = [-1] * n_needs  # the arc holding each need, -1 for none
        self.held: list[set[int]] = [set() for _ in steps]  # needs each volunteer holds
        # Potentials making every residual arc's reduced cost >= 0 (steps may be negative).
        low = min(0, min(flat))
        self.h_need = [low] * n_needs
        self.h_supply = [0] * self.v
        self.h_real = [low] * self.v
        self.h_sink = low

    def solve(self) -> np.ndarray | None:
        for j, tasks in enumerate(self.steps):
            for _ in tasks:
                if not self._add(j):
                    return None
        chosen = np.zeros(len(self.arc_cost), bool)
        chosen[[a for a in self.at if a >= 0]] = True
        return chosen

    def _add(self, j0: int) -> bool:
        """Place one more task of volunteer j0; False once the work budget is spent. Nodes:
        need i is i, volunteer j's supply n + j and real tasks n + v + j, the sink -1."""
        n, v, sink = self.n, self.v, -1
        supply0, real0 = n, n + v
        at, out, held, steps = self.at, self.out, self.held, self.steps
        arc_need, arc_vol, arc_cost = self.arc_need, self.arc_vol, self.arc_cost
        h_need, h_supply, h_real, h_sink, big = self.h_need, self.h_supply, self.h_real, self.h_sink, self.big
        start = supply0 + j0
        dist = {start: 0}
        pred: dict[int, tuple[int, int]] = {}  # node -> (node before it, arc into it or -1)
        settled: list[int] = []
        heap = [(0, start)]
        push, pop, far = heappush, heappop, math.inf

        def reach(node: int, nd: int, came: tuple[int, int]) -> None:
            if nd < dist.get(node, far):
                dist[node] = nd
                pred[node] = came
                push(heap, (nd, node))

        while heap:
            d, u = pop(heap)
            if u == sink:
                break
            if d > dist[u]:  # a stale entry: u was pushed again nearer (never once settled)
                continue
            settled.append(u)
            if u < n:  # a need: free, on to the sink; held, back to its volunteer
                a = at[u]
                if a < 0:
                    reach(sink, d + h_need[u] - h_sink, (u, -1))
                else:
                    reach(real0 + arc_vol[a], d - arc_cost[a] + h_need[u] - h_real[arc_vol[a]], (u, a))
            elif u < real0:  # a volunteer's supply: one more real task, or "unassigned"
                j = u - supply0
                hj, count = h_supply[j], len(held[j])
                if count < len(steps[j]):
                    reach(real0 + j, d + steps[j][count] + hj - h_real[j], (u, -1))
                reach(sink, d + big + hj - h_sink, (u, -1))
            else:  # a volunteer's real tasks: to a need they do not hold, or one task fewer
                j = u - real0
                hj, mine = h_real[j], held[j]
                for a in out[j]:
                    i = arc_need[a]
                    if i not in mine:
                        reach(i, d + arc_cost[a] + hj - h_need[i], (u, a))
                if mine:
                    reach(supply0 + j, d - steps[j][len(mine) - 1] + hj - h_supply[j], (u, -1))
        self.budget -= len(settled)
        top = dist[sink]
        for u in settled:  # what Dijkstra settled moves by its distance short of the sink
            if u < n:
                h_need[u] += dist[u] - top
            elif u < real0:
                h_supply[u - supply0] += dist[u] - top
            else:
                h_real[u - real0] += dist[u] - top
        self._augment(pred, sink, start)
        return self.budget >= 0

    def _augment(self, pred: dict[int, tuple[int, int]], sink: int, start: int) -> None:
        """Flip the path: each need on it goes to the volunteer before it, each volunteer on it
        gives up the need it held there (the supply and real-task nodes follow from `held`)."""
        n, real0, at, held, arc_vol = self.n, self.n + self.v, self.at, self.held, self.arc_vol
        steps_back = []
        node = sink
        while node != start:
            u, a = pred[node]
            steps_back.append((u, node, a))
            node = u
        for u, node, a in steps_back:  # first every need given up, then every need taken
            if 0 <= u < n and node != sink and a >= 0:  # need u goes back to its volunteer
                held[arc_vol[a]].discard(u)
        for u, node, a in steps_back:
            if u >= real0 and 0 <= node < n:  # real tasks of a volunteer take need `node`
                at[node] = a
                held[arc_vol[a]].add(node)


def _solve_heuristic(f: _Facts, arcs: _Arcs) -> np.ndarray:
    """Greedy by cost, then ejections (a full volunteer takes a waiting need and passes one of
    theirs to someone with room), moves to cheaper volunteers with room, and pairwise swaps."""
    n_needs = len(f.needs)
    pn, pv, cost = arcs.n.tolist(), arcs.v.tolist(), arcs.cost.tolist()
    room = f.remaining.clip(0).tolist()
    by_need: list[list[int]] = [[] for _ in range(n_needs)]
    for p in np.argsort(arcs.cost, kind="stable").tolist():
        by_need[pn[p]].append(p)
    at: list[int] = [-1] * n_needs  # chosen arc per need
    holding: dict[int, set[int]] = {}  # volunteer -> needs they hold
    where = {(pn[p], pv[p]): p for p in range(len(pn))}

    def take(i: int, p: int) -> None:
        if at[i] >= 0:
            old = pv[at[i]]
            room[old] += 1
            holding[old].discard(i)
        at[i] = p
        room[pv[p]] -= 1
        holding.setdefault(pv[p], set()).add(i)

    for p in np.argsort(arcs.cost, kind="stable").tolist():
        i = pn[p]
        if at[i] < 0 and room[pv[p]] > 0:
            take(i, p)

    for i in range(n_needs):  # ejections for those still waiting
        if at[i] >= 0 or not by_need[i]:
            continue
        free = [p for p in by_need[i] if room[pv[p]] > 0]
        if free:
            take(i, free[0])
            continue
        best: tuple[int, int, int, int] | None = None  # (added cost, arc for i, need moved, its arc)
        for p in by_need[i]:
            for m in holding.get(pv[p], ()):
                for q in by_need[m]:
                    if room[pv[q]] > 0 and (best is None or cost[p] + cost[q] - cost[at[m]] < best[0]):
                        best = (cost[p] + cost[q] - cost[at[m]], p, m, q)
        if best is not None:
            _, p, m, q = best
            take(m, q)
            take(i, p)

    for _ in range(5):  # moves and swaps until nothing improves
        better = False
        for i in range(n_needs):
            cur = at[i]
            if cur < 0:
                continue
            for p in by_need[i]:
                if cost[p] >= cost[at[i]]:
                    break
                if room[pv[p]] > 0:
                    take(i, p)
                    better = True
                    break
                for m in list(holding.get(pv[p], ())):
                    back = where.get((m, pv[at[i]]))
                    if back is not None and cost[p] + cost[back] < cost[at[i]] + cost[at[m]]:
                        mine, theirs = at[i], at[m]
                        room[pv[mine]] += 1
                        room[pv[theirs]] += 1
                        holding[pv[mine]].discard(i)
                        holding[pv[theirs]].discard(m)
                        at[i] = at[m] = -1
                        take(i, p)
                        take(m, back)
                        better = True
                        break
                if at[i] != cur:
                    break
        if not better:
            break
    chosen = np.zeros(len(pn), bool)
    chosen[[p for p in at if p >= 0]] = True
    return chosen


# ---------------------------------------------------------------------------------------------
# Saying why


def _left_out(f: _Facts, i: int) -> Counter:
    """core.rank(need, volunteers).left_out for need `i`, over arrays: each volunteer counted
    under the first filter they fail, codes in the order core first meets them."""
    need = f.needs[i]
    s = int(f.n_svc[i])
    rest = np.ones(len(f.vols), bool)
    masks: dict[str, np.ndarray] = {}

    def fail(code: str, mask: np.ndarray) -> None:
        masks[code] = rest & mask
        rest[masks[code]] = False

    fail("service", ~f.offers[s])
    fail("cleared", ~f.cleared[s])
    fail("paused", f.v_paused)
    fail("capped", f.v_tasks >= f.v_cap)
    fail("unplaced", ~f.v_placed)
    vj = np.flatnonzero(rest)
    ni = np.full(vj.size, i)
    d = _haversine_km(f.v_lat[vj], f.v_lon[vj], f.n_lat[ni], f.n_lon[ni])
    radius = f.v_radius[vj]
    far: np.ndarray = np.asarray((d > radius) | (d > f.n_max_km[i]))
    for p in np.flatnonzero((np.abs(d - radius) <= _NEAR_KM) | (np.abs(d - f.n_max_km[i]) <= _NEAR_KM)):
        exact = distance_km(f.vols[int(vj[p])].home, need.place)
        assert exact is not None
        far[p] = exact > radius[p] or (need.max_km is not None and exact > need.max_km)
    mask = np.zeros(len(f.vols), bool)
    mask[vj[far]] = True
    fail("far", mask)
    busy = ~(f.n_any_time[i] | f.v_on_duty | (f.v_slots & f.n_slots[i]).any(axis=1))
    fail("time", busy)
    lang = int(f.n_lang_req[i])
    fail("language", ~f.speaks[lang] if lang >= 0 else np.zeros(len(f.vols), bool))
    firsts = sorted((int(np.argmax(m)), code) for code, m in masks.items() if m.any())
    return Counter({code: int(masks[code].sum()) for _, code in firsts})


def _why(f: _Facts, i: int, had: int, labels: Mapping[str, str]) -> str:
    need = f.needs[i]
    if had == 0:
        return Ranking(need, [], _left_out(f, i)).why_nobody(labels.get(need.service, need.service))
    who = "the 1 volunteer" if had == 1 else f"the {had} volunteers"
    return f"Nobody left to take this: {who} who could {REFUSALS['capped'][had != 1]}, counting this batch."


# ---------------------------------------------------------------------------------------------
# The verbs


def assign_batch(needs: Sequence[Need], volunteers: Sequence[Volunteer], *,
                 weights: Weights | None = None, exact_limit: int = EXACT_LIMIT,
                 neighbours: int = NEIGHBOURS, fairness: float = FAIRNESS,
                 service_labels: Mapping[str, str] | None = None) -> BatchResult:
    """Assign as many of `needs` as possible, then at the least total distance, within every
    volunteer's remaining weekly capacity and core.refusal's hard filters.

    `neighbours` candidate volunteers are kept per need (a need left over with a full list is
    searched again without the limit); with more than `exact_limit` candidate arcs a heuristic
    runs instead of the exact min-cost flow. `fairness` (0 for distance alone) scales core.score's
    load terms into a small secondary cost in metres. Pure: any caller may use it."""
    start = time.perf_counter()
    w = weights or Weights()
    f = _Facts(needs, volunteers)
    rows = np.arange(len(f.needs))
    arcs = _Arcs.build(f, *_search(f, rows, k=neighbours, limit_m=_reach_m(f, rows), strict=True),
                       w, fairness)
    method = "exact" if arcs.n.size <= exact_limit else "heuristic"

    def solve(a: _Arcs) -> np.ndarray:
        nonlocal method
        chosen = _solve_exact(f, a, w, fairness) if method == "exact" else None
        if chosen is None:
            method = "heuristic"
            chosen = _solve_heuristic(f, a)
        return chosen

    chosen = solve(arcs) if arcs.n.size else np.zeros(0, bool)
    had = np.bincount(arcs.n, minlength=len(f.needs))
    waiting = np.ones(len(f.needs), bool)
    waiting[arcs.n[chosen]] = False
    again = np.flatnonzero(waiting & (had >= neighbours))
    if again.size:  # maybe someone beyond the nearest few has room
        more = _Arcs.build(f, *_search(f, again, k=None, limit_m=_reach_m(f, again), strict=True),
                           w, fairness)
        merged = arcs.merge(more)
        if merged.n.size > arcs.n.size:  # nobody new within reach: the answer stands
            arcs = merged
            chosen = solve(arcs)
        had = np.bincount(arcs.n, minlength=len(f.needs))
        waiting[:] = True
        waiting[arcs.n[chosen]] = False
    labels = service_labels or {}
    return BatchResult(
        pairs={int(f.n_id[i]): int(f.v_id[j]) for i, j in zip(arcs.n[chosen].tolist(),
                                                              arcs.v[chosen].tolist(), strict=True)},
        unassigned={int(f.n_id[i]): _why(f, i, int(had[i]), labels)
                    for i in np.flatnonzero(waiting).tolist()},
        total_m=int(arcs.metres[chosen].sum()),
        method=method,
        seconds=time.perf_counter() - start,
        arcs=int(arcs.n.size),
    )


def nearest_only(needs: Sequence[Need], volunteers: Sequence[Volunteer]) -> dict[int, int]:
    """The seeds' method, as a baseline: each request to the single nearest volunteer who offers
    the service and has a postcode, whatever their caps, checks, breaks or distance."""
    f = _Facts(needs, volunteers)
    rows = np.arange(len(f.needs))
    pn, pv, _ = _search(f, rows, k=1, limit_m=np.full(rows.size, np.inf), strict=False)
    return {int(f.n_id[i]): int(f.v_id[j]) for i, j in zip(pn.tolist(), pv.tolist(), strict=True)}


def gini(counts: Sequence[int]) -> float:
    """Gini coefficient of non-negative counts: 0 when all equal, (n-1)/n when one has all."""
    x = np.sort(np.asarray(counts, float))
    n, total = x.size, float(x.sum())
    if n == 0 or total == 0:
        return 0.0
    return float(2 * np.sum(np.arange(1, n + 1) * x) / (n * total) - (n + 1) / n)


@dataclass
class Optimum:
    total_m: int  # least total metres with as many needs assigned as possible
    assigned: int
    arcs: int  # need -> volunteer arcs in the last solve
    rounds: int  # solves until no other feasible pair could improve the answer
    priced: int  # feasible pairs outside the arcs whose reduced cost was checked


def optimum(needs: Sequence[Need], volunteers: Sequence[Volunteer], *,
            neighbours: int = NEIGHBOURS, max_rounds: int = 50) -> Optimum:
    """The exact optimum of the plain problem (as many needs as possible, then the least total
    metres, no fairness term) over every feasible pair, not only each need's nearest few.

    For benchmarks and tests. It solves on the nearest `neighbours`, then prices every other
    feasible pair with node potentials of that solution (shortest-path distances in its residual
    graph, "unassigned" arcs included at a prohibitive cost) and adds any pair with a negative
    reduced cost, until there is none: then no pair left out could improve the answer (linear
    programming duality), so the figure is proved, not estimated."""
    w = Weights()
    f = _Facts(needs, volunteers)
    n_needs = len(f.needs)
    rows = np.arange(n_needs)
    reach = _reach_m(f, rows)
    arcs = _Arcs.build(f, *_search(f, rows, k=neighbours, limit_m=reach, strict=True), w, 0.0)
    big = int((np.max(reach, initial=0) + 2) * (n_needs + 1))
    priced = 0
    for rounds in range(1, max_rounds + 1):
        chosen = _solve_exact(f, arcs, w, 0.0, math.inf) if arcs.n.size else np.zeros(0, bool)
        assert chosen is not None  # no work limit
        potential = _potentials(f, arcs, chosen, big)
        # A left-out pair (i, j) helps only if metres + D(i) - D(j) < 0; D(j) <= 0 for every
        # volunteer, so only pairs nearer than -D(i) can.
        limit = np.minimum(-potential[:n_needs].astype(float), reach)
        look = np.flatnonzero(limit > 0)
        pn, pv, pd = _search(f, look, k=None, limit_m=limit[look], strict=True)
        metres = np.rint(pd * 1000).astype(np.int64)
        better = (metres + potential[pn] - potential[n_needs + pv]) < 0
        known = set(zip(arcs.n.tolist(), arcs.v.tolist(), strict=True))
        better &= np.array([(i, j) not in known for i, j in zip(pn.tolist(), pv.tolist(), strict=True)], bool)
        priced += int(pn.size)
        if not better.any():
            return Optimum(int(arcs.metres[chosen].sum()), int(chosen.sum()), int(arcs.n.size), rounds,
                           priced)
        arcs = arcs.merge(_Arcs(pn[better], pv[better], metres[better], metres[better]))
    raise RuntimeError(f"no proof of optimality after {max_rounds} rounds")


def _potentials(f: _Facts, arcs: _Arcs, chosen: np.ndarray, big: int) -> np.ndarray:
    """Shortest-path distances from a virtual root (0 to every node) in the residual graph of
    the assignment `chosen`: needs, then volunteers, then the sink. Bellman-Ford over arrays;
    it converges only if the assignment is optimal on its arcs (no negative cycle)."""
    n_needs, n_vols = len(f.needs), len(f.vols)
    sink = n_needs + n_vols
    assigned = np.zeros(n_needs, bool)
    assigned[arcs.n[chosen]] = True
    load = np.bincount(arcs.v[chosen], minlength=n_vols)
    vols = np.unique(arcs.v)
    spare, busy = vols[load[vols] < f.remaining[vols]], vols[load[vols] > 0]
    waiting = np.flatnonzero(~assigned)
    tails = np.concatenate([np.where(chosen, n_needs + arcs.v, arcs.n), n_needs + spare,
                            np.full(busy.size, sink), np.flatnonzero(assigned), np.full(waiting.size, sink)])
    heads = np.concatenate([np.where(chosen, arcs.n, n_needs + arcs.v), np.full(spare.size, sink),
                            n_needs + busy, np.full(int(assigned.sum()), sink), waiting])
    cost = np.concatenate([np.where(chosen, -arcs.metres, arcs.metres),
                           np.zeros(spare.size + busy.size, np.int64),
                           np.full(int(assigned.sum()), big, np.int64),
                           np.full(waiting.size, -big, np.int64)])
    dist = np.zeros(sink + 1, np.int64)
    for _ in range(sink + 2):
        new = dist.copy()
        np.minimum.at(new, heads, dist[tails] + cost)
        if np.array_equal(new, dist):
            return dist
        dist = new
    raise RuntimeError("negative cycle: the assignment is not optimal on its own arcs")
