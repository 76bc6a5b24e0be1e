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
from typing import Any

from kith.matching.routing import Stop, plan_routes, reference_plan
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
