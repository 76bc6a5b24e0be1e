"""The exact assignment solver inside batch (successive shortest paths in plain Python) against
brute force: as many rows placed as possible, then the least cost, capacities and step costs
kept; and from either side of the batch (needs scarce, or volunteers' tasks scarce)."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kith.matching import batch
from kith.matching.batch import assign_batch
from kith.matching.core import Weights
from tests.conftest import examples

from .test_batch import _brute_force, _check_valid, _instance


@st.composite
def _problems(draw):
    rows = draw(st.integers(1, 5))
    cols = draw(st.integers(1, 4))
    pairs = draw(st.sets(st.tuples(st.integers(0, rows - 1), st.integers(0, cols - 1)), max_size=rows * cols))
    arcs = sorted(pairs)
    costs = [draw(st.integers(0, 60)) for _ in arcs]
    # A column's steps are the costs of its successive units (sorted, as batch gives them);
    # negative ones too, since a caller may weigh load negatively.
    steps = [sorted(draw(st.lists(st.integers(-5, 20), max_size=3))) for _ in range(cols)]
    return rows, arcs, costs, steps


def _best(rows, arcs, costs, steps) -> tuple[int, int]:
    """(rows left unplaced, total cost) of the best assignment, by trying every one."""
    options = [[None] + [p for p, (r, _) in enumerate(arcs) if r == i] for i in range(rows)]
    best = None
    for choice in itertools.product(*options):
        load = Counter(arcs[p][1] for p in choice if p is not None)
        if any(n > len(steps[c]) for c, n in load.items()):
            continue
        cost = (sum(costs[p] for p in choice if p is not None)
                + sum(sum(steps[c][:n]) for c, n in load.items()))
        key = (sum(p is None for p in choice), cost)
        best = key if best is None else min(best, key)
    assert best is not None
    return best


@settings(max_examples=examples(300), deadline=None)
@given(_problems(), st.booleans())
def test_the_solver_finds_the_brute_force_optimum(problem, from_the_volunteers):
    rows, arcs, costs, steps = problem
    row = np.array([r for r, _ in arcs], np.int64)
    col = np.array([c for _, c in arcs], np.int64)
    cost = np.array(costs, np.int64)
    if from_the_volunteers:  # the same problem searched from the columns' side
        chosen = batch._Supply(rows, col, row, cost, steps, budget=np.inf).solve()
    else:
        chosen = batch._Assignment(rows, row, col, cost, steps, budget=np.inf).solve()
    assert chosen is not None
    picked = np.flatnonzero(chosen).tolist()
    assert len({arcs[p][0] for p in picked}) == len(picked)  # a row on one arc at most
    load = Counter(arcs[p][1] for p in picked)
    assert all(n <= len(steps[c]) for c, n in load.items())
    cost_ = sum(costs[p] for p in picked) + sum(sum(steps[c][:n]) for c, n in load.items())
    assert (rows - len(picked), cost_) == _best(rows, arcs, costs, steps)


def test_scarce_volunteers_are_solved_from_their_side_and_exactly(monkeypatch):
    rows_seen: list[int] = []
    real = batch._Supply.__init__

    def spy(self, n_needs, *args):
        rows_seen.append(n_needs)
        real(self, n_needs, *args)

    monkeypatch.setattr(batch._Supply, "__init__", spy)
    from_their_side = 0
    for seed in range(25):
        rows_seen.clear()
        needs, vols = _instance(200 + seed, n_needs=7, n_vols=3, km=1.0)
        count, metres = _brute_force(needs, vols)
        result = assign_batch(needs, vols, fairness=0)
        _check_valid(result, needs, vols)
        assert result.method == "exact"
        assert (len(result.pairs), result.total_m) == (count, metres)
        from_their_side += bool(rows_seen)
    assert from_their_side >= 10


def test_a_batch_too_crowded_for_the_work_limit_gets_the_heuristic(monkeypatch):
    needs, vols = _instance(7, n_needs=60, n_vols=40, km=1.5)
    monkeypatch.setattr(batch, "WORK_LIMIT", 5)
    result = assign_batch(needs, vols)
    assert result.method == "heuristic"
    _check_valid(result, needs, vols)


def _ortools_cost(f, arcs, w, fairness) -> tuple[int, int]:
    """(needs assigned, cost) by OR-Tools' min-cost flow on the same network, as batch solved it
    before: the yardstick, where the `bench` extra is installed."""
    min_cost_flow = pytest.importorskip("ortools.graph.python.min_cost_flow")
    n_needs = len(f.needs)
    used, vol_node = np.unique(arcs.v, return_inverse=True)
    caps = np.minimum(f.remaining[used], np.bincount(vol_node, minlength=used.size)).astype(np.int64)
    owner, steps = batch._step_costs(f, used, caps, w, fairness)
    step_caps = np.ones(owner.size, np.int64) if fairness else caps
    vnode = 2 + n_needs + np.arange(used.size)
    tails = np.concatenate([2 + arcs.n, np.zeros(n_needs, np.int64), vnode[owner]])
    heads = np.concatenate([vnode[vol_node], 2 + np.arange(n_needs), np.ones(owner.size, np.int64)])
    capacity = np.concatenate([np.ones(arcs.n.size + n_needs, np.int64), step_caps])
    cost = np.concatenate([arcs.cost, np.zeros(n_needs, np.int64), steps])
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32), capacity, cost)
    supplies = np.zeros(2 + n_needs + used.size, np.int64)
    supplies[0], supplies[1] = n_needs, -n_needs
    mcf.set_nodes_supplies(np.arange(supplies.size, dtype=np.int32), supplies)
    assert mcf.solve_max_flow_with_min_cost() == mcf.OPTIMAL
    return int(mcf.flows(np.arange(arcs.n.size, dtype=np.int32)).sum()), int(mcf.optimal_cost())


def _our_cost(f, arcs, w, fairness, chosen) -> tuple[int, int]:
    used, vol_node = np.unique(arcs.v, return_inverse=True)
    caps = np.minimum(f.remaining[used], np.bincount(vol_node, minlength=used.size))
    owner, steps = batch._step_costs(f, used, caps, w, fairness)
    load = np.bincount(vol_node[chosen], minlength=used.size)
    total = int(arcs.cost[chosen].sum())
    if fairness:  # each volunteer's first `load` steps (they rise)
        nth = np.arange(owner.size) - np.repeat(np.cumsum(caps) - caps, caps)
        total += int(steps[nth < load[owner]].sum())
    return int(chosen.sum()), total


@pytest.mark.parametrize(("seed", "n_needs", "n_vols"), [(1, 120, 1500), (2, 400, 300), (3, 400, 120),
                                                         (4, 250, 250), (5, 60, 40)])
@pytest.mark.parametrize("fairness", [batch.FAIRNESS, 0.0])
def test_it_reaches_the_same_optimum_as_ortools(seed, n_needs, n_vols, fairness):
    needs, vols = _instance(300 + seed, n_needs=n_needs, n_vols=n_vols, km=1.5)
    f = batch._Facts(needs, vols)
    rows = np.arange(len(f.needs))
    w = Weights()
    for k in (20, 2):
        found = batch._search(f, rows, k=k, limit_m=batch._reach_m(f, rows), strict=True)
        arcs = batch._Arcs.build(f, *found, w, fairness)
        chosen = batch._solve_exact(f, arcs, w, fairness)
        assert chosen is not None
        assert _our_cost(f, arcs, w, fairness, chosen) == _ortools_cost(f, arcs, w, fairness)
