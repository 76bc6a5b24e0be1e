"""The batch benchmark runs at a tiny size and reports every figure; the suite survives a
missing part. No timings are asserted: machines differ."""

from __future__ import annotations

from bench import matching as benchmark
from bench import matching_batch as bench_batch

BATCH_KEYS = {"batch_seconds", "batch_cost_ratio", "greedy_gini", "kith_gini", "batch_needs",
              "batch_volunteers", "batch_assigned", "greedy_max_tasks", "kith_max_tasks",
              "greedy_total_km", "kith_total_km", "batch_method"}


def test_it_measures_a_small_batch():
    results = bench_batch.measure(True, size=(150, 1500))
    assert results.keys() >= BATCH_KEYS
    assert (results["batch_needs"], results["batch_volunteers"]) == (150, 1500)
    assert results["batch_cost_ratio"] >= 1.0 - 1e-9
    assert results["batch_distance_only_ratio"] >= 1.0 - 1e-9
    assert results["heuristic_cost_ratio"] >= 1.0 - 1e-9 or \
        results["heuristic_assigned"] < results["batch_optimum_assigned"]
    assert 0 <= results["kith_gini"] <= 1 and 0 <= results["greedy_gini"] <= 1
    assert results["batch_assigned"] <= results["batch_needs"]


def test_the_suite_keeps_its_shape_when_a_part_is_missing(monkeypatch):
    monkeypatch.setitem(benchmark.PARTS, "rank", ("bench.no_such_bench",
                                                  benchmark.PARTS["rank"][1]))
    monkeypatch.setitem(benchmark.PARTS, "routes", ("bench.no_such_bench_either",
                                                    benchmark.PARTS["routes"][1]))
    monkeypatch.setattr(bench_batch, "FULL", (100, 1000))
    monkeypatch.setattr(bench_batch, "QUICK", (100, 1000))
    results = benchmark.run(quick=True)
    assert set(benchmark.KEYS) <= results.keys()
    assert results["rank_p95_ms"] is None and "ModuleNotFoundError" in results["rank_error"]
    assert "routes_error" in results
    assert results["batch_cost_ratio"] >= 1.0 - 1e-9
    report = benchmark.format_report(results)
    assert "batch_cost_ratio" in report and "rank: not measured" in report
