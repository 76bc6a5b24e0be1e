"""Races on PostgreSQL: many people pressing the same button at the same moment.

Real threads, each with its own database connection, released together by a barrier.
SQLite serialises writers, so these run only where DATABASE_URL points at PostgreSQL
(`.ci/run` runs the suite there too).
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from kith.requests import callbacks, services
from kith.requests.intake import Contact, Need, take_request
from kith.requests.lifecycle import IllegalMove, replay
from kith.requests.models import Assignment, Callback
from tests.factories import MembershipFactory, PersonFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL: SQLite lets one writer in at a time"),
]

THREADS = 16
CALLBACKS = 20


def _together(work, n: int) -> list:
    """Run work(i) in n threads released at once; return what each returned or raised."""
    barrier = threading.Barrier(n, timeout=30)
    results: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects every outcome
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread never finished"
    return results


def _call_handlers(group, n: int) -> list:
    people = []
    for i in range(n):
        person = PersonFactory(email=f"handler{i}@example.org")
        MembershipFactory(person=person, group=group, is_call_handler=True)
        people.append(person)
    return people


def test_each_callback_is_held_by_exactly_one_of_many_claimants(street):
    handlers = _call_handlers(street, THREADS)
    items = [take_request(street, channel="web", need=Need(service="shopping"),
                          contact=Contact(name=f"Resident {i}", phone=f"+4479111{i:05d}"))
             .request.callbacks.get() for i in range(CALLBACKS)]

    def grab_everything(i: int) -> list[int]:
        return [cb.pk for cb in items if callbacks.claim(cb, handlers[i])]

    results = _together(grab_everything, THREADS)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    won = Counter(pk for claimed in results for pk in claimed)
    assert sorted(won) == sorted(cb.pk for cb in items)
    assert set(won.values()) == {1}, "a callback was claimed by two people"
    holders = dict(Callback.objects.values_list("pk", "claimed_by"))
    for i, claimed in enumerate(results):
        assert all(holders[pk] == handlers[i].pk for pk in claimed)


def test_only_one_of_many_coordinators_assigns_a_request(street, priya, tom):
    coordinators = []
    for i in range(THREADS):
        person = PersonFactory(email=f"coord{i}@example.org")
        MembershipFactory(person=person, group=street, is_coordinator=True)
        coordinators.append(person)
    req = take_request(street, channel="phone", triage=True, acting_user=priya,
                       contact=Contact(name="Mrs Ahmed", phone="+447911123456"),
                       need=Need(service="shopping")).request

    results = _together(lambda i: services.assign(req, tom, actor=coordinators[i],
                                                  reason=f"Coordinator {i} chose him"), THREADS)
    wins = [r for r in results if isinstance(r, Assignment)]
    losses = [r for r in results if isinstance(r, IllegalMove)]
    assert len(wins) == 1 and len(losses) == THREADS - 1, results
    req.refresh_from_db()
    assert req.state == "assigned" and req.assignments.count() == 1
    assert replay(list(req.events.values_list("action", "from_state", "to_state"))) == "assigned"


def test_one_attempt_closes_a_callback_however_many_submit(street):
    handlers = _call_handlers(street, 2)
    cb = take_request(street, channel="web", need=Need(service="shopping"),
                      contact=Contact(name="Joan", phone="+447911123456")).request.callbacks.get()
    assert callbacks.claim(cb, handlers[0])

    # The same person's double-click, eight times over: one attempt, one outcome.
    results = _together(lambda i: callbacks.log_attempt(cb, by=handlers[0], outcome="reached"), 8)
    assert sum(not isinstance(r, Exception) for r in results) == 1, results
    assert all(isinstance(r, IllegalMove) for r in results if isinstance(r, Exception))
    cb.refresh_from_db()
    assert cb.outcome == "reached" and cb.attempts.count() == 1
