"""Two app servers, as docs/DEPLOY.md's "Many servers" runs them: each its own gunicorn and its
own var/, the same database and the same keys, one Redis for the cache.

What must hold across them: a rate limit counted on one server holds on the other (else each
server added would raise every limit), and what one server writes the other reads. The Redis is
the test's own, on a free port of 127.0.0.1, stopped at the end; `.ci/run` installs
redis-server where it is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
API_LIMIT = 60  # directory.views.api_groups: 60 a minute per address

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="no redis-server: apt-get install redis-server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen) -> None:
    for _ in range(150):
        if process.poll() is not None:
            raise RuntimeError(f"the process on port {port} stopped with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered on port {port}")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture
def redis_url():
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 (our own redis, fixed arguments, loopback only)
        [shutil.which("redis-server") or "redis-server", "--port", str(port),
         "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port, server)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(server)


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    where = f"{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}"
    return f"postgres://{s.get('USER') or 'postgres'}@{where}/{s['NAME']}"


@pytest.fixture
def two_servers(tmp_path, redis_url):
    """Two gunicorns on the test's own database (committed rows: transaction=True)."""
    servers, bases = [], []
    try:
        for name in ("a", "b"):
            port = _free_port()
            var_dir = tmp_path / f"server-{name}"
            var_dir.mkdir()
            env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
                   "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
                   "KITH_VAR_DIR": str(var_dir), "DATABASE_URL": _database_url(),
                   "CACHE_URL": redis_url}
            server = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
                [sys.executable, "-m", "gunicorn", "kith.wsgi", "--bind", f"127.0.0.1:{port}",
                 "--workers", "1"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                stderr=(var_dir / "gunicorn.log").open("w"))
            servers.append(server)
            _wait_for(port, server)
            bases.append(f"http://127.0.0.1:{port}")
        yield bases
    finally:
        for server in servers:
            _stop(server)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 (http://127.0.0.1 only)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.django_db(transaction=True)
def test_a_rate_limit_holds_across_two_servers_sharing_redis(two_servers):
    a, b = two_servers
    # The limit counts in fixed minutes of the clock: start early in one, so all 61 fall in it.
    if (left := 60 - time.time() % 60) < 30:
        time.sleep(left + 0.5)
    answers = [_get(f"{(a, b)[i % 2]}/api/groups")[0] for i in range(API_LIMIT)]
    assert answers == [400] * API_LIMIT  # no postcode given: each counted, none refused
    # Thirty tries on each server: separate caches would let both take thirty more.
    status, body = _get(f"{b}/api/groups")
    assert status == 429 and "at most 60 a minute" in body
    assert _get(f"{a}/api/groups")[0] == 429


@pytest.mark.django_db(transaction=True)
def test_each_server_reads_the_shared_database_and_keeps_no_cache_of_its_own(tmp_path, two_servers,
                                                                            street):
    a, b = two_servers
    for base in (a, b):
        status, body = _get(f"{base}/groups/{street.slug}/")
        assert status == 200 and street.name in body
        assert _get(f"{base}/healthz")[0] == 200
    _get(f"{a}/api/groups")
    # Neither server made a file cache in its var/: the counters live in the shared Redis.
    assert not any((tmp_path / f"server-{name}" / "cache").exists() for name in "ab")
