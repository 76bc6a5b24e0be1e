"""Rate-limit counting on the file cache, across processes: `python -m bench.throttle [--json]`.

Forks worker processes (as gunicorn does) that all count against one key at once, released
together, on Django's file cache in a throwaway folder, and compares:

- "cache add+incr": Django's own cache.add() then cache.incr(), which Kith used before; on the
  file cache each is a read then a write, so counts are lost when tries arrive together;
- "kith take": core.throttle.take(), whose read and write happen under a lock file.

The limit is half the tries. For each it reports how many got through (exactly the limit is
right), what the counter holds at the end (the old way should hold every try; Kith's gives
back the refused ones, so it should hold the limit), and tries per second. Tests never time
anything; this does.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import tempfile
import time


def _setup(folder: str) -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            CACHES={"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                "LOCATION": folder}},
            VAR_DIR=folder, USE_TZ=True)
        django.setup()


def _old_hit(key: str) -> int:
    from django.core.cache import cache

    if cache.add(key, 1, 3605):
        return 1
    try:
        return cache.incr(key)
    except ValueError:
        cache.set(key, 1, 3605)
        return 1


def _worker(method: str, folder: str, tries: int, limit: int, start, out) -> None:
    _setup(folder)
    from kith.core import throttle

    start.wait()
    passed = 0
    for _ in range(tries):
        if method == "kith take":
            passed += throttle.take("bench", "one", limit=limit, seconds=3600) is not None
        else:
            passed += _old_hit("throttle:bench:old") <= limit
    out.put(passed)


def run(method: str, workers: int, tries: int, limit: int) -> dict:
    folder = tempfile.mkdtemp(prefix="kith-bench-throttle-")
    ctx = mp.get_context("fork")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(method, folder, tries, limit, start, out))
             for _ in range(workers)]
    for p in procs:
        p.start()
    began = time.perf_counter()
    start.set()
    passed = sum(out.get(timeout=300) for _ in procs)
    for p in procs:
        p.join()
    seconds = time.perf_counter() - began
    _setup(folder)
    from django.core.cache import cache

    from kith.core import throttle

    key = "throttle:bench:old" if method != "kith take" else throttle._key("bench", "one", 3600)
    counted = cache.get(key)
    made = workers * tries
    return {"method": method, "workers": workers, "tries": made, "limit": limit,
            "got_through": passed, "counted": counted, "tries_per_second": round(made / seconds)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--tries", type=int, default=250, help="per worker")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    limit = args.workers * args.tries // 2
    results = [run(m, args.workers, args.tries, limit) for m in ("cache add+incr", "kith take")]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for r in results:
        print(f"{r['method']:>15}: {r['tries']} tries by {r['workers']} processes, limit "
              f"{r['limit']}: {r['got_through']} got through, {r['counted']} counted, "
              f"{r['tries_per_second']} tries/s")


if __name__ == "__main__":
    main()
