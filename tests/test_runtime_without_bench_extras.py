"""The runtime installs and runs without the `bench` extra: every module of the kith package
imports with OR-Tools (and pandas, which only it pulled in) blocked, and a batch is assigned
exactly. Benchmark code lives in bench/, outside the package."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import kith

SCRIPT = """
import importlib, os, pkgutil, sys
for blocked in ("ortools", "pandas"):
    sys.modules[blocked] = None  # "import ortools" now raises ImportError
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
import django
django.setup()
import kith
failed = []
for info in pkgutil.walk_packages(kith.__path__, "kith."):
    try:
        importlib.import_module(info.name)
    except Exception as error:
        failed.append(f"{info.name}: {error!r}")
from kith.matching.batch import assign_batch
from kith.matching.core import Need, Volunteer
from kith.places.geo import LatLon
need = Need(id=1, service="shopping", place=LatLon(51.55, -0.15), resident_id=1, max_km=None)
vol = Volunteer(id=2, name="V", home=LatLon(51.551, -0.15), services=frozenset({"shopping"}),
                radius_km=3, weekly_cap=1, cleared=frozenset({"shopping"}), on_duty=True)
result = assign_batch([need], [vol])
assert result.pairs == {1: 2} and result.method == "exact", result
print("\\n".join(failed) or "ok")
"""


def test_every_runtime_module_imports_and_a_batch_runs_without_ortools():
    root = Path(kith.__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=root,  # noqa: S603 - our own script
                          capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "ok", done.stdout[-3000:]


def test_no_benchmark_code_is_left_in_the_package():
    names = [info.name for info in pkgutil.walk_packages(kith.__path__, "kith.")]
    assert not [n for n in names if "bench" in n.rsplit(".", 1)[-1] and not n.endswith("commands.bench")]
