"""Benchmark for delivery runs: how long `plan_routes` takes and how short its routes are.

`measure(quick)` returns a dict of figures and prints nothing. Each size is one seeded synthetic
run: stops scattered evenly over a disc of 3 km around a pickup in Barnet (51.65, -0.20), a
volunteer's walk from a high-street pharmacy. Each volunteer may take at most ceil(1.2 N / k)
stops (6 for 20 among 4, 12 for 200 among 20): a fair share with a little room to follow the
streets.

- routeN_seconds: wall time of one `plan_routes` call with its defaults, distances included.
- routeN_ratio: our total metres over `reference_plan`'s (OR-Tools, guided local search, 10 s;
  2 s in quick mode). Below 1 means we beat the reference.

Quick mode plans 100 stops among 10 volunteers instead of 200 among 20 (the keys keep the name
route200; `route200_stops` says which size ran) so the route part stays under about 15 s.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from typing import Any

from kith.matching.routing import (
    RoutePlan,
    RoutingError,
    Stop,
    _finish,
    _no_plan_found,
    _prepare,
    _Run,
    plan_routes,
)
from kith.places.geo import EARTH_RADIUS_M, LatLon

SEED = 20240601
PICKUP = LatLon(51.65, -0.20)  # Barnet
RADIUS_M = 3_000
TARGETS = {"route20_seconds": 1.0, "route20_ratio": 1.01, "route200_seconds": 10.0, "route200_ratio": 1.02}


def scattered_stops(
    n: int, seed: int = SEED, centre: LatLon = PICKUP, radius_m: float = RADIUS_M
) -> list[Stop]:
    """`n` stops spread evenly over a disc around `centre`."""
    rng = random.Random(seed)
    metres_per_degree = math.radians(1) * EARTH_RADIUS_M
    stops = []
    for i in range(n):
        r = radius_m * math.sqrt(rng.random())  # the square root spreads them evenly by area
        angle = rng.uniform(0, 2 * math.pi)
        lat = centre.lat + r * math.sin(angle) / metres_per_degree
        lon = centre.lon + r * math.cos(angle) / (metres_per_degree * math.cos(math.radians(centre.lat)))
        stops.append(Stop(id=1000 + i, place=LatLon(lat, lon)))
    return stops


def _one(key: str, stops_n: int, volunteers: int, reference_seconds: float) -> dict[str, Any]:
    stops = scattered_stops(stops_n, seed=SEED + stops_n)
    max_stops = math.ceil(1.2 * stops_n / volunteers)
    started = time.perf_counter()
    ours = plan_routes(PICKUP, stops, volunteers, max_stops=max_stops)
    seconds = time.perf_counter() - started
    reference = reference_plan(PICKUP, stops, volunteers, max_stops=max_stops, seconds=reference_seconds)
    return {
        f"{key}_seconds": round(seconds, 3),
        f"{key}_ratio": round(ours.total_m / reference.total_m, 4),
        f"{key}_stops": stops_n,
        f"{key}_volunteers": volunteers,
        f"{key}_max_stops": max_stops,
        f"{key}_total_m": ours.total_m,
        f"{key}_reference_m": reference.total_m,
        f"{key}_reference_seconds": reference_seconds,
        f"{key}_solver": ours.solver,
    }


def measure(quick: bool = False) -> dict[str, Any]:
    """Time and quality of `plan_routes` against the OR-Tools reference, 20 and 200 stops."""
    reference_seconds = 2.0 if quick else 10.0
    big, big_team = (100, 10) if quick else (200, 20)
    results: dict[str, Any] = {"quick": quick, "targets": TARGETS}
    results |= _one("route20", 20, 4, reference_seconds)
    results |= _one("route200", big, big_team, reference_seconds)
    return results


def reference_plan(
    pickup: LatLon,
    stops: Sequence[Stop],
    volunteers: int,
    *,
    max_stops: int | None = None,
    max_minutes: float | None = None,
    metres_per_minute: float = 75.0,
    stop_minutes: float = 4.0,
    seconds: float = 10.0,
    seed: int = 1,
) -> RoutePlan:
    """The same plan by a different solver (OR-Tools, guided local search for `seconds`).

    For the benchmark: a yardstick for `plan_routes`, not for use in a request, so it lives
    here with OR-Tools (the `bench` extra), not in the runtime. `seed` is accepted for symmetry;
    OR-Tools' search is deterministic within its time limit.
    """
    started = time.perf_counter()
    run = _prepare(pickup, stops, volunteers, max_stops, max_minutes, metres_per_minute, stop_minutes)
    if run.size == 0:
        return _finish(run, [], "trivial", started)
    return _finish(run, _solve_ortools(run, seconds), "ortools", started)


def _solve_ortools(run: _Run, seconds: float) -> list[list[int]]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    manager = pywrapcp.RoutingIndexManager(run.size + 1, run.volunteers, 0)
    model = pywrapcp.RoutingModel(manager)
    model.SetArcCostEvaluatorOfAllVehicles(model.RegisterTransitMatrix(run.metres))
    if run.max_stops is not None:
        # One per stop, none for the pickup (a constant dimension would count the last arc too).
        demand = model.RegisterUnaryTransitVector([0] + [1] * run.size)
        model.AddDimension(demand, 0, run.max_stops, True, "stops")
    if run.limit_seconds is not None:
        # Time to travel from i to j plus the handover at i (none at the pickup).
        times = [[run.travel_seconds(i, j) + (run.stop_seconds if i else 0) for j in range(run.size + 1)]
                 for i in range(run.size + 1)]
        model.AddDimension(model.RegisterTransitMatrix(times), 0, run.limit_seconds, True, "minutes")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(1, round(seconds * 1000)))
    solution = model.SolveWithParameters(params)
    if solution is None:
        raise RoutingError(_no_plan_found(run))
    routes = []
    for vehicle in range(run.volunteers):
        index, nodes = solution.Value(model.NextVar(model.Start(vehicle))), []
        while not model.IsEnd(index):
            nodes.append(manager.IndexToNode(index))
            index = solution.Value(model.NextVar(index))
        routes.append(nodes)
    return routes
