"""`kith bench places|matching [--json] [--quick]`: measure the places or matching core here.

The benchmarks live in the repository's bench/ folder, not in the installed package (the
runtime carries no benchmark code, nor OR-Tools, the routes benchmark's yardstick). From a
checkout this command finds them beside src/; an installed copy without a checkout says so.
"""

import importlib
import json
import sys
from pathlib import Path
from types import ModuleType

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

import kith

# src/kith/__init__.py -> the checkout's root, where bench/ sits beside src/.
CHECKOUT = Path(kith.__file__).resolve().parents[2]


def bench_module(name: str) -> ModuleType:
    """bench.<name>, from the working directory's bench/ or the checkout Kith runs from."""
    try:
        return importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as error:
        if error.name not in ("bench", f"bench.{name}"):
            raise  # something the benchmark itself needs is missing: say that, not this
    if (CHECKOUT / "bench" / "__init__.py").is_file() and str(CHECKOUT) not in sys.path:
        sys.path.insert(0, str(CHECKOUT))
        return importlib.import_module(f"bench.{name}")
    raise CommandError(
        f"The benchmarks are not part of an installed Kith: they live in the bench/ folder of a "
        f"source checkout. Run `kith bench {name}` from a checkout (after `make install`), or "
        f"`python -m bench.{name}` at its root.")


class Command(BaseCommand):
    help = (
        "Benchmark postcode lookups, the index's memory and map hexagons (places: builds the "
        "postcode index first if it is missing), or ranking, batch assignment and delivery "
        "routes (matching). Needs a source checkout: the benchmarks live in its bench/ folder."
    )

    def add_arguments(self, parser):
        parser.add_argument("suite", choices=["places", "matching"], help="what to benchmark")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the figures as JSON")
        parser.add_argument("--quick", action="store_true",
                            help="fewer repeats and smaller sizes; under a minute")

    def handle(self, *args, suite, as_json, quick, **options):
        module = bench_module(suite)
        if suite == "matching":
            results = module.run(quick=quick)
        else:
            # The same cache the site uses: KITH_PLACES_CACHE when the settings name one, else
            # VAR_DIR/places.
            cache_dir = getattr(settings, "KITH_PLACES_CACHE", None) or settings.VAR_DIR / "places"
            results = module.run(quick=quick, cache_dir=cache_dir)
        self.stdout.write(json.dumps(results, indent=2) if as_json else module.format_report(results))
