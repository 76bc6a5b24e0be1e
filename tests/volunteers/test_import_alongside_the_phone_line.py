"""A big import must never make the phone line fail: missed calls posted while Priya imports.

Sam and other call handlers note missed calls from several threads, each with its own database
connection, while Priya's import writes. The test database is a file (tests/settings.py), so the
threads meet the same locking as gunicorn's workers and `kith import` do: on SQLite one writer
at a time, the others queue (WAL, a busy timeout, immediate transactions) instead of failing.

The posts start when the import has committed its first batch, and the import goes on only once
each thread has landed one post: so the phone line has to get in while an import is under way,
and the threads' other posts race the import's next batches. Correctness only: speed is
measured by bench/sqlite_contention.py, never here.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from kith.accounts.models import Person
from kith.core.digest import phone_digest
from kith.core.models import AuditEvent
from kith.core.phones import normalise_uk_phone
from kith.requests.models import Callback
from kith.volunteers.importing import adapter
from tests.conftest import _member

THREADS = 6
POSTS_EACH = 3
ROWS = 400
ROWS_PER_COMMIT = 100  # four batches, so the posts meet the import between and during them
WAIT = 60  # seconds: a thread stuck behind a lock fails the test instead of hanging it

_TEST_NAME = connection.settings_dict.get("TEST", {}).get("NAME")
pytestmark = pytest.mark.skipif(
    connection.vendor == "sqlite"
    and (not _TEST_NAME or connection.creation.is_in_memory_db(_TEST_NAME)),
    reason="needs a file test database (tests/settings.py): SQLite's shared in-memory one locks "
           "whole tables and never waits")


def sheet(rows: int) -> bytes:
    lines = ["Name,Email,Phone,Postcode,Services"]
    lines += [f"Person {i},person{i}@example.org,07911 {200000 + i},W10 5NW,Shopping"
              for i in range(rows)]
    return "\n".join(lines).encode()


def phone(thread: int, post: int) -> str:
    return f"07911 29{thread:02d}{post:02d}"


def caller(thread: int, post: int) -> str:
    return f"Caller {thread}-{post}"


def test_it_lets_missed_calls_in_while_a_big_import_commits(transactional_db, street, priya, sam,
                                                            monkeypatch):
    monkeypatch.setattr(adapter, "ROWS_PER_COMMIT", ROWS_PER_COMMIT)
    url = reverse("requests:missed_call", args=[street.slug])
    handlers = [sam] + [_member(street, f"handler{k}@example.org", f"Handler {k}",
                                call_handler=True) for k in range(1, THREADS)]
    clients = []
    for handler in handlers:
        client = Client(raise_request_exception=False)  # a 500 is counted, as a caller meets it
        client.force_login(handler)
        clients.append(client)
    import_started = threading.Event()
    first_posts = threading.Barrier(THREADS + 1)  # the threads and the import
    failures: list[str] = []

    def note_missed_calls(k: int) -> None:
        try:
            import_started.wait(timeout=WAIT)
            for i in range(POSTS_EACH):
                response = clients[k].post(url, {"phone": phone(k, i), "caller_name": caller(k, i)})
                if response.status_code != 302:
                    failures.append(f"thread {k} post {i}: HTTP {response.status_code}")
                if i == 0:
                    first_posts.wait(timeout=WAIT)
        except Exception as exc:  # noqa: BLE001 - every failure is reported by the test
            failures.append(f"thread {k}: {type(exc).__name__}: {exc}")
        finally:
            connection.close()

    def after_each_batch(done: int, total: int) -> None:
        if not import_started.is_set():
            import_started.set()
            first_posts.wait(timeout=WAIT)  # the import goes on once every first post is in

    threads = [threading.Thread(target=note_missed_calls, args=(k,), daemon=True)
               for k in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        outcome = adapter.import_volunteers(sheet(ROWS), group=street, source="google_sheets",
                                            commit=True, acting_user=priya,
                                            write_progress=after_each_batch)
    finally:
        import_started.set()
        first_posts.abort()  # if the import failed early, nobody waits for it at the barrier
        for thread in threads:
            thread.join(timeout=WAIT)
    assert not any(t.is_alive() for t in threads), "a post never finished: stuck behind a lock?"

    assert failures == []
    # Every post landed, once.
    landed = sorted(Callback.objects.filter(kind=Callback.Kind.MISSED_CALL)
                    .values_list("caller_name", "phone_digest"))
    assert landed == sorted((caller(k, i), phone_digest(normalise_uk_phone(phone(k, i))))
                            for k in range(THREADS) for i in range(POSTS_EACH))
    # And the whole import too, in its batches, each with its audit row.
    assert outcome.saved.batches == ROWS // ROWS_PER_COMMIT
    assert Person.objects.filter(email__startswith="person").count() == ROWS
    assert street.memberships.filter(person__email__startswith="person").count() == ROWS
    assert AuditEvent.objects.filter(action="kith.volunteer.imported").count() == \
        ROWS // ROWS_PER_COMMIT


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own locking settings")
def test_it_opens_sqlite_so_that_writers_wait_their_turn(db):
    """The settings behind the test above, each checked on a real connection."""
    with connection.cursor() as cursor:
        journal = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        busy_ms = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
    assert journal == "wal"  # readers never wait for the one writer, nor it for them
    assert busy_ms >= 10_000  # a writer queues for seconds before "database is locked"
    # Every transaction takes the write lock at BEGIN: one that read first and wrote later
    # would fail at once, without waiting, if another had written in between.
    assert connection.transaction_mode == "IMMEDIATE"
