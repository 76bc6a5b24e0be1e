"""The routing core for delivery runs: every stop once, limits kept, open routes, short totals."""

from __future__ import annotations

import itertools
import math
import random

import pytest
from bench.matching_routes import reference_plan
from hypothesis import given, settings
from hypothesis import strategies as st

from kith.matching.routing import (
    DETOUR_FACTOR,
    RoutingError,
    Stop,
    plan_routes,
    street_metres,
)
from kith.places.geo import LatLon, haversine_m

PICKUP = LatLon(51.65, -0.20)  # Barnet


def _stops(n: int, seed: int = 1, km: float = 2.0) -> list[Stop]:
    rng = random.Random(seed)
    return [
        # Ids far from 0..n-1, so a plan that leaked solver indices would show.
        Stop(id=500 + 7 * i, place=LatLon(PICKUP.lat + rng.uniform(-km, km) / 111.2,
                                          PICKUP.lon + rng.uniform(-km, km) / 69.1))
        for i in range(n)
    ]


def _open_length(stops: list[Stop], ids: list[int]) -> int:
    where = {stop.id: stop.place for stop in stops}
    path = [PICKUP, *(where[i] for i in ids)]
    return sum(street_metres(a, b) for a, b in itertools.pairwise(path))


def _brute_force(stops: list[Stop], volunteers: int, max_stops: int) -> int:
    """The shortest total over every order of the stops cut into `volunteers` pieces."""
    ids = [stop.id for stop in stops]
    best = math.inf
    for order in itertools.permutations(ids):
        for cuts in itertools.combinations_with_replacement(range(len(ids) + 1), volunteers - 1):
            bounds = [0, *cuts, len(ids)]
            routes = [list(order[a:b]) for a, b in itertools.pairwise(bounds)]
            if all(len(route) <= max_stops for route in routes):
                best = min(best, sum(_open_length(stops, route) for route in routes))
    return int(best)


def _assert_valid(plan, stops: list[Stop], volunteers: int) -> None:
    assert len(plan.routes) == volunteers
    assert sorted(i for route in plan.routes for i in route) == sorted(stop.id for stop in stops)
    assert plan.lengths_m == [_open_length(stops, route) for route in plan.routes]
    assert plan.total_m == sum(plan.lengths_m)


def test_it_visits_every_stop_exactly_once_and_keeps_their_ids():
    stops = _stops(20)
    plan = plan_routes(PICKUP, stops, 4, max_stops=6)
    _assert_valid(plan, stops, 4)
    assert plan.solver == "pyvrp"


def test_it_gives_no_volunteer_more_than_max_stops():
    plan = plan_routes(PICKUP, _stops(20), 4, max_stops=5)
    assert [len(route) for route in plan.routes] == [5, 5, 5, 5]


def test_it_keeps_every_route_within_max_minutes():
    stops = _stops(12, seed=1, km=1.0)
    free = plan_routes(PICKUP, stops, 3)
    limit = 70.0
    assert max(free.minutes) > limit  # without a limit one volunteer would do too much
    plan = plan_routes(PICKUP, stops, 3, max_minutes=limit)
    _assert_valid(plan, stops, 3)
    assert max(plan.minutes) <= limit
    for route, length, minutes in zip(plan.routes, plan.lengths_m, plan.minutes, strict=True):
        assert minutes == pytest.approx(length / 75.0 + 4.0 * len(route))


def test_routes_are_open_so_the_way_back_costs_nothing():
    # Two stops due north, one beyond the other: out and on, never back.
    near = Stop(1, LatLon(PICKUP.lat + 0.01, PICKUP.lon))
    far = Stop(2, LatLon(PICKUP.lat + 0.02, PICKUP.lon))
    plan = plan_routes(PICKUP, [far, near], 2)
    assert [route for route in plan.routes if route] == [[1, 2]]
    assert plan.total_m == street_metres(PICKUP, near.place) + street_metres(near.place, far.place)
    assert plan.lengths_m[0] <= street_metres(PICKUP, far.place) + 1  # whole metres per leg


def test_it_says_how_many_volunteers_a_stop_limit_needs():
    with pytest.raises(RoutingError, match=r"^20 stops need at least 4 volunteers at 5 stops each\.$"):
        plan_routes(PICKUP, _stops(20), 2, max_stops=5)


def test_it_names_a_stop_too_far_for_the_minute_limit():
    stops = [*_stops(3), Stop(99, LatLon(PICKUP.lat + 0.05, PICKUP.lon))]  # about 7 km north
    with pytest.raises(RoutingError, match=r"^Stop 99 takes \d+ minutes on its own, more than the 60"):
        plan_routes(PICKUP, stops, 2, max_minutes=60)


def test_it_says_how_many_volunteers_a_minute_limit_needs():
    # 20 handovers of 4 minutes are 80 minutes before anyone walks a step.
    with pytest.raises(RoutingError, match=r"^20 stops need at least \d+ volunteers at 30 minutes each\."):
        plan_routes(PICKUP, _stops(20, km=0.5), 2, max_minutes=30)


def test_it_says_so_when_the_solver_finds_nothing_within_the_limits():
    # Pairs of neighbours 1 km north, east and south: a pair takes 25 minutes, two pairs over 60.
    # The quick checks pass (each stop fits alone; a neighbour is 0 m away), but 2 volunteers
    # cannot share 3 pairs within 40 minutes each.
    pairs = [LatLon(PICKUP.lat + 0.009, PICKUP.lon), LatLon(PICKUP.lat, PICKUP.lon + 0.0145),
             LatLon(PICKUP.lat - 0.009, PICKUP.lon)]
    stops = [Stop(10 * i + j, place) for i, place in enumerate(pairs) for j in range(2)]
    with pytest.raises(RoutingError, match=r"^Could not find routes for 6 stops with 2 volunteers at "
                                           r"most 40 minutes each; add a volunteer or loosen"):
        plan_routes(PICKUP, stops, 2, max_minutes=40, seconds=0.3)
    assert max(plan_routes(PICKUP, stops, 3, max_minutes=40).minutes) <= 40


def test_it_refuses_a_run_without_volunteers_and_duplicate_ids():
    with pytest.raises(RoutingError, match="at least one volunteer"):
        plan_routes(PICKUP, _stops(3), 0)
    with pytest.raises(ValueError, match="unique"):
        plan_routes(PICKUP, [Stop(1, PICKUP), Stop(1, PICKUP)], 2)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_small_runs_are_optimal(seed):
    stops = _stops(6, seed=seed)
    best = _brute_force(stops, volunteers=2, max_stops=4)
    assert plan_routes(PICKUP, stops, 2, max_stops=4).total_m == best
    assert reference_plan(PICKUP, stops, 2, max_stops=4, seconds=0.3).total_m == best


def test_one_volunteer_gets_the_best_order_without_a_solver():
    stops = _stops(7, seed=4)
    plan = plan_routes(PICKUP, stops, 1)
    assert plan.solver == "exact"
    assert plan.total_m == _brute_force(stops, volunteers=1, max_stops=7)


def test_the_same_seed_gives_the_same_plan():
    stops = _stops(30, seed=5)
    first = plan_routes(PICKUP, stops, 4, max_stops=9, seconds=30)
    second = plan_routes(PICKUP, stops, 4, max_stops=9, seconds=30)
    assert first.routes == second.routes


def test_stops_at_the_same_place_are_all_visited():
    stops = _stops(5, seed=6)
    twins = [Stop(900 + i, stops[0].place) for i in range(3)] + [Stop(950, PICKUP)]
    everyone = stops + twins
    plan = plan_routes(PICKUP, everyone, 2, max_stops=5)
    _assert_valid(plan, everyone, 2)
    route = next(route for route in plan.routes if 900 in route)
    assert {900, 901, 902} <= set(route)  # the neighbours go together: a detour costs metres


def test_no_stops_makes_empty_routes():
    for planner in (plan_routes, reference_plan):
        plan = planner(PICKUP, [], 3)
        assert plan.routes == [[], [], []]
        assert plan.total_m == 0


def test_one_stop_needs_no_solver():
    stop = _stops(1)[0]
    plan = plan_routes(PICKUP, [stop], 3)
    assert plan.routes == [[stop.id], [], []]
    assert plan.solver == "trivial"
    assert plan.minutes[0] == pytest.approx(street_metres(PICKUP, stop.place) / 75.0 + 4.0)


def test_street_metres_allow_for_detours():
    there = LatLon(PICKUP.lat + 0.01, PICKUP.lon)
    assert street_metres(PICKUP, there) == round(haversine_m(PICKUP, there) * DETOUR_FACTOR)
    assert street_metres(PICKUP, PICKUP) == 0


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(min_value=0, max_value=8),
    volunteers=st.integers(min_value=1, max_value=3),
    seed=st.integers(min_value=0, max_value=1000),
    slack=st.integers(min_value=0, max_value=2),
)
def test_any_small_run_visits_everyone_within_the_stop_limit(n, volunteers, seed, slack):
    stops = _stops(n, seed=seed)
    max_stops = max(1, math.ceil(n / volunteers)) + slack
    plan = plan_routes(PICKUP, stops, volunteers, max_stops=max_stops, seconds=2)
    _assert_valid(plan, stops, volunteers)
    assert all(len(route) <= max_stops for route in plan.routes)


def test_one_volunteer_too_slow_for_the_limit_is_told_so():
    stops = _stops(5, seed=7, km=1.0)
    needed = plan_routes(PICKUP, stops, 1).minutes[0]
    with pytest.raises(RoutingError, match=r"^Could not find routes for 5 stops with 1 volunteer at most"):
        plan_routes(PICKUP, stops, 1, max_minutes=needed - 1)
    assert plan_routes(PICKUP, stops, 1, max_minutes=needed + 0.01).minutes[0] <= needed + 0.01
