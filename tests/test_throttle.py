"""Rate limits count atomically, on the cache every worker shares.

Production's default is Django's file cache, whose own add() and incr() are a read and then a
write: tries arriving together read the same count. Here threads released together by a
Barrier stand in for gunicorn's workers (each opens its own lock file descriptor, just as
separate processes do); `python -m bench.throttle` does the same with real processes.
"""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from unittest import mock

import pytest
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from kith.core import throttle
from kith.requests import views_public
from kith.requests.models import HelpRequest
from tests.requests.test_public_intake import ASK

N = 30
LIMIT = 10


@pytest.fixture(autouse=True)
def one_window(monkeypatch):
    """Every try in these tests falls in one window, even when a test runs across the turn of
    the minute or the hour (the cache itself keeps the real clock)."""
    now = time.time()
    monkeypatch.setattr(throttle, "time", SimpleNamespace(time=lambda: now))
    return now


@pytest.fixture
def file_cache(tmp_path):
    """The production default: a file cache in a folder of its own."""
    backend = "django.core.cache.backends.filebased.FileBasedCache"
    with override_settings(CACHES={"default": {"BACKEND": backend, "LOCATION": str(tmp_path)}}):
        yield tmp_path


def together(n: int, work) -> list:
    """work(k) in n threads released at once by a Barrier; every result, or the error raised."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(k):
        try:
            barrier.wait(timeout=30)
            results[k] = work(k)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            results[k] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(k,), daemon=True) for k in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread never finished"
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results


def test_it_lets_exactly_the_limit_through_when_tries_arrive_together(file_cache):
    got = together(N, lambda k: throttle.take("test", "203.0.113.1", limit=LIMIT, seconds=3600))
    assert sum(1 for g in got if g is not None) == LIMIT
    assert sorted(g.count for g in got if g is not None) == list(range(1, LIMIT + 1))


def test_it_counts_every_hit_that_arrives_together(file_cache):
    visitor = RequestFactory().get("/", REMOTE_ADDR="203.0.113.2")
    together(N, lambda k: throttle.hit(visitor, "test", seconds=60))
    assert throttle.peek(visitor, "test", seconds=60) == N


def test_a_try_given_back_frees_its_place(file_cache):
    first = throttle.take("test", "someone", limit=1, seconds=3600)
    assert first is not None
    assert throttle.take("test", "someone", limit=1, seconds=3600) is None
    first.give_back()
    assert throttle.take("test", "someone", limit=1, seconds=3600) is not None


def test_an_hours_count_outlives_five_quiet_minutes(file_cache):
    """The file cache's own incr() stored the count with the cache's five-minute default."""
    visitor = RequestFactory().get("/", REMOTE_ADDR="203.0.113.3")
    for _ in range(3):
        throttle.hit(visitor, "test", seconds=3600)
    later = time.time() + 10 * 60  # the cache's clock, ten quiet minutes on (the window is held)
    with mock.patch("time.time", return_value=later):
        assert throttle.peek(visitor, "test", seconds=3600) == 3


@pytest.fixture
def intake_for_threads(monkeypatch):
    """On PostgreSQL each post records its request for real. SQLite's shared in-memory test
    database refuses concurrent writers ("database table is locked") rather than queueing
    them, so there the request is only noted, and the session kept in a signed cookie: what
    is under test is the count, which happens before either."""
    if connection.vendor != "sqlite":
        yield lambda: HelpRequest.objects.count()
        return
    taken = []

    def take_public_request(group, **kwargs):
        taken.append(kwargs)
        return SimpleNamespace(request=SimpleNamespace(reference="ACD-EFH"), linked=False), None

    monkeypatch.setattr(views_public, "take_public_request", take_public_request)
    with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies"):
        yield lambda: len(taken)


@pytest.mark.django_db(transaction=True)
def test_the_ask_form_takes_exactly_its_limit_when_posts_arrive_together(
        file_cache, street, monkeypatch, intake_for_threads):
    monkeypatch.setattr(views_public, "ASK_LIMIT", LIMIT)
    url = reverse("requests:ask", args=[street.slug])

    def post(k):
        return Client().post(url, {**ASK, "phone": f"07911 1{k:05d}"}).status_code

    statuses = together(N, post)
    assert statuses.count(302) == LIMIT, statuses
    assert statuses.count(429) == N - LIMIT
    assert intake_for_threads() == LIMIT
