"""The phone line during a big import, on SQLite: `python -m bench.sqlite_contention [--json]`.

A coordinator runs the documented command-line import of a 50,000-row sign-up sheet
(`kith import volunteers FILE --group SLUG --commit`, in its own process, as on a server) while
call handlers note missed calls. This measures those missed-call posts
(`/g/<slug>/callbacks/missed-call/`): 40 posts from 20 threads, each thread posting twice at
seeded moments a few seconds apart, first with nothing else running (the baseline, in the same
process), then again once the import has started writing. Every post must succeed (a redirect to
the queue), and none may take more than 2 s.

By default the posts go through Django's test client in this process (each thread its own
connection, closed after each request as CONN_MAX_AGE=0 does on SQLite). With `--server` they go
over HTTP to gunicorn (2 workers, as `make serve`) with `kith tick --every 1` running beside it,
which checks that the workers and the sweep write alongside the import too.

Everything runs on a fresh SQLite database in a throwaway var/ (DATABASE_URL is ignored).
Tests never time anything; this does.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.volunteer_import import make_csv

THREADS = 20
POSTS_PER_THREAD = 2
SPREAD_S = 3.0  # each thread waits up to this long before each of its posts
TARGET_S = 2.0
CSRF_SECRET = "b" * 32  # an unmasked secret is a valid token when it matches the cookie


@dataclass
class Round:
    label: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error_latencies: list[float] = field(default_factory=list)  # how long a failing post took
    posts: list[tuple[float, float]] = field(default_factory=list)  # (began, seconds), wall clock

    def figures(self) -> dict:
        ordered = sorted(self.latencies)
        return {
            "posts": len(ordered) + len(self.errors),
            "errors": len(self.errors), "error_messages": sorted(set(self.errors)),
            "p50_s": round(statistics.median(ordered), 3) if ordered else None,
            "p95_s": round(ordered[max(0, round(0.95 * len(ordered)) - 1)], 3) if ordered else None,
            "max_s": round(ordered[-1], 3) if ordered else None,
            "errors_after_s": round(max(self.error_latencies), 1) if self.errors else None,
        }

    def slowest(self, n: int = 5) -> list[tuple[float, float]]:
        return sorted(self.posts, key=lambda p: -p[1])[:n]


def _environment(var_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # this is about SQLite, whatever the shell says
    env.update({
        "KITH_VAR_DIR": var_dir, "SECRET_KEY": env.get("SECRET_KEY", "bench-not-secret"),
        "DJANGO_SETTINGS_MODULE": "kith.settings", "KITH_SECURE": "0",
        "KITH_MANIFEST_STATIC": "0", "KITH_SMS_BACKEND": "memory",
        # The import's re-consent emails are not what is measured here.
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
    })
    return env


def _setup(env: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _people(rows: int, seed: int):
    """The group, Sam the call handler, people already on Kith, and the sheet to import."""
    from kith.accounts.models import Person
    from kith.groups.models import Group, Membership

    group = Group.objects.create(name="Bench Road Neighbours", slug="bench-road", kind="street")
    sam = Person.objects.create_user("sam@example.org", display_name="Sam Okafor")
    Membership.objects.create(person=sam, group=group, is_call_handler=True)
    existing = [Person(email=f"existing{i}@example.org", display_name=f"Existing {i}")
                for i in range(2_000)]
    for person in existing:
        person.set_unusable_password()
    Person.objects.bulk_create(existing, batch_size=500)
    data = make_csv(rows, seed, [p.email for p in existing[:1000]], [])
    return group, sam, data


def _residents_due_a_check_in(group, first: int, count: int = 5) -> None:
    """Residents the sweep will book a check-in call for: work for `kith tick` to write."""
    from kith.residents.models import Resident

    for i in range(first, first + count):
        Resident.objects.create(group=group, name=f"Resident {i}", check_in_days=1)


def _session_cookie(person) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(person)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


class ClientPoster:
    """Posts through Django's whole stack in this process, as a threaded worker would."""

    def __init__(self, group, session: str):
        from django.conf import settings
        from django.urls import reverse

        self.url = reverse("requests:missed_call", args=[group.slug])
        self.queue = reverse("requests:queue", args=[group.slug])
        self.cookie_name, self.session = settings.SESSION_COOKIE_NAME, session

    def __call__(self, phone: str, name: str) -> str | None:
        from django.db import connection
        from django.test import Client

        client = Client(HTTP_HOST="127.0.0.1")  # an allowed host, as behind nginx
        client.cookies[self.cookie_name] = self.session
        try:
            response = client.post(self.url, {"phone": phone, "caller_name": name})
        except Exception as exc:  # noqa: BLE001 - a 500 is what is being counted
            return f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
        return _landed(response.status_code, response.get("Location", ""), self.queue)


class HttpPoster:
    """Posts to a real server over HTTP, with the session and CSRF cookies a browser holds."""

    def __init__(self, base: str, group, session: str):
        from django.conf import settings
        from django.urls import reverse

        self.url = base + reverse("requests:missed_call", args=[group.slug])
        self.queue = reverse("requests:queue", args=[group.slug])
        self.cookie = f"{settings.SESSION_COOKIE_NAME}={session}; csrftoken={CSRF_SECRET}"

    def __call__(self, phone: str, name: str) -> str | None:
        body = urllib.parse.urlencode({"phone": phone, "caller_name": name,
                                       "csrfmiddlewaretoken": CSRF_SECRET}).encode()
        request = urllib.request.Request(self.url, data=body, headers={"Cookie": self.cookie})
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=60) as response:
                return f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            return _landed(exc.code, exc.headers.get("Location", ""), self.queue)
        except OSError as exc:
            return f"{type(exc).__name__}: {exc}"


def _landed(status: int, location: str, queue: str) -> str | None:
    """None for the redirect to the queue that follows a saved missed call, else what happened."""
    if status == 302 and location.endswith(queue):
        return None
    return f"HTTP {status}" + (f" to {location.split('?')[0]}" if status == 302 else "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 to the queue is the success; do not follow it


def post_round(label: str, post, *, first_number: int, seed: int) -> Round:
    """20 threads released together; each posts twice, at seeded moments up to SPREAD_S apart."""
    result = Round(label)
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def work(k: int) -> None:
        rng = random.Random(seed * 1000 + k)
        barrier.wait(timeout=60)
        for i in range(POSTS_PER_THREAD):
            time.sleep(rng.uniform(0, SPREAD_S))
            n = first_number + k * POSTS_PER_THREAD + i
            began, started = time.time(), time.perf_counter()
            error = post(f"07911 2{n:05d}", f"Caller {n}")
            elapsed = time.perf_counter() - started
            with lock:
                result.posts.append((began, elapsed))
                if error:
                    result.errors.append(error)
                    result.error_latencies.append(elapsed)
                else:
                    result.latencies.append(elapsed)

    threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return result


def wait_until_writing(db_path: Path, process: subprocess.Popen, limit_s: float = 300) -> float:
    """Seconds until the import first holds SQLite's write lock (a zero-wait probe fails)."""
    started = time.perf_counter()
    probe = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        while time.perf_counter() - started < limit_s:
            if process.poll() is not None:
                raise RuntimeError("the import ended before it wrote anything")
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
            except sqlite3.OperationalError:
                return time.perf_counter() - started
            time.sleep(0.02)
    finally:
        probe.close()
    raise RuntimeError("the import did not start writing")


def _batch_times() -> list[float]:
    """When each of the import's batches wrote its audit row (near its commit)."""
    from kith.core.models import AuditEvent

    rows = AuditEvent.objects.filter(action="kith.volunteer.imported")
    return sorted(at.timestamp() for at in rows.values_list("created_at", flat=True))


def _kith(*args: str) -> list[str]:
    return [sys.executable, "-m", "kith.cli", *args]


def _import_command(sheet: Path, slug: str, overrides: dict[str, float]) -> list[str]:
    """`kith import volunteers … --commit`; with `overrides`, the same command with some of the
    adapter's constants changed first (how ROWS_PER_COMMIT, PAUSE_S and POLITE_FOR_S were
    chosen)."""
    args = ["import", "volunteers", str(sheet), "--group", slug, "--commit", "--good-rows-only",
            "--merge", "--no-progress"]
    if not overrides:
        return _kith(*args)
    changes = "".join(f"adapter.{name} = {value!r}; " for name, value in overrides.items())
    code = ("import django; django.setup(); "
            "from kith.volunteers.importing import adapter; " + changes
            + "from kith.cli import main; main()")
    return [sys.executable, "-c", code, *args]


def _start_server(env: dict[str, str], var_dir: str, port: int) -> list[subprocess.Popen]:
    # The children keep their own copies of these files; ours can close at once.
    with open(Path(var_dir) / "server.log", "wb") as log, \
            open(Path(var_dir) / "tick.err", "wb") as tick_err:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "kith.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--timeout", "120"], env=env, stdout=log, stderr=subprocess.STDOUT)
        tick = subprocess.Popen(_kith("tick", "--every", "1"), env=env,
                                stdout=subprocess.DEVNULL, stderr=tick_err)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return [server, tick]
        except OSError:
            time.sleep(0.2)
    tick.kill()
    raise RuntimeError(f"gunicorn did not start: see {Path(var_dir) / 'server.log'}")


def _free_port() -> int:
    """A port nothing listens on now, so the posts reach this bench's server and no other."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(rows: int = 50_000, seed: int = 7, server: bool = False, port: int = 0,
        keep: bool = False, overrides: dict[str, float] | None = None) -> dict:
    var_dir = tempfile.mkdtemp(prefix="kith-bench-contention-")
    (Path(var_dir) / "static").mkdir()  # STATIC_ROOT: whitenoise warns when it is missing
    env = _environment(var_dir)
    helpers: list[subprocess.Popen] = []
    try:
        _setup(env)
        from django.utils import timezone

        from kith.accounts.models import Person
        from kith.requests.models import Callback

        group, sam, data = _people(rows, seed)
        sheet = Path(var_dir) / "sheet.csv"
        sheet.write_bytes(data)
        session = _session_cookie(sam)
        if server:
            _residents_due_a_check_in(group, first=0)
            port = port or _free_port()
            helpers = _start_server(env, var_dir, port)
            post = HttpPoster(f"http://127.0.0.1:{port}", group, session)
        else:
            post = ClientPoster(group, session)
        db_path = Path(var_dir) / "kith.sqlite3"

        baseline = post_round("baseline", post, first_number=0, seed=seed)
        people_before = Person.objects.count()
        started = time.perf_counter()
        importer = subprocess.Popen(_import_command(sheet, group.slug, overrides or {}),
                                    env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        writing_after = wait_until_writing(db_path, importer)
        writing_since = timezone.now()
        if server:
            _residents_due_a_check_in(group, first=5)  # the sweep books their calls meanwhile
        during = post_round("during", post, first_number=100, seed=seed + 1)
        still_running = importer.poll() is None
        out, err = importer.communicate(timeout=900)
        import_s = time.perf_counter() - started

        landed = Callback.objects.filter(kind=Callback.Kind.MISSED_CALL).count()
        ticked = Callback.objects.filter(kind=Callback.Kind.CHECK_IN,
                                         created_at__gte=writing_since).count()
        batches = _batch_times()
        tick_errors = ""
        for process in helpers:
            process.terminate()
            process.wait(timeout=30)
        if server:
            tick_errors = (Path(var_dir) / "tick.err").read_text(errors="replace").strip()
        ok = (not during.errors and not baseline.errors
              and max(during.latencies + baseline.latencies) <= TARGET_S
              and landed == 2 * THREADS * POSTS_PER_THREAD)
        return {
            "rows": rows, "overrides": overrides or {},
            "mode": "gunicorn (2 workers) + kith tick" if server else "in-process",
            "threads": THREADS, "posts_per_round": THREADS * POSTS_PER_THREAD,
            "baseline": baseline.figures(), "during_import": during.figures(),
            "posts_landed": landed, "import_exit": importer.returncode,
            "import_s": round(import_s, 1), "import_writing_after_s": round(writing_after, 1),
            "import_still_running_after_posts": still_running,
            "people_added": Person.objects.count() - people_before,
            "import_summary": out.decode(errors="replace").strip().splitlines()[-1:],
            "import_errors": err.decode(errors="replace").strip()[-500:],
            "tick_errors": tick_errors[-500:],
            "check_ins_booked_during_import": ticked if server else None,
            "target_s": TARGET_S, "target_met": ok,
            "batches": len(batches),
            "batch_cycle_s": round(statistics.median(
                b - a for a, b in zip(batches, batches[1:], strict=False)), 3)
            if len(batches) > 1 else None,
            # When the slowest posts began, after the last batch's audit row was written.
            "slowest_posts": [{"s": round(seconds, 3), "after_batch_s": round(
                began - max((t for t in batches if t <= began), default=began), 3)}
                for began, seconds in during.slowest()],
            "var_dir": var_dir if keep else None,
        }
    finally:
        for process in helpers:
            if process.poll() is None:
                process.kill()
        if not keep:
            shutil.rmtree(var_dir, ignore_errors=True)


def _line(name: str, f: dict) -> str:
    if f["p50_s"] is None:
        timing = "no post succeeded"
    else:
        timing = f"p50 {f['p50_s']:.3f} s, p95 {f['p95_s']:.3f} s, max {f['max_s']:.3f} s"
    errors = f"{f['errors']} errors" + (
        f" ({'; '.join(f['error_messages'])}; the slowest after {f['errors_after_s']:.1f} s)"
        if f["errors"] else "")
    return f"  {name:<9} {timing}; {errors}"


def format_report(r: dict) -> str:
    lines = [
        f"Missed-call posts during a {r['rows']:,}-row `kith import volunteers --commit` on SQLite "
        f"({r['mode']}; {r['posts_per_round']} posts from {r['threads']} threads a round):",
        _line("baseline", r["baseline"]) + "  (no import running)",
        _line("during", r["during_import"]) + "  (the import writing)",
        f"  import    {r['import_s']:.1f} s, exit {r['import_exit']}, writing after "
        f"{r['import_writing_after_s']:.1f} s, {r['people_added']:,} people added; still running "
        f"when the last post ended: {'yes' if r['import_still_running_after_posts'] else 'NO'}",
        f"  posts landed: {r['posts_landed']} of {2 * r['posts_per_round']}",
    ]
    if r["import_errors"]:
        lines.append(f"  import said: {r['import_errors']}")
    if r["check_ins_booked_during_import"] is not None:
        lines.append(f"  kith tick booked {r['check_ins_booked_during_import']} of 5 check-in calls "
                     "while the import ran" + (f"; it said: {r['tick_errors']}"
                                               if r["tick_errors"] else ", without an error"))
    lines.append(f"  target (every post succeeds, none over {r['target_s']:g} s): "
                 + ("met" if r["target_met"] else "NOT MET"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--server", action="store_true",
                        help="post to gunicorn (2 workers) with `kith tick --every 1` beside it")
    parser.add_argument("--port", type=int, default=0, help="for --server (default: a free one)")
    parser.add_argument("--rows-per-commit", type=int, help="try another ROWS_PER_COMMIT")
    parser.add_argument("--pause", type=float, help="try another PAUSE_S (seconds)")
    parser.add_argument("--polite-for", type=float, help="try another POLITE_FOR_S (seconds)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway var/ directory")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    overrides = {name: value for name, value in [("ROWS_PER_COMMIT", args.rows_per_commit),
                                                 ("PAUSE_S", args.pause),
                                                 ("POLITE_FOR_S", args.polite_for)]
                 if value is not None}
    results = run(args.rows, args.seed, args.server, args.port, args.keep, overrides)
    print(json.dumps(results, indent=2) if args.json else format_report(results))


if __name__ == "__main__":
    main()
