"""`kith bench places`: runs, and reports every figure with its baseline (timings not judged)."""

from __future__ import annotations

import json
import sys
from io import StringIO

import pytest
from bench.places import format_report
from django.core.management import CommandError, call_command

from kith.places.management.commands import bench
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


def test_the_command_finds_the_benchmarks_in_the_checkout_it_runs_from(monkeypatch, tmp_path):
    # As from another working directory: bench/ is found beside src/ of the running Kith.
    monkeypatch.chdir(tmp_path)
    for name in [m for m in sys.modules if m == "bench" or m.startswith("bench.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", ".", str(bench.CHECKOUT))])
    assert bench.bench_module("places").__file__ == str(bench.CHECKOUT / "bench" / "places.py")


def test_an_installed_copy_without_the_benchmarks_says_where_they_are(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in [m for m in sys.modules if m == "bench" or m.startswith("bench.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", ".", str(bench.CHECKOUT))])
    monkeypatch.setattr(bench, "CHECKOUT", tmp_path)  # like site-packages: no bench/ beside it
    with pytest.raises(CommandError, match="source checkout"):
        call_command(Command(), "matching", "--quick")
