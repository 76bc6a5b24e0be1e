"""Benchmarks for the places core: postcode lookups, memory, and map hexagons. No Django.

`kith bench places [--quick] [--json]`, or `python -m bench.places [--quick] [--json]` from the
repository root (the index cache then defaults to the checkout's var/places, as Kith's settings
would choose). `run(quick)` returns a dict of figures and prints nothing. Benchmark code lives
here in bench/, outside the installed package.

Every figure comes with a baseline measured in the same process, so a slow machine shows up as a
slow baseline too:

- lookup_us: mean time of `PostcodeIndex.lookup` over real postcodes drawn at random (fixed
  seed), warm. baseline_us: the same postcodes from a plain dict of ready-made Location objects
  (the fastest Python can do, at about ten times the memory if it held the whole country).
- rss_mb: resident memory of a fresh Python process after loading the whole index (VmRSS from
  /proc/self/status); rss_before_load_mb is the same process before loading.
- hexbin_ms: `hexbin.aggregate` of 1,000,000 synthetic points in clusters over a London-sized area
  (fixed seed) at resolution 7, the median of several runs. hexbin_baseline_ms: numpy's
  histogram2d of the same points on a square grid (no hexagons, no privacy).
- hexbin_kb: the GeoJSON for that view, serialised compactly.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from kith.places import hexbin
from kith.places.index import PostcodeIndex, cache_path
from kith.places.postcodes import Postcode

SEED = 20240601
TARGETS = {"lookup_us": 100.0, "rss_mb": 150.0, "hexbin_ms": 150.0, "hexbin_kb": 300.0}
HEX_POINTS = 1_000_000
LONDON = (51.28, -0.51, 51.69, 0.33)  # min_lat, min_lon, max_lat, max_lon: Greater London's box
REPO = Path(__file__).resolve().parents[1]


def default_cache_dir() -> Path:
    return Path(os.environ.get("KITH_VAR_DIR") or "var").resolve() / "places"


def london_points(n: int = HEX_POINTS, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """`n` points in 60 neighbourhood-sized clusters spread over Greater London's box."""
    rng = np.random.default_rng(seed)
    min_lat, min_lon, max_lat, max_lon = LONDON
    centres = rng.uniform((min_lat + 0.04, min_lon + 0.06), (max_lat - 0.04, max_lon - 0.06), size=(60, 2))
    spread = rng.uniform(0.005, 0.03, size=60)
    which = rng.integers(0, 60, n)
    lats = centres[which, 0] + rng.normal(0.0, 1.0, n) * spread[which]
    lons = centres[which, 1] + rng.normal(0.0, 1.6, n) * spread[which]
    return np.clip(lats, min_lat, max_lat), np.clip(lons, min_lon, max_lon)


def _sample_postcodes(index: PostcodeIndex, n: int, seed: int) -> list[Postcode]:
    keys = index._keys  # the benchmark may look inside: it draws real postcodes at random
    located = np.flatnonzero(np.isfinite(index._lat))
    rng = np.random.default_rng(seed)
    chosen = keys[rng.choice(located, size=n, replace=False)]
    return [Postcode(k.decode()[:-3], k.decode()[-3:]) for k in chosen]


def _time_lookups(index: PostcodeIndex, postcodes: list[Postcode]) -> dict:
    lookup = index.lookup
    for pc in postcodes[:2000]:  # warm up
        lookup(pc)
    start = time.perf_counter()
    for pc in postcodes:
        lookup(pc)
    mean_us = (time.perf_counter() - start) / len(postcodes) * 1e6

    samples = []
    clock = time.perf_counter_ns
    for pc in postcodes[:5000]:
        t0 = clock()
        lookup(pc)
        samples.append(clock() - t0)
    p99_us = float(np.percentile(samples, 99)) / 1000

    table = {pc.compact: lookup(pc) for pc in postcodes}
    get = table.get
    for pc in postcodes[:2000]:
        get(pc.compact)
    start = time.perf_counter()
    for pc in postcodes:
        get(pc.compact)
    baseline_us = (time.perf_counter() - start) / len(postcodes) * 1e6
    return {"lookup_us": mean_us, "lookup_p99_us": p99_us, "baseline_us": baseline_us}


_RSS_SCRIPT = """
import json, sys
from pathlib import Path

def status():
    fields = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0]) / 1024
    return fields

from kith.places.index import PostcodeIndex
before = status()
index = PostcodeIndex.load(Path(sys.argv[1]), progress=False)
after = status()
print(json.dumps({"before": before, "after": after, "postcodes": len(index)}))
"""


def measure_rss(cache_dir: Path) -> dict:
    """Resident memory of a fresh process before and after loading the index, in MB."""
    import kith

    source = str(Path(kith.__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")])))
    done = subprocess.run(  # noqa: S603 - our own interpreter running our own fixed script
        [sys.executable, "-c", _RSS_SCRIPT, str(cache_dir)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=300,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "rss_mb": round(figures["after"]["VmRSS"], 1),
        "rss_peak_mb": round(figures["after"]["VmHWM"], 1),
        "rss_before_load_mb": round(figures["before"]["VmRSS"], 1),
    }


def _median_ms(fn, repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def _hexbin_figures(quick: bool) -> dict:
    lats, lons = london_points()
    resolution = hexbin.LONDON_RESOLUTION
    repeats = 5 if quick else 11
    hexagons = hexbin.aggregate(lats, lons, resolution=resolution)  # warm up, and keep for size
    median_ms, min_ms = _median_ms(lambda: hexbin.aggregate(lats, lons, resolution=resolution), repeats)
    base_median, _ = _median_ms(lambda: np.histogram2d(lats, lons, bins=(64, 64)), repeats)
    text = json.dumps(hexbin.to_geojson(hexagons), separators=(",", ":"))
    shown = sum(h.count for h in hexagons)

    # Exactness on a sample: the same counts as asking h3 about every point.
    sample = slice(0, 100_000)
    fast = hexbin.count_cells(lats[sample], lons[sample], resolution)
    one_by_one = hexbin._cells_one_by_one(lats[sample], lons[sample], resolution)
    cells, counts = np.unique(one_by_one, return_counts=True)
    import h3

    exact = fast == {h3.int_to_str(int(c)): int(n) for c, n in zip(cells, counts, strict=True)}

    figures = {
        "hexbin_ms": round(median_ms, 1),
        "hexbin_min_ms": round(min_ms, 1),
        "hexbin_baseline_ms": round(base_median, 1),
        "hexbin_kb": round(len(text.encode()) / 1024, 1),
        "hexbin_points": len(lats),
        "hexbin_resolution": resolution,
        "hexbin_hexagons": len(hexagons),
        "hexbin_points_dropped": int(len(lats) - shown),
        "hexbin_exact_on_100k": bool(exact),
    }
    if not quick:
        by_resolution = {}
        for res in (6, 8, 9):
            res_median, _ = _median_ms(lambda res=res: hexbin.aggregate(lats, lons, resolution=res), 3)
            res_hexagons = hexbin.aggregate(lats, lons, resolution=res)
            size = len(json.dumps(hexbin.to_geojson(res_hexagons), separators=(",", ":")).encode())
            by_resolution[str(res)] = {
                "ms": round(res_median, 1),
                "kb": round(size / 1024, 1),
                "hexagons": len(res_hexagons),
            }
        figures["hexbin_by_resolution"] = by_resolution
    return figures


def run(quick: bool = False, cache_dir: Path | None = None) -> dict:
    """Measure everything; returns the figures (see the module). Prints nothing."""
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    results: dict = {"quick": quick}
    built = not cache_path(cache_dir).exists()
    start = time.perf_counter()
    index = PostcodeIndex.load(cache_dir, progress=False)
    results["index_build_s" if built else "index_load_s"] = round(time.perf_counter() - start, 2)
    results["postcodes"] = len(index)

    postcodes = _sample_postcodes(index, 20_000 if quick else 200_000, SEED)
    lookups = _time_lookups(index, postcodes)
    results["lookup_us"] = round(lookups["lookup_us"], 2)
    results["lookup_p99_us"] = round(lookups["lookup_p99_us"], 2)
    results["baseline_us"] = round(lookups["baseline_us"], 3)
    results["lookup_vs_baseline"] = round(lookups["lookup_us"] / lookups["baseline_us"], 1)
    del postcodes, index

    results.update(measure_rss(cache_dir))
    results.update(_hexbin_figures(quick))
    results["hexbin_vs_baseline"] = round(results["hexbin_ms"] / results["hexbin_baseline_ms"], 2)
    results["targets"] = TARGETS
    results["within_targets"] = {name: results[name] <= limit for name, limit in TARGETS.items()}
    return results


def format_report(results: dict) -> str:
    """The figures as a short table for people."""
    ok = results["within_targets"]
    mark = {True: "ok", False: "OVER"}
    lines = [
        f"places benchmark{' (quick)' if results['quick'] else ''}: {results['postcodes']:,} postcodes",
        f"  lookup       {results['lookup_us']:8.2f} µs   (p99 {results['lookup_p99_us']:.2f} µs; "
        f"dict baseline {results['baseline_us']:.3f} µs, x{results['lookup_vs_baseline']})"
        f"   target ≤ {TARGETS['lookup_us']:g} µs {mark[ok['lookup_us']]}",
        f"  memory       {results['rss_mb']:8.1f} MB   (fresh process after load; "
        f"{results['rss_before_load_mb']:.1f} MB before, peak {results['rss_peak_mb']:.1f} MB)"
        f"   target ≤ {TARGETS['rss_mb']:g} MB {mark[ok['rss_mb']]}",
        f"  hexbin       {results['hexbin_ms']:8.1f} ms   ({results['hexbin_points']:,} points, "
        f"resolution {results['hexbin_resolution']}, median; min {results['hexbin_min_ms']:.1f} ms; "
        f"histogram2d baseline {results['hexbin_baseline_ms']:.1f} ms)"
        f"   target ≤ {TARGETS['hexbin_ms']:g} ms {mark[ok['hexbin_ms']]}",
        f"  GeoJSON      {results['hexbin_kb']:8.1f} KB   ({results['hexbin_hexagons']} hexagons, "
        f"{results['hexbin_points_dropped']} points dropped for k-anonymity; exact: "
        f"{results['hexbin_exact_on_100k']})"
        f"   target ≤ {TARGETS['hexbin_kb']:g} KB {mark[ok['hexbin_kb']]}",
    ]
    for res, figures in results.get("hexbin_by_resolution", {}).items():
        lines.append(
            f"    resolution {res}: {figures['ms']:.1f} ms, {figures['kb']:.1f} KB, "
            f"{figures['hexagons']} hexagons"
        )
    return "\n".join(lines)



def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats; under a minute")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    results = run(args.quick, cache_dir=REPO / "var" / "places")
    print(json.dumps(results, indent=2) if args.json else format_report(results))


if __name__ == "__main__":
    main()
