"""PostgreSQL restarted under load (issue 18, faults): errors only while it is down, each a calm
503 page rather than a traceback; recovery with nobody touching anything; nothing half written.

The test starts a PostgreSQL of its own (initdb and pg_ctl into a temporary folder, a free port
of 127.0.0.1): the machine's shared server on 5432 is never restarted. Kith is migrated onto it
and served by a real gunicorn (two workers, kept connections as in production); a few threads
read pages and send the public "ask for help" form while the test restarts the database once.

Runs only when the suite itself runs on PostgreSQL (DATABASE_URL=postgres://...): that is the
run that proves Kith on PostgreSQL; the SQLite run has no server to restart.
"""

from __future__ import annotations

import contextlib
import glob
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from tests.test_many_servers import _free_port, _stop, _wait_for

ROOT = Path(__file__).resolve().parents[1]
PG_BINS = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
THREADS = 4
SLUG = "restart-street"

pytestmark = [pytest.mark.faults]


def _skip_reason() -> str | None:
    if connection.vendor != "postgresql":
        return "restarts a PostgreSQL server: runs with DATABASE_URL=postgres://..."
    if not PG_BINS or not os.path.exists(f"{PG_BINS[-1]}/initdb"):
        return "no initdb/pg_ctl under /usr/lib/postgresql/*/bin"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root and no runuser to start PostgreSQL as the postgres user"
    return None


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass
class PrivatePostgres:
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres(  # noqa: S603 (PostgreSQL's own tools, fixed arguments)
            [f"{PG_BINS[-1]}/pg_ctl", "-D", str(self.folder / "data"),
             "-l", str(self.folder / "postgres.log"), "-w", "-t", "30", *args]),
            check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        self.ctl("-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                 "-c fsync=off", "start")


@pytest.fixture
def private_postgres():
    if (reason := _skip_reason()) is not None:
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="kith-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server = PrivatePostgres(folder, _free_port())
    try:
        subprocess.run(_as_postgres(  # noqa: S603 (PostgreSQL's own tools, fixed arguments)
            [f"{PG_BINS[-1]}/initdb", "-D", str(folder / "data"), "-U", "postgres",
             "--auth=trust", "-E", "UTF8", "--no-sync"]),
            check=True, capture_output=True, timeout=60)
        server.start()
        yield server
    finally:
        # Never started, or already stopped: nothing to stop.
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            server.ctl("-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def _environment(database_url: str, var_dir: Path) -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
            "KITH_VAR_DIR": str(var_dir), "DATABASE_URL": database_url,
            # Each thread of the test is another visitor behind the proxy (the ask limit is
            # per address).
            "TRUSTED_PROXY_COUNT": "1",
            "KITH_SECURE": "0"}  # plain HTTP on 127.0.0.1: cookies without the Secure flag


PREPARE = f"""
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from kith.groups.models import Group
Group.objects.create(slug="{SLUG}", name="Restart Street", kind=Group.Kind.STREET,
                     coverage=["W10 5"])
"""

# What the ask form leaves behind, counted after the run: every request has its "created"
# event, its place in the call-back queue and its audit row, or none of them exist.
CHECK = """
import json
import django
django.setup()
from kith.core.models import AuditEvent
from kith.requests.models import HelpRequest
requests = HelpRequest.objects.all()
print(json.dumps({
    "requests": requests.count(),
    "without_event": requests.exclude(events__action="created").count(),
    "without_callback": requests.filter(callbacks__isnull=True).count(),
    "audited": AuditEvent.objects.filter(action="kith.request.created").count(),
}))
"""


def _django(script: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True,  # noqa: S603
                          capture_output=True, text=True, timeout=120)
    return done.stdout


@dataclass
class Answer:
    started: float
    at: float  # when it was answered
    method: str
    path: str
    status: int  # 0: no HTTP answer at all
    body: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A sent form's redirect is its answer: record the 302, do not follow it."""

    def redirect_request(self, *args, **kwargs):
        return None


class Visitor(threading.Thread):
    """Reads the group's public page and asks for help, over and over, until told to stop."""

    def __init__(self, base: str, number: int, stop: threading.Event, go: threading.Event,
                 answers: list[Answer]):
        super().__init__(daemon=True)
        self.base, self.number, self.stop, self.go, self.answers = base, number, stop, go, answers
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())
        self.asked = 0
        self.resting = False  # between rounds with `go` cleared: nothing of its in flight

    def _call(self, path: str, data: dict | None = None) -> Answer:
        # Every ask from another address, as from many residents (the limit is per address).
        headers = {"X-Forwarded-For": f"10.{self.number}.{self.asked // 250}.{self.asked % 250 + 1}"}
        body = None if data is None else urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 only)
            self.base + path, data=body, headers=headers)
        method, started = request.get_method(), time.monotonic()
        try:
            with self.opener.open(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:  # 302 included: see _NoRedirect
            status, text = error.code, error.read().decode()
        except OSError as error:
            status, text = 0, str(error)
        answer = Answer(started, time.monotonic(), method, path, status, text)
        self.answers.append(answer)
        return answer

    def run(self) -> None:
        while not self.stop.is_set():
            self.resting = not self.go.wait(timeout=0.1)
            if self.resting:
                continue
            self._call(f"/groups/{SLUG}/")
            form = self._call(f"/groups/{SLUG}/ask/")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
            if form.status != 200 or token is None:
                time.sleep(0.1)
                continue
            self.asked += 1
            self._call(f"/groups/{SLUG}/ask/", {
                "csrfmiddlewaretoken": token.group(1), "name": f"Visitor {self.number}",
                "phone": f"07911 {self.number}{self.asked:05d}", "email": "",
                "contact_by": "call", "postcode": "W10 5NW", "language": "",
                "service": "shopping", "details": "Milk and bread", "urgency": "soon",
                "when": "", "consent": "on"})


def _count(answers: list[Answer], status: int, since: float = 0.0) -> int:
    return sum(1 for a in list(answers) if a.status == status and a.started >= since)


def _until(condition, timeout: float = 30.0) -> None:
    """Wait for `condition` (bounded: the assertions say what was missing)."""
    end = time.monotonic() + timeout
    while not condition() and time.monotonic() < end:
        time.sleep(0.1)


def _serve(env: dict[str, str], var_dir: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments, loopback only)
        [sys.executable, "-m", "gunicorn", "kith.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--timeout", "60"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=(var_dir / "gunicorn.log").open("w"))
    _wait_for(port, server)
    return server, f"http://127.0.0.1:{port}"


def test_a_database_restart_under_load_shows_a_calm_page_and_recovers_unattended(
        tmp_path, private_postgres):
    env = _environment(private_postgres.url, tmp_path)
    _django(PREPARE, env)
    server, base = _serve(env, tmp_path)
    stop, go, answers = threading.Event(), threading.Event(), []
    go.set()
    visitors = [Visitor(base, n, stop, go, answers) for n in range(THREADS)]
    try:
        for visitor in visitors:
            visitor.start()
        # Load before: every worker holds a kept connection and asks have gone through.
        _until(lambda: _count(answers, 302) >= 2 * THREADS)
        down_from = time.monotonic()
        private_postgres.ctl("-m", "fast", "stop")
        time.sleep(2)  # the outage
        private_postgres.start()  # pg_ctl -w: returns once it accepts connections
        back_at = time.monotonic()
        _until(lambda: _count(answers, 302, since=back_at) >= 2 * THREADS)  # load after
        # Restarted again while nobody asks anything: each worker's kept connection is dead
        # but it has not found out. The next request must not be the one that does.
        go.clear()
        _until(lambda: all(visitor.resting for visitor in visitors))  # what was in flight lands
        private_postgres.ctl("-m", "fast", "restart")
        quiet_back = time.monotonic()
        go.set()
        _until(lambda: _count(answers, 302, since=quiet_back) >= 2 * THREADS)
    finally:
        stop.set()
        for visitor in visitors:
            visitor.join(timeout=40)
        _stop(server)
    log = (tmp_path / "gunicorn.log").read_text()[-3000:]

    before = [a for a in answers if a.at < down_from]
    during = [a for a in answers if down_from <= a.at < back_at]
    # Judged by when each request started: one sent while it was down may be answered later.
    after = [a for a in answers if a.started >= back_at]
    after_quiet = [a for a in answers if a.started >= quiet_back]
    assert after_quiet and {a.status for a in after_quiet} <= {200, 302}, (
        [(a.status, a.body[:300]) for a in after_quiet if a.status >= 400][:2])
    assert before and after, f"too few answers: {len(answers)}\n{log}"
    assert {a.status for a in before} <= {200, 302}, [a for a in before if a.status >= 400][:1]
    assert {a.status for a in after} <= {200, 302}, ([a for a in after if a.status >= 400][:1], log)
    failed = [a for a in answers if a.status not in (200, 302)]
    assert failed, "the restart was not felt: nothing failed while the database was down"
    assert all(a.status == 503 for a in failed), [(a.status, a.path) for a in failed][:5]
    for answer in failed:  # a calm page in Kith's words, never a traceback
        assert "Kith is catching up" in answer.body and "Traceback" not in answer.body
    assert all(a.at >= down_from and a.started < back_at for a in failed)
    assert len(during) >= 1

    counts = json.loads(_django(CHECK, env))
    sent = sum(1 for a in answers if a.method == "POST" and a.status == 302)
    assert sent, "no ask for help went through"
    assert counts["without_event"] == counts["without_callback"] == 0, counts
    assert counts["audited"] == counts["requests"], counts
    # Each accepted ask is one request; an ask that met the outage saved all of itself or
    # nothing (at most, it committed just before the connection went).
    posts_failed = sum(1 for a in failed if a.method == "POST")
    assert sent <= counts["requests"] <= sent + posts_failed, (sent, counts)
