"""A long address gets Kith's own page, never gunicorn's bare "Request-URI Too Long".

gunicorn's default request line (4,094 bytes) answered a long search with its own page, which
has no language, no heading and no landmark (axe fails it). The Makefile and DEPLOY.md now let
lines up to gunicorn's largest bounded limit through, and Kith answers anything longer than it
reads with its own 414 page.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.urls import reverse

from kith.core.middleware import MAX_ADDRESS

ROOT = Path(__file__).resolve().parents[1]


def _makefile_limit() -> int:
    found = re.search(r"^LIMIT_REQUEST_LINE := (\d+)$", (ROOT / "Makefile").read_text(), re.M)
    assert found, "the Makefile sets gunicorn's --limit-request-line"
    return int(found.group(1))


@pytest.mark.django_db
def test_kith_answers_an_over_long_address_with_its_own_page(client):
    response = client.get(reverse("directory:find"), {"q": "x" * MAX_ADDRESS})
    page = response.content.decode()
    assert response.status_code == 414
    assert '<html lang="en-GB">' in page and "<main" in page
    assert "<h1>That address is too long</h1>" in page


@pytest.mark.django_db
def test_a_long_search_below_the_limit_is_answered_as_usual(client):
    response = client.get(reverse("directory:find"), {"q": "x" * 5000})
    assert response.status_code == 200


def test_the_servers_let_every_address_kith_reads_through():
    request_line = len("GET ") + MAX_ADDRESS + len(" HTTP/1.1")
    assert _makefile_limit() >= request_line
    assert f"--limit-request-line {_makefile_limit()}" in (ROOT / "docs" / "DEPLOY.md").read_text()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 (http://127.0.0.1 only)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_gunicorn_as_the_makefile_runs_it_lets_kith_answer(tmp_path):
    """The real server, on 127.0.0.1 only, for a few requests."""
    port = _free_port()
    # Its own throwaway SQLite file (healthz only asks the database for SELECT 1).
    env = {**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
           "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT),
           "KITH_VAR_DIR": str(tmp_path)}
    server = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
        [sys.executable, "-m", "gunicorn", "kith.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--limit-request-line", str(_makefile_limit())],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        status, body = _get(f"{base}/healthz?pad={'x' * 6000}")
        assert status == 200 and '"ok": true' in body  # gunicorn's default refused this
        status, body = _get(f"{base}/healthz?pad={'x' * (MAX_ADDRESS + 10)}")
        assert status == 414 and "That address is too long" in body
    finally:
        server.terminate()
        server.wait(timeout=20)
