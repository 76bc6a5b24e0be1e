"""Split one pickup's deliveries among a few volunteers, each with an ordered route.

Pure: no Django, no database. A pharmacy hands over N deliveries at one pickup point and k
volunteers set off from there. We minimise the total distance walked or driven. Routes are open:
a volunteer goes home after the last drop, so the way back to the pickup costs nothing.

`plan_routes` is what Kith uses (PyVRP's iterated local search, or an exact search when the run
is tiny). The benchmark's `reference_plan` (bench/matching_routes.py) solves the same problem
with a different solver (OR-Tools with guided local search, only installed with the `bench`
extra) so it can say how close to it we come.

Inside the solvers distances are whole metres and times whole seconds. Times are rounded up, so a
route the solver accepts is never longer in minutes than the limit once we add it up ourselves.
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from kith.places.geo import LatLon, haversine_m

# Streets are not straight lines. Across UK towns the road distance is typically 1.2-1.4 times
# the crow-fly distance, so 1.3 keeps route lengths and minutes honest without a road map.
DETOUR_FACTOR = 1.3

# Up to this many stops for one volunteer we try every order (Held-Karp): exact, and faster
# than starting a solver.
EXACT_MAX_STOPS = 9


class RoutingError(ValueError):
    """The run cannot be planned within its limits; the message is for a coordinator."""


@dataclass(frozen=True)
class Stop:
    id: int
    place: LatLon


@dataclass
class RoutePlan:
    routes: list[list[int]]  # stop ids in visiting order, one list per volunteer (some may be empty)
    lengths_m: list[int]  # pickup -> last stop, no way back
    minutes: list[float]  # travel plus handovers
    total_m: int
    solver: str  # "pyvrp", "ortools", "exact" or "trivial"
    seconds: float  # wall time spent planning


@dataclass(frozen=True)
class _Run:
    """One routing problem with its distances: node 0 is the pickup, node i is stops[i - 1]."""

    pickup: LatLon
    stops: Sequence[Stop]
    volunteers: int
    max_stops: int | None
    max_minutes: float | None
    metres_per_minute: float
    stop_minutes: float
    metres: list[list[int]]  # metres[i][j]: i -> j; every way back to the pickup is 0

    @property
    def size(self) -> int:
        return len(self.stops)

    def travel_seconds(self, i: int, j: int) -> int:
        return math.ceil(self.metres[i][j] * 60 / self.metres_per_minute)

    @property
    def stop_seconds(self) -> int:
        return math.ceil(self.stop_minutes * 60)

    @property
    def limit_seconds(self) -> int | None:
        return None if self.max_minutes is None else math.floor(self.max_minutes * 60)

    def minutes(self, length_m: int, stops: int) -> float:
        return length_m / self.metres_per_minute + stops * self.stop_minutes

    def length(self, nodes: Sequence[int]) -> int:
        """Metres along an open route that starts at the pickup and visits `nodes` in order."""
        path = [0, *nodes]
        return sum(self.metres[a][b] for a, b in itertools.pairwise(path))


def street_metres(a: LatLon, b: LatLon) -> int:
    """An estimate of the distance along streets, in whole metres."""
    return round(haversine_m(a, b) * DETOUR_FACTOR)


def plan_routes(
    pickup: LatLon,
    stops: Sequence[Stop],
    volunteers: int,
    *,
    max_stops: int | None = None,
    max_minutes: float | None = None,
    metres_per_minute: float = 75.0,
    stop_minutes: float = 4.0,
    seconds: float | None = None,
    seed: int = 1,
) -> RoutePlan:
    """Routes for `volunteers` people from `pickup` that visit every stop once, shortest in total.

    `max_stops` caps the stops per volunteer and `max_minutes` the minutes per route (walking at
    `metres_per_minute` plus `stop_minutes` per handover). Raises RoutingError, with a sentence a
    coordinator can act on, when the limits cannot be met. `seconds` caps the search (by default
    it grows with the number of stops: under a second for 20, under ten for 200). The same input
    and seed give the same plan, unless the search is cut short by that cap on a slow machine.
    """
    started = time.perf_counter()
    run = _prepare(pickup, stops, volunteers, max_stops, max_minutes, metres_per_minute, stop_minutes)
    if run.size <= 1 or (volunteers == 1 and run.size <= EXACT_MAX_STOPS):
        solver, nodes = "exact" if run.size > 1 else "trivial", [_best_order(run)]
    else:
        budget = _default_seconds(run.size) if seconds is None else seconds
        solver, nodes = "pyvrp", _solve_pyvrp(run, budget - (time.perf_counter() - started), seed)
    return _finish(run, nodes, solver, started)


# --- the problem and its limits -------------------------------------------------------------


def _prepare(
    pickup: LatLon,
    stops: Sequence[Stop],
    volunteers: int,
    max_stops: int | None,
    max_minutes: float | None,
    metres_per_minute: float,
    stop_minutes: float,
) -> _Run:
    if len({stop.id for stop in stops}) != len(stops):
        raise ValueError("stop ids must be unique")
    if metres_per_minute <= 0 or stop_minutes < 0:
        raise ValueError("metres_per_minute must be positive and stop_minutes not negative")
    places = [pickup, *(stop.place for stop in stops)]
    metres = [[0 if j == 0 else street_metres(a, b) for j, b in enumerate(places)] for a in places]
    run = _Run(pickup, list(stops), volunteers, max_stops, max_minutes, metres_per_minute, stop_minutes,
               metres)
    _check_limits(run)
    return run


def _check_limits(run: _Run) -> None:
    """Refuse runs that no plan could satisfy, saying what would make them possible."""
    n, k = run.size, run.volunteers
    if k < 1:
        raise RoutingError("A run needs at least one volunteer.")
    if run.max_stops is not None:
        if run.max_stops < 1:
            raise RoutingError("Each volunteer must be allowed at least one stop.")
        if n > k * run.max_stops:
            need = math.ceil(n / run.max_stops)
            raise RoutingError(
                f"{n} stops need at least {need} volunteers at {run.max_stops} stops each."
            )
    if run.max_minutes is not None and n:
        _check_minutes(run, run.max_minutes)


def _check_minutes(run: _Run, limit: float) -> None:
    far = max(range(1, run.size + 1), key=lambda i: run.metres[0][i])
    alone = run.minutes(run.metres[0][far], 1)
    if alone > limit:
        raise RoutingError(
            f"Stop {run.stops[far - 1].id} takes {alone:.0f} minutes on its own, "
            f"more than the {limit:g} minutes allowed per volunteer."
        )
    # Every stop is reached from somewhere: from the pickup or from another stop, at the least
    # from the nearest of them. That bounds the total minutes any plan needs from below.
    least = sum(
        run.minutes(min(run.metres[i][j] for i in range(run.size + 1) if i != j), 1)
        for j in range(1, run.size + 1)
    )
    need = math.ceil(least / limit - 1e-9)
    if need > run.volunteers:
        raise RoutingError(
            f"{run.size} stops need at least {need} volunteers at {limit:g} minutes each."
        )


def _default_seconds(size: int) -> float:
    # Most of the gain comes early and the search also stops once it stops improving; this cap
    # keeps the whole call (distances and model included) under 1 s for 20 stops, 10 s for 200.
    return min(8.5, max(0.5, 0.04 * size))


# --- solvers ----------------------------------------------------------------------------------


def _best_order(run: _Run) -> list[int]:
    """The shortest open route through every stop, by dynamic programming over subsets."""
    n = run.size
    if n <= 1:
        return list(range(1, n + 1))
    d = run.metres
    # best[(mask, last)] = (metres, previous) for routes visiting `mask` and ending at `last`.
    best: dict[tuple[int, int], tuple[int, int]] = {(1 << j, j): (d[0][j + 1], -1) for j in range(n)}
    for mask in range(1, 1 << n):
        for last in range(n):
            if (mask, last) not in best:
                continue
            here = best[(mask, last)][0]
            for nxt in range(n):
                if mask & (1 << nxt):
                    continue
                key = (mask | (1 << nxt), nxt)
                cost = here + d[last + 1][nxt + 1]
                if key not in best or cost < best[key][0]:
                    best[key] = (cost, last)
    full = (1 << n) - 1
    last = min(range(n), key=lambda j: (best[(full, j)][0], j))
    order, mask = [], full
    while last != -1:
        order.append(last + 1)
        mask, last = mask ^ (1 << last), best[(mask, last)][1]
    order.reverse()
    return order


def _solve_pyvrp(run: _Run, seconds: float, seed: int) -> list[list[int]]:
    import numpy as np
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType, solve
    from pyvrp.exceptions import PenaltyBoundWarning
    from pyvrp.stop import MaxRuntime, MultipleCriteria

    metres = np.array(run.metres, dtype=np.int64)
    durations = np.ceil(metres * 60 / run.metres_per_minute).astype(np.int64)
    load = [] if run.max_stops is None else [1]
    limit = run.limit_seconds
    vehicle = VehicleType(
        num_available=run.volunteers,
        capacity=[] if run.max_stops is None else [run.max_stops],
        shift_duration=limit if limit is not None else int(np.iinfo(np.int64).max),
    )
    # Coordinates only steer PyVRP's neighbourhoods; the matrices hold the real costs.
    places = [run.pickup, *(stop.place for stop in run.stops)]
    data = ProblemData(
        locations=[Location(x=p.lon, y=p.lat) for p in places],
        clients=[Client(location=i, delivery=load, service_duration=run.stop_seconds)
                 for i in range(1, run.size + 1)],
        depots=[Depot(location=0)],
        vehicle_types=[vehicle],
        # PyVRP's stubs spell a matrix as ndarray[int], which no real array type matches.
        distance_matrices=[metres],  # type: ignore[list-item]
        duration_matrices=[durations],  # type: ignore[list-item]
    )
    # Iteration counts, not the clock, normally end the search, so a seed gives one answer;
    # the clock only cuts in on a slow machine, or while no plan within the limits is found yet.
    stop = MultipleCriteria([_Settled(_patience(run.size)), MaxRuntime(max(0.05, seconds))])
    with warnings.catch_warnings():
        # PyVRP warns when limits look impossible; we say so ourselves, in a coordinator's words.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = solve(data, stop=stop, seed=seed, collect_stats=False, display=False)
    if not result.is_feasible():
        raise RoutingError(_no_plan_found(run))
    routes = result.best.routes()
    return [[activity.idx + 1 for activity in route if activity.is_client()] for route in routes]


class _Settled:
    """Stop after `patience` iterations without a shorter plan, once a plan within limits exists.

    PyVRP's NoImprovement also counts iterations spent looking for a first plan that meets the
    limits (its cost is then the largest integer), so tight minute limits would give up early.
    """

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.best: int | None = None
        self.waited = 0

    def __call__(self, best_cost: int) -> bool:
        if best_cost >= _NO_PLAN:
            return False
        if self.best is None or best_cost < self.best:
            self.best, self.waited = best_cost, 0
        else:
            self.waited += 1
        return self.waited >= self.patience


_NO_PLAN = 2**63 - 1  # what PyVRP's cost evaluator gives a plan that breaks a limit


def _patience(size: int) -> int:
    """Iterations without improvement before we take the best plan as good enough.

    Measured on scattered London stops: 20 stops settle within a few hundred iterations and 200
    within about 5,000 (some 5 s); more patience found nothing shorter.
    """
    return 1_000 + 20 * size


def _no_plan_found(run: _Run) -> str:
    limits = []
    if run.max_stops is not None:
        limits.append(f"{run.max_stops} stops")
    if run.max_minutes is not None:
        limits.append(f"{run.max_minutes:g} minutes")
    team = "1 volunteer" if run.volunteers == 1 else f"{run.volunteers} volunteers"
    return (
        f"Could not find routes for {run.size} stops with {team} at most "
        f"{' and '.join(limits) or 'any length'} each; add a volunteer or loosen the limits."
    )


def _finish(run: _Run, nodes: list[list[int]], solver: str, started: float) -> RoutePlan:
    """The plan in stop ids, padded to one route per volunteer, checked before it leaves."""
    nodes = [route for route in nodes if route]
    nodes += [[] for _ in range(run.volunteers - len(nodes))]
    visited = sorted(node for route in nodes for node in route)
    if visited != list(range(1, run.size + 1)) or len(nodes) != run.volunteers:
        raise AssertionError(f"{solver} returned a plan that does not visit every stop once")
    lengths = [run.length(route) for route in nodes]
    minutes = [run.minutes(length, len(route)) for length, route in zip(lengths, nodes, strict=True)]
    # The exact search ignores the minute limit (its shortest order is also its quickest), so an
    # over-long route here means no plan exists; solvers' plans pass, as their times round up.
    if run.max_minutes is not None and max(minutes) > run.max_minutes:
        raise RoutingError(_no_plan_found(run))
    return RoutePlan(
        routes=[[run.stops[node - 1].id for node in route] for route in nodes],
        lengths_m=lengths,
        minutes=minutes,
        total_m=sum(lengths),
        solver=solver,
        seconds=time.perf_counter() - started,
    )
