"""Benchmark of the places core: `python -m bench.places [--quick] [--json]` from the repository root.

A thin script: the measuring lives in `kith.places.benchmark`, inside the package, so that the
installed `kith bench places` command works without this checkout. Here the index cache defaults
to the checkout's own var/places, as Kith's settings would choose.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kith.places.benchmark import format_report
from kith.places.benchmark import run as _run

REPO = Path(__file__).resolve().parents[1]


def run(quick: bool, cache_dir: Path | None = None) -> dict:
    """The figures as a dict (see kith.places.benchmark); prints nothing."""
    return _run(quick=quick, cache_dir=cache_dir or REPO / "var" / "places")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats; under a minute")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    results = run(args.quick)
    print(json.dumps(results, indent=2) if args.json else format_report(results))


if __name__ == "__main__":
    main()
