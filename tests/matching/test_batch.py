"""Batch assignment: the grid finds exactly who core.refusal would allow, the flow is optimal,
caps and filters hold, and every request left over says why."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from dataclasses import replace

import pytest

from kith.matching import batch
from kith.matching.batch import assign_batch, candidates, gini, nearest_only, optimum
from kith.matching.core import Need, Volunteer, distance_km, rank, refusal
from kith.places.geo import LatLon

CENTRE = LatLon(51.55, -0.15)
SERVICES = ["shopping", "prescriptions", "dog_walking"]
SLOTS = [f"{d}_{p}" for d in ("mon", "tue", "wed") for p in ("am", "pm")]
LANGS = ["bengali", "polish", "somali"]


def _near(rng: random.Random, km: float) -> LatLon:
    return LatLon(CENTRE.lat + rng.uniform(-km, km) / 111.2, CENTRE.lon + rng.uniform(-km, km) / 69.3)


def _pick(rng: random.Random, items: list[str], p: float) -> frozenset[str]:
    return frozenset(x for x in items if rng.random() < p)


def _instance(seed: int, n_needs: int, n_vols: int, km: float = 3.0) -> tuple[list[Need], list[Volunteer]]:
    """Random but awkward: unplaced, paused, capped and uncleared volunteers, picky requests."""
    rng = random.Random(seed)
    vols = []
    for i in range(n_vols):
        services = _pick(rng, SERVICES, 0.6)
        vols.append(Volunteer(
            id=1000 + i, name=f"V{i}", home=None if rng.random() < 0.08 else _near(rng, km),
            services=services, radius_km=rng.uniform(0.3, 3.0), weekly_cap=rng.randint(0, 3),
            tasks_this_week=rng.choice([0, 0, 1, 2]), tasks_30_days=rng.randint(0, 12),
            days_since_last_task=rng.choice([None, 1.0, 20.0]),
            slots=_pick(rng, SLOTS, 0.4), on_duty=rng.random() < 0.2, paused=rng.random() < 0.1,
            cleared=frozenset(s for s in services if rng.random() < 0.85),
            languages=_pick(rng, LANGS, 0.3),
            helped={7: 2} if rng.random() < 0.1 else {}, declined_recently=rng.randint(0, 2)))
    needs = []
    for i in range(n_needs):
        language = rng.choice(["", "", *LANGS])
        needs.append(Need(
            id=i + 1, service=rng.choice(SERVICES), place=_near(rng, km), resident_id=rng.choice([7, 8, 9]),
            max_km=rng.choice([None, None, 1.0, 2.5]), slots=_pick(rng, SLOTS, 0.3),
            language=language, language_required=bool(language) and rng.random() < 0.5))
    return needs, vols


def _metres(v: Volunteer, need: Need) -> int:
    d = distance_km(v.home, need.place)
    assert d is not None
    return round(d * 1000)


def _allowed(need: Need, vols: list[Volunteer]) -> list[Volunteer]:
    return [v for v in vols if refusal(v, need, distance_km(v.home, need.place)) == ""]


def _brute_force(needs: list[Need], vols: list[Volunteer]) -> tuple[int, int]:
    """(most needs assigned, least metres then) over every assignment."""
    options = [[None, *_allowed(n, vols)] for n in needs]
    best = (0, 0)
    for choice in itertools.product(*options):
        load = Counter(v.id for v in choice if v is not None)
        if any(load[v.id] > v.weekly_cap - v.tasks_this_week for v in vols if load[v.id]):
            continue
        key = (sum(1 for v in choice if v is not None),
               -sum(_metres(v, n) for v, n in zip(choice, needs, strict=True) if v is not None))
        best = max(best, key)
    return best[0], -best[1]


def _check_valid(result: batch.BatchResult, needs: list[Need], vols: list[Volunteer]) -> None:
    by_id = {v.id: v for v in vols}
    assert set(result.pairs) | set(result.unassigned) == {n.id for n in needs}
    assert not set(result.pairs) & set(result.unassigned)
    load = Counter(result.pairs.values())
    for vid, n in load.items():
        assert n <= by_id[vid].weekly_cap - by_id[vid].tasks_this_week
    total = 0
    for need in needs:
        if need.id in result.pairs:
            v = by_id[result.pairs[need.id]]
            assert refusal(v, need, distance_km(v.home, need.place)) == ""
            total += _metres(v, need)
        else:
            assert result.unassigned[need.id]
    assert result.total_m == total


@pytest.mark.parametrize("seed", range(30))
def test_it_finds_exactly_whom_core_allows(seed):
    needs, vols = _instance(seed, n_needs=25, n_vols=150 + seed * 10, km=2.0 + seed / 5)
    for k in (1, 4, None):
        found = candidates(needs, vols, neighbours=k)
        for need, got in zip(needs, found, strict=True):
            allowed = sorted(_allowed(need, vols), key=lambda v: (distance_km(v.home, need.place), v.id))
            expected = [v.id for v in allowed][:k]
            assert [vid for vid, _ in got] == expected
            for (_, d), v in zip(got, allowed, strict=False):
                assert d == pytest.approx(distance_km(v.home, need.place), abs=1e-9)


def test_it_counts_a_volunteer_exactly_at_the_limit_as_within_reach():
    need = Need(id=1, service="shopping", place=CENTRE, resident_id=1, max_km=None)
    home = LatLon(CENTRE.lat + 0.01, CENTRE.lon + 0.013)
    d = distance_km(home, CENTRE)
    assert d is not None
    edge = Volunteer(id=5, name="E", home=home, services=frozenset({"shopping"}), radius_km=d, weekly_cap=1,
                     cleared=frozenset({"shopping"}), on_duty=True)
    beyond = replace(edge, id=6, radius_km=d * (1 - 1e-15))
    assert refusal(beyond, need, d) == "far" and refusal(edge, need, d) == ""
    assert candidates([need], [edge, beyond], None) == [[(5, d)]]
    capped_need = replace(need, max_km=d)
    assert [vid for vid, _ in candidates([capped_need], [edge], None)[0]] == [5]


def test_it_handles_more_slots_than_fit_in_one_word():
    slots = [f"slot{i}" for i in range(150)]
    rng = random.Random(3)
    needs, vols = _instance(3, n_needs=20, n_vols=120)
    vols = [replace(v, slots=frozenset(rng.sample(slots, 3)), on_duty=False) for v in vols]
    needs = [replace(n, slots=frozenset(rng.sample(slots, 40))) for n in needs]
    found = candidates(needs, vols, neighbours=None)
    for need, got in zip(needs, found, strict=True):
        assert {vid for vid, _ in got} == {v.id for v in _allowed(need, vols)}


@pytest.mark.parametrize("seed", range(25))
def test_the_exact_assignment_is_the_brute_force_optimum(seed):
    needs, vols = _instance(seed, n_needs=5, n_vols=6, km=1.0)
    count, metres = _brute_force(needs, vols)
    result = assign_batch(needs, vols, fairness=0)
    _check_valid(result, needs, vols)
    assert result.method == "exact"
    assert (len(result.pairs), result.total_m) == (count, metres)
    proved = optimum(needs, vols, neighbours=1)
    assert (proved.assigned, proved.total_m) == (count, metres)


@pytest.mark.parametrize("seed", range(12))
def test_pricing_proves_the_optimum_from_a_single_neighbour(seed):
    # Tight capacity: a need's nearest is often taken, so the optimum needs pairs beyond it.
    needs, vols = _instance(100 + seed, n_needs=60, n_vols=40, km=1.5)
    everything = assign_batch(needs, vols, fairness=0, neighbours=len(vols))
    proved = optimum(needs, vols, neighbours=1)
    assert (proved.assigned, proved.total_m) == (len(everything.pairs), everything.total_m)


@pytest.mark.parametrize("seed", range(15))
@pytest.mark.parametrize("exact_limit", [batch.EXACT_LIMIT, 0])
def test_caps_and_filters_hold_for_the_flow_and_the_heuristic(seed, exact_limit):
    needs, vols = _instance(200 + seed, n_needs=80, n_vols=70, km=2.0)
    result = assign_batch(needs, vols, exact_limit=exact_limit, neighbours=3)
    assert result.method == ("exact" if exact_limit else "heuristic")
    _check_valid(result, needs, vols)


@pytest.mark.parametrize("seed", range(10))
def test_the_heuristic_never_beats_the_flow(seed):
    needs, vols = _instance(300 + seed, n_needs=60, n_vols=200, km=2.0)
    exact = assign_batch(needs, vols, fairness=0)
    rough = assign_batch(needs, vols, fairness=0, exact_limit=0)
    assert len(rough.pairs) <= len(exact.pairs)
    if len(rough.pairs) == len(exact.pairs):
        assert exact.total_m <= rough.total_m


def test_a_request_nobody_can_take_says_what_core_says():
    needs, vols = _instance(7, n_needs=40, n_vols=30, km=3.0)
    result = assign_batch(needs, vols)
    nobody = [n for n in needs if not _allowed(n, vols)]
    assert nobody
    for need in nobody:
        assert result.unassigned[need.id] == rank(need, vols).why_nobody()
    need = next(n for n in nobody if n.service in result.unassigned[n.id])
    labelled = assign_batch([need], vols, service_labels={need.service: "Odd jobs"})
    assert labelled.unassigned[need.id] == result.unassigned[need.id].replace(need.service, "Odd jobs")


def test_a_request_crowded_out_says_everyone_is_full():
    volunteer = Volunteer(id=9, name="V", home=CENTRE, services=frozenset({"shopping"}), radius_km=2,
                          weekly_cap=1, cleared=frozenset({"shopping"}), on_duty=True)
    near = Need(id=1, service="shopping", place=CENTRE, resident_id=1)
    far = Need(id=2, service="shopping", place=LatLon(CENTRE.lat + 0.005, CENTRE.lon), resident_id=2)
    result = assign_batch([far, near], [volunteer])
    assert result.pairs == {1: 9}
    assert result.unassigned == {
        2: "Nobody left to take this: the 1 volunteer who could has done their most tasks this week, "
           "counting this batch."}


def test_it_copes_with_nothing():
    assert assign_batch([], []).pairs == {}
    need = Need(id=1, service="shopping", place=CENTRE, resident_id=1)
    assert assign_batch([need], []).unassigned == {1: "No volunteers in this group yet."}
    assert nearest_only([need], []) == {}


@pytest.mark.parametrize("seed", range(10))
def test_nearest_only_is_the_nearest_who_offers_it_whatever_else(seed):
    needs, vols = _instance(400 + seed, n_needs=30, n_vols=100, km=4.0)
    got = nearest_only(needs, vols)
    for need in needs:
        offering = [v for v in vols if need.service in v.services and v.home is not None]
        if not offering:
            assert need.id not in got
            continue
        best = min(offering, key=lambda v: (distance_km(v.home, need.place), v.id))
        assert got[need.id] == best.id


def test_gini_known_values():
    assert gini([3, 3, 3, 3]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 5]) == pytest.approx(3 / 4)
    assert gini([0] * 9 + [1]) == pytest.approx(9 / 10)
    assert gini([]) == 0.0
    assert gini([0, 0]) == 0.0
    assert gini([1, 3]) == pytest.approx(0.25)  # mean |xi - xj| / (2 mean) = (2 * 2 / 4) / (2 * 2)
