"""`kith bench places|matching [--json] [--quick]`: measure the places or matching core here."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Benchmark postcode lookups, the index's memory and map hexagons (places: builds the "
        "postcode index first if it is missing), or ranking, batch assignment and delivery "
        "routes (matching)."
    )

    def add_arguments(self, parser):
        parser.add_argument("suite", choices=["places", "matching"], help="what to benchmark")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the figures as JSON")
        parser.add_argument("--quick", action="store_true",
                            help="fewer repeats and smaller sizes; under a minute")

    def handle(self, *args, suite, as_json, quick, **options):
        # The logic lives in the package (kith.places.benchmark, kith.matching.benchmark), so
        # this works from an installed copy too; bench/*.py in the repository are thin scripts
        # over the same functions.
        if suite == "matching":
            from kith.matching.benchmark import format_report, run

            results = run(quick=quick)
        else:
            from kith.places.benchmark import format_report, run

            # The same cache the site uses: KITH_PLACES_CACHE when the settings name one, else
            # VAR_DIR/places.
            cache_dir = getattr(settings, "KITH_PLACES_CACHE", None) or settings.VAR_DIR / "places"
            results = run(quick=quick, cache_dir=cache_dir)
        self.stdout.write(json.dumps(results, indent=2) if as_json else format_report(results))
