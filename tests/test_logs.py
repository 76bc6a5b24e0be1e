"""Logs keep paths: no query strings (postcodes people searched for), no tokens."""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import URLResolver, get_resolver, reverse

from kith.core.logs import HIDDEN, ScrubFilter, loggable

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "Zm9vYmFyLXNlY3JldC10b2tlbg"


@pytest.mark.parametrize("line, logged", [
    ("GET /find/?q=W10+5NW HTTP/1.1", "GET /find/ HTTP/1.1"),
    (f"GET /invite/{TOKEN}/ HTTP/1.1", f"GET /invite/{HIDDEN}/ HTTP/1.1"),
    (f"Not Found: /invite/{TOKEN}/", f"Not Found: /invite/{HIDDEN}/"),
    (f"/accounts/login/?next=/invite/{TOKEN}/", "/accounts/login/"),
    (f"https://kith.example.org/invite/{TOKEN}/?x=1#top", f"https://kith.example.org/invite/{HIDDEN}/"),
    ("/accounts/password/reset/key/1a-5x3-0f9e1a/", f"/accounts/password/reset/key/{HIDDEN}/"),
    ("/api/groups?postcode=W10%205NW", "/api/groups"),
    ("Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0", "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0"),
    ("/volunteer/tasks/ACD-EFH/", "/volunteer/tasks/ACD-EFH/"),
])
def test_it_keeps_the_path_and_drops_the_rest(line, logged):
    assert loggable(line) == logged


SECRET_ARGS = {"token": TOKEN, "key": "k3y-" + TOKEN, "uidb36": "zz9"}


def _secret_urls(resolver=None, namespace=()):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _secret_urls(entry, namespace + ((entry.namespace,) if entry.namespace else ()))
        elif entry.name and set(entry.pattern.regex.groupindex) & set(SECRET_ARGS):
            yield ":".join(namespace + (entry.name,)), list(entry.pattern.regex.groupindex)


def test_it_masks_the_secret_in_every_url_that_carries_one():
    """A new URL with a token, key or uid in its path must be added to SECRET_PREFIXES."""
    found = list(_secret_urls())
    assert {name for name, _ in found} >= {"groups:invitation_accept",
                                           "account_reset_password_from_key"}
    for name, args in found:
        url = reverse(name, kwargs={arg: SECRET_ARGS[arg] for arg in args})
        assert TOKEN not in loggable(url) and "zz9" not in loggable(url), name


@pytest.mark.django_db
def test_it_keeps_an_invitations_token_out_of_djangos_log(client):
    """Django logs every 4xx with its path: before, an unknown invitation's token was in it."""
    (console,) = [h for h in logging.getLogger().handlers
                  if any(isinstance(f, ScrubFilter) for f in h.filters)]
    written = io.StringIO()
    old = console.setStream(written)
    try:
        assert client.get(f"/invite/{TOKEN}/?next=/find/?q=W10+5NW").status_code == 404
    finally:
        console.setStream(old)
    assert f"Not Found: /invite/{HIDDEN}/" in written.getvalue()
    assert TOKEN not in written.getvalue()


def _gunicorn_line(logger_class, environ, headers):
    from gunicorn.config import Config

    config = Config()
    config.set("accesslog", "-")
    logger = logger_class(config)
    response = SimpleNamespace(status="302 Found", sent=0,
                               headers=[("Location", f"/accounts/login/?next=/invite/{TOKEN}/")])
    request = SimpleNamespace(headers=headers)
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=12))
    line = config.access_log_format % atoms
    # Whatever an operator's --access-logformat names: the path, query, headers, environ.
    custom = "%(U)s %(q)s %({referer}i)s %({location}o)s %({raw_uri}e)s %({query_string}e)s"
    return line + " " + custom % atoms


def test_it_keeps_queries_and_tokens_out_of_gunicorns_access_log():
    from gunicorn.glogging import Logger

    from kith.core.access_log import AccessLogger

    referer = f"https://kith.example.org/invite/{TOKEN}/"
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/invite/{TOKEN}/?from=W10+5NW",
               "PATH_INFO": f"/invite/{TOKEN}/", "QUERY_STRING": "from=W10+5NW",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "HTTP_REFERER": referer, "HTTP_USER_AGENT": "Mozilla/5.0"}
    headers = [("REFERER", referer)]
    before = _gunicorn_line(Logger, environ, headers)
    assert TOKEN in before and "W10" in before  # gunicorn's own logger writes them
    after = _gunicorn_line(AccessLogger, environ, headers)
    assert TOKEN not in after and "W10" not in after
    assert f'"GET /invite/{HIDDEN}/ HTTP/1.1" 302' in after


def test_it_runs_gunicorn_with_that_logger_in_the_demo_and_the_deploy_guide():
    flag = "--logger-class kith.core.access_log.AccessLogger"
    assert flag in (ROOT / "Makefile").read_text()
    assert flag in (ROOT / "docs/DEPLOY.md").read_text()


@pytest.mark.parametrize("method, path", [
    ("POST", "/groups/golborne-road/concern/"),
    ("GET", "/groups/golborne-road/concern"),  # typed from a poster: answered by a redirect
    ("GET", "/groups/golborne-road/concern/sent/"),
    ("POST", "/g/golborne-road/safeguarding/report/"),
    ("GET", "/g/golborne-road/safeguarding/report/sent/"),
])
def test_safeguarding_reports_leave_no_line_in_gunicorns_access_log(method, path, capsys):
    from gunicorn.config import Config

    from kith.core.access_log import AccessLogger

    config = Config()
    config.set("accesslog", "-")
    logger = AccessLogger(config)
    response = SimpleNamespace(status="302 Found", sent=0, headers=[])
    request = SimpleNamespace(headers=[])
    environ = {"REQUEST_METHOD": method, "RAW_URI": path, "PATH_INFO": path, "QUERY_STRING": "",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.9"}
    logger.access(response, request, environ, timedelta(milliseconds=12))
    other = {**environ, "PATH_INFO": "/find/", "RAW_URI": "/find/"}
    logger.access(response, request, other, timedelta(milliseconds=12))
    written = capsys.readouterr().out
    assert "/find/" in written  # other pages are logged as before
    assert "concern" not in written and "report" not in written
    assert written.count("203.0.113.9") == 1


@pytest.mark.parametrize("referer", [
    "http://localhost:8461/groups/golborne-road/concern/",
    "https://kith.example.org/groups/golborne-road/concern/sent/",
    "https://kith.example.org/g/golborne-road/safeguarding/report/?request=KT9-XYP",
    "/g/golborne-road/safeguarding/report/sent/",
])
def test_a_request_from_a_report_page_is_logged_without_its_referer(referer, capsys):
    """The report page's stylesheet and the page visited after it keep their line, but not
    the Referer that would put the visitor's address next to the report (review M, S1)."""
    from gunicorn.config import Config

    from kith.core.access_log import AccessLogger

    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format",
               '%(h)s "%(r)s" "%(f)s" %({referer}i)s %({http_referer}e)s')
    logger = AccessLogger(config)
    response = SimpleNamespace(status="200 OK", sent=0, headers=[])
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/static/kith/kith.css",
               "PATH_INFO": "/static/kith/kith.css", "QUERY_STRING": "",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.9",
               "HTTP_REFERER": referer}
    logger.access(response, SimpleNamespace(headers=[("REFERER", referer)]), environ,
                  timedelta(milliseconds=3))
    other = "https://kith.example.org/groups/golborne-road/"
    logger.access(response, SimpleNamespace(headers=[("REFERER", other)]),
                  {**environ, "HTTP_REFERER": other}, timedelta(milliseconds=3))
    first, second = capsys.readouterr().out.splitlines()
    assert "/static/kith/kith.css" in first and "203.0.113.9" in first
    assert "concern" not in first and "report" not in first
    assert '"-" - -' in first
    assert second.count("/groups/golborne-road/") == 3  # any other Referer is kept


def _nginx_block() -> str:
    text = (ROOT / "docs/DEPLOY.md").read_text()
    return text.split("```nginx", 1)[1].split("```", 1)[0]


@pytest.mark.parametrize("path", [
    "/groups/golborne-road/concern/", "/groups/golborne-road/concern",
    "/groups/golborne-road/concern/sent/",
    "/g/golborne-road/safeguarding/report/", "/g/golborne-road/safeguarding/report/sent/",
])
def test_deploy_guides_nginx_keeps_no_line_for_the_report_pages(path):
    """Every access_log in DEPLOY.md's nginx block logs only where `$kith_log_it` is 1, and
    the map sets it to 0 for the report pages (the same paths gunicorn's logger skips)."""
    import re

    from kith.core.access_log import is_unlogged

    block = _nginx_block()
    logs = re.findall(r"^\s*access_log\s+([^;]+);", block, re.M)
    assert logs and all(line.endswith("if=$kith_log_it") for line in logs)
    mapped = block.split("map $uri $kith_log_it {", 1)[1].split("}", 1)[0]
    patterns = re.findall(r"^\s*~(\S+)\s+0;", mapped, re.M)
    assert is_unlogged(path)
    assert any(re.match(pattern, path) for pattern in patterns)
    assert not any(re.match(pattern, "/groups/golborne-road/") for pattern in patterns)
    assert not any(re.match(pattern, "/groups/golborne-road/concerned/") for pattern in patterns)
    # nginx's error log names the client too: nothing from these pages goes to it.
    quiet = re.search(r"location ~ (\S+) \{([^}]*)\}", block)
    assert quiet and re.match(quiet.group(1), path)
    assert "error_log /dev/null;" in quiet.group(2)


def _record(status_code: int) -> logging.LogRecord:
    try:
        raise RuntimeError("refused")
    except RuntimeError:
        import sys

        return logging.makeLogRecord({"msg": "Forbidden: /g/x/", "status_code": status_code,
                                      "exc_info": sys.exc_info()})


def test_a_refused_page_is_one_line_and_a_real_error_keeps_its_traceback():
    """403s are Kith working as meant; their tracebacks buried the 500s that matter."""
    refused, broken = _record(403), _record(500)
    assert ScrubFilter().filter(refused) and ScrubFilter().filter(broken)
    assert refused.exc_info is None
    assert broken.exc_info is not None
