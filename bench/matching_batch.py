"""Benchmark for batch assignment: how long `assign_batch` takes, how close it is to the proved
optimum, and how fairly it spreads tasks compared with the seeds' nearest-volunteer habit.

`measure(quick)` returns a dict of figures and prints nothing. No Django. One seeded synthetic
London-ish instance (10,000 requests and 100,000 volunteers; 2,000 and 20,000 in quick mode):
people over a disc of 15 km around Camden (51.55, -0.15), two thirds in neighbourhood clusters,
services in the seeds' mix (mostly shopping, then prescriptions), radius 1-5 km, caps 1-5 a week.

- batch_seconds: wall time of `assign_batch` with its defaults, everything included (columns,
  candidate search, flow, reasons); the median of three runs (one in quick mode).
- batch_cost_ratio: its total metres over the optimum's. The optimum is not a bound but the
  exact figure over every feasible pair within reach (`batch.optimum`: it solves on the nearest
  volunteers, then prices every other feasible pair with the solution's potentials until no pair
  could improve it). The optimum minimises distance alone; assign_batch adds a small fairness
  cost, so the ratio shows what fairness costs plus anything the nearest-`neighbours` cut loses.
- heuristic_cost_ratio: the same for the heuristic `assign_batch` runs above `exact_limit`.
- greedy_gini, kith_gini: Gini of tasks per volunteer over every placed volunteer who offers a
  service asked for (idle ones included, so both are high: most people get nothing in one
  batch: `gini_floor` is the most even spread of the same tasks). greedy is `nearest_only`; kith
  is `assign_batch`. `*_busy_gini` is the same over those given at least one task, and
  `greedy_over_cap`/`greedy_refused` count the volunteers pushed past their weekly limit and the
  pairs core.refusal would refuse: the greedy spreads widely partly by ignoring who may help.
"""

from __future__ import annotations

import math
import random
import statistics
from collections import Counter
from typing import Any

from kith.matching import batch
from kith.matching.core import Need, Volunteer, distance_km, refusal
from kith.places.geo import EARTH_RADIUS_M, LatLon

SEED = 20240601
CENTRE = LatLon(51.55, -0.15)  # Camden
RADIUS_M = 15_000
FULL = (10_000, 100_000)
QUICK = (2_000, 20_000)
TARGETS = {"batch_seconds": 5.0, "batch_cost_ratio": 1.01}

# Requests: what people ask for (seed 003: 94% of groups do food; prescriptions next).
NEED_MIX = {"shopping": 40, "prescriptions": 22, "befriending": 8, "dog_walking": 5, "foodbank": 6,
            "hot_meals": 4, "errands": 6, "posting": 3, "lifts": 3, "advice": 1, "interpreting": 1,
            "phone_admin": 1}
# Volunteers: the chance each offers a service.
OFFER = {"shopping": 0.85, "prescriptions": 0.5, "befriending": 0.3, "dog_walking": 0.25,
         "foodbank": 0.2, "hot_meals": 0.15, "errands": 0.4, "posting": 0.4, "lifts": 0.1,
         "advice": 0.05, "interpreting": 0.03, "phone_admin": 0.1}
SLOTS = [f"{d}_{p}" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun") for p in ("am", "pm", "eve")]
LANGUAGES = ["bengali", "polish", "somali", "arabic", "portuguese", "turkish"]


def _scatter(rng: random.Random, clusters: list[tuple[float, float, float]]) -> LatLon:
    """A point: two in three in a neighbourhood cluster, else anywhere in the disc."""
    if rng.random() < 2 / 3:
        x0, y0, spread = rng.choice(clusters)
        x, y = rng.gauss(x0, spread), rng.gauss(y0, spread)
    else:
        r, a = RADIUS_M * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
        x, y = r * math.cos(a), r * math.sin(a)
    per_degree = math.radians(1) * EARTH_RADIUS_M
    return LatLon(CENTRE.lat + y / per_degree,
                  CENTRE.lon + x / (per_degree * math.cos(math.radians(CENTRE.lat))))


def instance(n_needs: int, n_vols: int, seed: int = SEED) -> tuple[list[Need], list[Volunteer]]:
    """The seeded synthetic city."""
    rng = random.Random(seed)
    clusters = []
    for _ in range(40):
        r, a = RADIUS_M * 0.9 * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
        clusters.append((r * math.cos(a), r * math.sin(a), rng.uniform(300, 1500)))
    services = list(OFFER)
    vols = []
    for i in range(n_vols):
        offers = frozenset(s for s in services if rng.random() < OFFER[s]) or frozenset({"shopping"})
        # Prescriptions need ID, references and DBS: most who offer have them, not all.
        cleared = frozenset(s for s in offers if s != "prescriptions" or rng.random() < 0.7)
        cap = rng.randint(1, 5)
        vols.append(Volunteer(
            id=i + 1, name=f"V{i + 1}", home=None if rng.random() < 0.01 else _scatter(rng, clusters),
            services=offers, radius_km=rng.uniform(1, 5), weekly_cap=cap,
            tasks_this_week=min(cap, rng.choice([0, 0, 0, 1, 1, 2])), tasks_30_days=rng.randint(0, 15),
            days_since_last_task=None if rng.random() < 0.2 else rng.uniform(0, 60),
            slots=frozenset(rng.sample(SLOTS, rng.randint(3, 10))), on_duty=rng.random() < 0.1,
            paused=rng.random() < 0.05, cleared=cleared,
            languages=frozenset(rng.sample(LANGUAGES, 1)) if rng.random() < 0.15 else frozenset(),
            declined_recently=rng.choice([0, 0, 0, 1, 2])))
    kinds, weights = list(NEED_MIX), list(NEED_MIX.values())
    needs = []
    for i in range(n_needs):
        language = rng.choice(LANGUAGES) if rng.random() < 0.05 else ""
        needs.append(Need(
            id=i + 1, service=rng.choices(kinds, weights)[0], place=_scatter(rng, clusters),
            resident_id=i + 1, max_km=None if rng.random() < 0.8 else rng.uniform(1, 3),
            slots=frozenset() if rng.random() < 0.4 else frozenset(rng.sample(SLOTS, rng.randint(2, 6))),
            language=language, language_required=bool(language) and rng.random() < 0.5))
    return needs, vols


def _km(pairs: dict[int, int], needs: dict[int, Need], vols: dict[int, Volunteer]) -> float:
    return sum(distance_km(vols[v].home, needs[n].place) or 0.0 for n, v in pairs.items())


def _even(tasks: int, people: int) -> list[int]:
    """The most even spread of `tasks` over `people`: what the lowest Gini can be."""
    each, extra = divmod(tasks, people) if people else (0, 0)
    return [each + 1] * extra + [each] * (people - extra)


def measure(quick: bool = False, *, size: tuple[int, int] | None = None,
            seed: int = SEED) -> dict[str, Any]:
    """Time, quality and fairness of assign_batch. `size` (needs, volunteers) overrides the
    default sizes, for tests."""
    n_needs, n_vols = size or (QUICK if quick else FULL)
    needs, vols = instance(n_needs, n_vols, seed)
    by_need = {n.id: n for n in needs}
    by_vol = {v.id: v for v in vols}

    runs = [batch.assign_batch(needs, vols) for _ in range(1 if quick or size else 3)]
    ours = runs[0]
    best = batch.optimum(needs, vols)
    plain = batch.assign_batch(needs, vols, fairness=0)
    rough = batch.assign_batch(needs, vols, exact_limit=0)
    greedy = batch.nearest_only(needs, vols)

    wanted = {n.service for n in needs}
    pool = [v.id for v in vols if v.home is not None and v.services & wanted]
    greedy_load = Counter(greedy.values())
    kith_load = Counter(ours.pairs.values())

    def ratio(total_m: int) -> float:
        return round(total_m / best.total_m, 5) if best.total_m else 1.0

    return {
        "quick": quick,
        "targets": TARGETS,
        "batch_seconds": round(statistics.median(r.seconds for r in runs), 3),
        "batch_cost_ratio": ratio(ours.total_m),
        "greedy_gini": round(batch.gini([greedy_load[v] for v in pool]), 4),
        "kith_gini": round(batch.gini([kith_load[v] for v in pool]), 4),
        "batch_needs": n_needs,
        "batch_volunteers": n_vols,
        "batch_assigned": len(ours.pairs),
        "batch_method": ours.method,
        "batch_arcs": ours.arcs,
        "batch_seconds_runs": [round(r.seconds, 3) for r in runs],
        "batch_total_km": round(ours.total_m / 1000, 1),
        "batch_optimum_km": round(best.total_m / 1000, 1),
        "batch_optimum_assigned": best.assigned,
        "batch_optimum_rounds": best.rounds,
        "batch_optimum_priced_pairs": best.priced,
        "batch_bound": "exact optimum over every feasible pair (priced until no reduced cost < 0)",
        "batch_distance_only_ratio": ratio(plain.total_m),
        "batch_distance_only_seconds": round(plain.seconds, 3),
        "heuristic_seconds": round(rough.seconds, 3),
        "heuristic_cost_ratio": ratio(rough.total_m),
        "heuristic_assigned": len(rough.pairs),
        "greedy_assigned": len(greedy),
        "greedy_over_cap": sum(1 for v, n in greedy_load.items()
                               if n > by_vol[v].weekly_cap - by_vol[v].tasks_this_week),
        "greedy_refused": sum(1 for n, v in greedy.items() if refusal(
            by_vol[v], by_need[n], distance_km(by_vol[v].home, by_need[n].place))),
        "greedy_max_tasks": max(greedy_load.values(), default=0),
        "kith_max_tasks": max(kith_load.values(), default=0),
        "greedy_total_km": round(_km(greedy, by_need, by_vol), 1),
        "kith_total_km": round(ours.total_m / 1000, 1),
        "gini_pool": len(pool),
        "gini_floor": round(batch.gini(_even(len(ours.pairs), len(pool))), 4),
        "greedy_busy_gini": round(batch.gini(list(greedy_load.values())), 4),
        "kith_busy_gini": round(batch.gini(list(kith_load.values())), 4),
    }
