"""The matching benchmarks as one suite: ranking one request, a batch, delivery routes.

`kith bench matching [--quick] [--json]`, or `python -m bench.matching [--quick] [--json]` from
the repository root. Benchmark code lives here in bench/, outside the installed package, so the
runtime carries none of it (nor OR-Tools, the routes part's yardstick: the `bench` extra).

`run(quick)` merges `matching_rank.measure`, `matching_batch.measure` and
`matching_routes.measure` into one dict and prints nothing; `format_report` makes a table of it.
Ranking goes through the real database, so Django must be set up first (`kith bench matching`
and `main` here do it); batch and routes are pure. Each part is imported only when it runs: one
that is missing or fails leaves `<part>_error` in the figures, and the others still run. The ten
headline keys are always present (None where their part failed), so the JSON keeps its shape.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import time
import traceback
from typing import Any

PARTS = {
    "rank": ("bench.matching_rank", ["rank_p95_ms", "scan_p95_ms"]),
    "batch": ("bench.matching_batch", ["batch_seconds", "batch_cost_ratio", "greedy_gini", "kith_gini"]),
    "routes": ("bench.matching_routes",
               ["route20_seconds", "route20_ratio", "route200_seconds", "route200_ratio"]),
}
KEYS = [key for _, keys in PARTS.values() for key in keys]

# Upper limits; a part's own TARGETS win. scan_p95_ms is the baseline, and the two Gini
# coefficients are compared with each other and with the most even spread possible, not held to
# a number: counted over every volunteer, idle ones included, both sit near that floor.
TARGETS: dict[str, float] = {
    "rank_p95_ms": 10.0,
    "batch_seconds": 5.0, "batch_cost_ratio": 1.01,
    "route20_seconds": 1.0, "route20_ratio": 1.01, "route200_seconds": 10.0, "route200_ratio": 1.02,
}
UNITS = {"ms": " ms", "seconds": " s"}


def run(quick: bool = False) -> dict[str, Any]:
    """Every part's figures in one dict, plus `targets`, `within_targets` and `seconds`."""
    results: dict[str, Any] = {"quick": quick}
    targets = dict(TARGETS)
    for name, (module_name, _) in PARTS.items():
        start = time.perf_counter()
        try:
            module = importlib.import_module(module_name)
            figures = module.measure(quick)
        except Exception as error:  # one broken part must not hide the others
            results[f"{name}_error"] = "".join(traceback.format_exception_only(error)).strip()
            continue
        finally:
            results[f"{name}_seconds_taken"] = round(time.perf_counter() - start, 1)
        targets.update(getattr(module, "TARGETS", {}))
        results.update({k: v for k, v in figures.items() if k not in ("quick", "targets")})
    for key in KEYS:
        results.setdefault(key, None)
    results["targets"] = {k: v for k, v in targets.items() if k in KEYS}
    results["within_targets"] = _within(results, results["targets"])
    return results


def _within(results: dict[str, Any], targets: dict[str, float]) -> dict[str, bool | None]:
    verdict: dict[str, bool | None] = {}
    for key in KEYS:
        value = results.get(key)
        if key in targets:
            verdict[key] = None if value is None else value <= targets[key]
    return verdict


def format_report(results: dict[str, Any]) -> str:
    """The headline figures against their targets, then any part that failed."""
    targets = results.get("targets", TARGETS)
    ok = results.get("within_targets", {})
    mark = {True: "ok", False: "OVER", None: ""}
    lines = [f"matching benchmark{' (quick)' if results.get('quick') else ''}",
             f"  {'figure':<18}{'value':>12}   {'target':<16}"]
    for key in KEYS:
        value = results.get(key)
        unit = next((u for suffix, u in UNITS.items() if key.endswith(suffix)), "")
        shown = "—" if value is None else f"{value:g}{unit}"
        if key.endswith("_gini"):
            floor = results.get("gini_floor")
            target = "" if floor is None else f"(floor {floor:g})"
        elif key in targets:
            target = f"≤ {targets[key]:g}{unit}"
        else:
            target = "baseline" if key == "scan_p95_ms" else ""
        lines.append(f"  {key:<18}{shown:>12}   {target:<16}{mark[ok.get(key)]}")
    if results.get("batch_needs"):
        lines.append(
            f"  batch: {results['batch_needs']:,} requests, {results['batch_volunteers']:,} volunteers, "
            f"{results['batch_assigned']:,} assigned ({results['batch_method']}), "
            f"{results['kith_total_km']:,} km vs optimum {results['batch_optimum_km']:,} km; "
            f"heuristic x{results['heuristic_cost_ratio']} in {results['heuristic_seconds']} s")
        lines.append(
            f"  fairness: most tasks for one volunteer {results['kith_max_tasks']}, Gini among those "
            f"with any {results['kith_busy_gini']:g} (nearest-only {results['greedy_busy_gini']:g}, "
            f"most {results['greedy_max_tasks']}, "
            f"{results['greedy_total_km']:,} km, "
            f"{results['greedy_over_cap']} volunteers over their cap, "
            f"{results['greedy_refused']} pairs a hard filter refuses)")
    for name in PARTS:
        if f"{name}_error" in results:
            lines.append(f"  {name}: not measured: {results[f'{name}_error']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes; under a minute")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    import django

    # Ranking goes through the database: Kith's settings (it makes and drops its own scratch one).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kith.settings")
    django.setup()
    results = run(args.quick)
    print(json.dumps(results, indent=2) if args.json else format_report(results))


if __name__ == "__main__":
    main()
