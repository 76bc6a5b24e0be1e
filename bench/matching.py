"""Benchmark of matching: `python -m bench.matching [--quick] [--json]` from the repository root.

A thin script: the measuring lives in `kith.matching.benchmark`, inside the package, so that the
installed `kith bench matching` command works without this checkout. Ranking goes through the
database, so Django is set up first with Kith's settings (the benchmark makes and drops its own
scratch database).
"""

from __future__ import annotations

import argparse
import json
import os


def run(quick: bool) -> dict:
    """The figures as a dict (see kith.matching.benchmark); prints nothing."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kith.settings")
    django.setup()
    from kith.matching.benchmark import run as _run

    return _run(quick=quick)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes; under a minute")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    results = run(args.quick)
    from kith.matching.benchmark import format_report

    print(json.dumps(results, indent=2) if args.json else format_report(results))


if __name__ == "__main__":
    main()
