"""`kith bench places`: runs, and reports every figure with its baseline (timings not judged)."""

from __future__ import annotations

import inspect
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kith.places.benchmark import format_report
from kith.places.management.commands.bench import Command

FIGURES = ("lookup_us", "rss_mb", "hexbin_ms", "hexbin_kb", "baseline_us")


@pytest.fixture
def bench_settings(settings, places_var_dir, postcode_index):
    settings.VAR_DIR = places_var_dir
    settings.KITH_PLACES_CACHE = places_var_dir / "places"
    return settings


def test_kith_bench_places_quick_json_reports_every_figure(bench_settings):
    out = StringIO()
    call_command(Command(), "places", "--quick", "--json", stdout=out)
    results = json.loads(out.getvalue())
    for name in FIGURES:
        assert isinstance(results[name], int | float) and results[name] > 0, name
    assert results["quick"] is True
    assert results["postcodes"] > 2_500_000
    assert results["hexbin_points"] == 1_000_000
    assert results["hexbin_resolution"] == 7
    assert results["hexbin_exact_on_100k"] is True
    assert results["lookup_vs_baseline"] > 0 and results["hexbin_vs_baseline"] > 0
    assert set(results["within_targets"]) == {"lookup_us", "rss_mb", "hexbin_ms", "hexbin_kb"}
    assert "index_load_s" in results  # the session's index was reused, not rebuilt

    report = format_report(results)  # what `kith bench places` prints without --json
    for word in ("lookup", "memory", "hexbin", "GeoJSON", "baseline", "target"):
        assert word in report


def test_it_only_knows_the_places_suite(bench_settings):
    with pytest.raises(CommandError):
        call_command(Command(), "everything")


def test_the_repository_script_is_a_thin_layer_over_the_package():
    from bench import places

    from kith.places import benchmark

    assert list(inspect.signature(places.run).parameters)[:1] == ["quick"]
    assert places._run is benchmark.run
