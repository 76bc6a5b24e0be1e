"""The whole site under load (issue 18): `python -m bench.load_site [--quick] [--json]`.

1. Makes a throwaway PostgreSQL database beside the one DATABASE_URL names (on the same
   server; nothing else there is touched) and fills it with a borough (bench/load_seed.py:
   50,000 volunteers, 200,000 past requests).
2. Serves it with gunicorn on a free port of 127.0.0.1 (bench/load_settings.py: Kith's settings,
   plus a bare view for comparison).
3. Runs Locust headless (bench/load_locustfile.py): 100 simulated people for 120 s, residents,
   volunteers, coordinators and call handlers, each pausing 1-3 s between pages as people do.
4. In the same run, on the same server: the bare view and the coordinator's request list each
   asked for flat out (no pauses) for a short while, for their throughput ratio.
5. Prints p50/p95/p99 per page, errors, and the ratio; drops the database.

Goals: no errors, p99 <= 500 ms on every page, the request list at least a fifth of the bare
view's throughput. Queries per page are held constant by tests/test_query_counts.py.
`--quick`: 30 people for 30 s on the same data (a first look).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOALS = {"p99_ms": 500, "coordinator_share_of_bare": 0.2}
MIXED = ["Resident", "Volunteer", "Coordinator", "CallHandler"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _admin_url() -> str:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("The load test runs on PostgreSQL: set DATABASE_URL=postgres://...")
    return url


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def _environment(database_url: str, var_dir: Path, data: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.load_settings",
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
           "DATABASE_URL": database_url, "KITH_VAR_DIR": str(var_dir),
           "SECRET_KEY": "load-test-only-not-a-secret",
           "KITH_SECURE": "0",  # plain HTTP on 127.0.0.1: cookies without the Secure flag
           "TRUSTED_PROXY_COUNT": "1",  # each simulated resident has an address of their own
           "KITH_PLACES_CACHE": str(Path(tempfile.gettempdir()) / "kith-test-places")}
    if data is not None:
        env["KITH_LOAD_DATA"] = str(data)
    return env


def _serve(env: dict[str, str], var_dir: Path, workers: int) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "kith.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "60", "--limit-request-line", "8190"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=(var_dir / "gunicorn.log").open("w"))
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=5).close()
            return server, base
        except OSError:
            if server.poll() is not None:
                sys.exit(f"gunicorn stopped: see {var_dir / 'gunicorn.log'}")
            time.sleep(0.2)
    sys.exit("gunicorn did not answer")


def _locust(env, base: str, classes: list[str], users: int, seconds: int, prefix: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "load_locustfile.py"),
         "--headless", "--host", base, "-u", str(users), "-r", str(max(1, users // 10)),
         "-t", f"{seconds}s", "--stop-timeout", "10", "--csv", str(prefix), "--only-summary",
         "--loglevel", "WARNING", *classes],
        cwd=ROOT, env=env, check=False, timeout=seconds + 120,
        stdout=subprocess.DEVNULL, stderr=(prefix.parent / f"{prefix.name}.log").open("w"))


def _pages(prefix: Path) -> dict[str, dict]:
    pages = {}
    with open(f"{prefix}_stats.csv") as f:
        for row in csv.DictReader(f):
            name = "all" if row["Name"] == "Aggregated" else row["Name"]
            pages[name] = {
                "method": row["Type"], "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]), "p50_ms": float(row["50%"] or 0),
                "p95_ms": float(row["95%"] or 0), "p99_ms": float(row["99%"] or 0),
                "per_second": round(float(row["Requests/s"]), 1)}
    return pages


def _errors(prefix: Path) -> list[dict]:
    with open(f"{prefix}_failures.csv") as f:
        return [{"page": r["Name"], "error": r["Error"], "count": int(r["Occurrences"])}
                for r in csv.DictReader(f)]


def run(quick: bool = False, workers: int = 4, small: bool = False) -> dict:
    admin = _admin_url()
    name = f"kith_load_{os.getpid()}"
    users, seconds, flat_seconds = (30, 30, 10) if quick else (100, 120, 20)
    _admin(admin, f"CREATE DATABASE {name}")
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="kith-load-") as folder:
            var_dir, data = Path(folder), Path(folder) / "people.json"
            env = _environment(_with_database(admin, name), var_dir, data)
            if small:
                env["KITH_LOAD_SMALL"] = "1"
            started = time.monotonic()
            subprocess.run([sys.executable, "-m", "bench.load_seed", str(data)], cwd=ROOT,
                           env=env, check=True, timeout=3600, stdout=sys.stderr)
            seeded_s = round(time.monotonic() - started)
            server, base = _serve(env, var_dir, workers)
            _locust(env, base, MIXED, users, seconds, var_dir / "mixed")
            _locust(env, base, ["BareUser"], 10, flat_seconds, var_dir / "bare")
            _locust(env, base, ["CoordinatorFlatOut"], 10, flat_seconds, var_dir / "flat")
            pages = _pages(var_dir / "mixed")
            bare = _pages(var_dir / "bare")["bare view"]
            flat = _pages(var_dir / "flat")["request list (flat out)"]
            results = {
                "users": users, "seconds": seconds, "gunicorn_workers": workers,
                "seed_seconds": seeded_s, "pages": pages,
                "errors": _errors(var_dir / "mixed"),
                "bare_view": bare, "request_list_flat_out": flat,
                "coordinator_share_of_bare": round(flat["per_second"] / bare["per_second"], 3)
                if bare["per_second"] else None,
            }
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        _admin(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    results["within"] = {
        "no_errors": not results["errors"],
        "p99": all(p["p99_ms"] <= GOALS["p99_ms"] for p in results["pages"].values()),
        "coordinator_share": (results["coordinator_share_of_bare"] or 0)
        >= GOALS["coordinator_share_of_bare"],
    }
    return results


def format_report(r: dict) -> str:
    lines = [f"Kith under load: {r['users']} people for {r['seconds']} s, gunicorn "
             f"{r['gunicorn_workers']} workers, PostgreSQL (seeded in {r['seed_seconds']} s)",
             f"{'page':34} {'reqs':>6} {'err':>4} {'p50':>6} {'p95':>6} {'p99':>6} {'/s':>6}"]
    for name, p in sorted(r["pages"].items(), key=lambda kv: kv[0] == "all"):
        lines.append(f"{name[:34]:34} {p['requests']:6} {p['errors']:4} {p['p50_ms']:6.0f} "
                     f"{p['p95_ms']:6.0f} {p['p99_ms']:6.0f} {p['per_second']:6.1f}")
    for e in r["errors"]:
        lines.append(f"  error on {e['page']}: {e['error']} x{e['count']}")
    b, f = r["bare_view"], r["request_list_flat_out"]
    lines.append(f"flat out: bare view {b['per_second']}/s (p50 {b['p50_ms']:.0f} ms), request "
                 f"list {f['per_second']}/s (p50 {f['p50_ms']:.0f} ms): "
                 f"{r['coordinator_share_of_bare']} of the bare view's")
    lines.append("goals: " + ", ".join(f"{k} {'met' if v else 'MISSED'}"
                                       for k, v in r["within"].items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 people for 30 s")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--small", action="store_true",
                        help="a twenty-fifth of the borough's data (to try the run)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    args = parser.parse_args(argv)
    results = run(quick=args.quick, workers=args.workers, small=args.small)
    print(json.dumps(results, indent=2) if args.json else format_report(results))


if __name__ == "__main__":
    main()
