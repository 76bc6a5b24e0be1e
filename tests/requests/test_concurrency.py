"""Real concurrency on PostgreSQL: many threads, each with its own connection, at once.

SQLite runs every write transaction one after another (transaction_mode IMMEDIATE), so races
cannot happen there and these tests are skipped. On PostgreSQL they prove that a claim is
won by exactly one person, that a request moves once however many hands reach for it, that
overlapping sweeps do everything once, and they pin down the races that are still open.

Every thread waits at a Barrier so they start together, closes its own connection at the end,
and every wait has a timeout, so a deadlock fails the test instead of hanging it.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.requests import callbacks, intake, lifecycle, moves, series, services, sweeps
from kith.requests.intake import Contact, Need, take_request
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import Assignment, Callback, HelpRequest, RequestEvent, Series
from kith.requests.moves import NotAllowed
from tests.conftest import _member
from tests.requests.conftest import clear_to_help

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (DATABASE_URL=postgres://...): SQLite runs writers one at a time, "
           "so there is no race to test")

JOIN_TIMEOUT = 60


def together(n: int, work, *, barrier_timeout: float = 30):
    """Run work(k) in n threads released at once; return (results, errors), one slot each."""
    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list = [None] * n

    def run(k):
        try:
            barrier.wait(timeout=barrier_timeout)
            results[k] = work(k)
        except BaseException as exc:  # noqa: BLE001 - every failure is reported by the test
            errors[k] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(k,), daemon=True) for k in range(n)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + JOIN_TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.1, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "threads still running: a deadlock?"
    return results, errors


def only_refusals(errors):
    """Every error is a plain refusal, never a database error or a crash."""
    unexpected = [e for e in errors if e is not None and not isinstance(e, IllegalMove | NotAllowed)]
    assert not unexpected, unexpected


def ask(group, phone, *, channel="web", acting_user=None):
    """Shopping, help at the door: with an address, so it can be assigned (visits.py)."""
    return take_request(group, channel=channel, acting_user=acting_user,
                        triage=channel == "phone",
                        contact=Contact(name="Mrs Ahmed", phone=phone, postcode_sector="W10 5",
                                        address="14 Golborne Road"),
                        need=Need(service="shopping"))


def replays(req) -> bool:
    req.refresh_from_db()
    rows = list(req.events.values_list("action", "from_state", "to_state"))
    return lifecycle.replay(rows) == req.state


def uk_mobile(n: int) -> str:
    return f"+4479111{n:05d}"


@pytest.fixture
def ann(street, priya):
    return clear_to_help(_member(street, "ann@example.org", "Ann Lee", volunteer=True), street,
                         coordinator=priya)


# --- the callback queue ------------------------------------------------------------------------

def test_each_callback_is_claimed_by_exactly_one_of_many_handlers(transactional_db, street, priya):
    handlers = [_member(street, f"handler{k}@example.org", f"Handler {k}", call_handler=True)
                for k in range(16)]
    items = [ask(street, uk_mobile(k)).request.callbacks.get() for k in range(20)]
    now = timezone.now()

    def grab_everything(k):
        mine = []
        order = items[:]
        random.Random(k).shuffle(order)
        for item in order:
            if callbacks.claim(item, handlers[k], now=now):
                mine.append(item.pk)
        return mine

    results, errors = together(len(handlers), grab_everything)
    assert errors == [None] * len(handlers)
    won = [pk for mine in results for pk in mine]
    assert sorted(won) == sorted(item.pk for item in items)  # each one once, none twice
    for k, mine in enumerate(results):
        for pk in mine:
            assert Callback.objects.get(pk=pk).claimed_by == handlers[k]
    assert AuditEvent.objects.filter(action="kith.callback.claimed").count() == len(items)


def test_one_call_logged_once_however_many_tries_at_once(transactional_db, street, sam):
    item = ask(street, uk_mobile(1)).request.callbacks.get()
    now = timezone.now()
    assert callbacks.claim(item, sam, now=now)

    results, errors = together(8, lambda k: callbacks.log_attempt(
        item, by=sam, outcome="reached", now=now))
    only_refusals(errors)
    assert sum(r is not None for r in results) == 1
    item.refresh_from_db()
    assert item.outcome == "reached" and item.attempts.count() == item.attempts_made == 1


# --- moves -------------------------------------------------------------------------------------

def test_a_request_is_assigned_once_and_completed_once(transactional_db, street, priya, tom):
    req = ask(street, uk_mobile(1)).request
    services.transition(req, "triage", actor=priya)
    services.transition(req, "start_matching", actor=priya)

    results, errors = together(12, lambda k: services.assign(
        req, tom, actor=priya, reason=f"Hand {k}"))
    only_refusals(errors)
    assert sum(isinstance(e, IllegalMove) for e in errors) == 11
    assert sum(r is not None for r in results) == 1
    assert Assignment.objects.filter(request=req).count() == 1

    results, errors = together(12, lambda k: services.complete(req, actor=tom))
    only_refusals(errors)
    assert sum(r is not None for r in results) == 1
    req.refresh_from_db()
    assert req.state == lifecycle.DONE and replays(req)
    assert [a for a, in req.events.values_list("action")].count("complete") == 1
    assert Callback.objects.filter(request=req, kind=Callback.Kind.CHECK_UP).count() == 1


def _held(street, priya, tom):
    req = ask(street, uk_mobile(random.randrange(10**5))).request
    services.transition(req, "triage", actor=priya)
    services.transition(req, "start_matching", actor=priya)
    services.assign(req, tom, actor=priya, reason="Nearby")
    return req


def test_rival_endings_of_a_held_task_make_exactly_one_move(transactional_db, street, priya, tom,
                                                            ann):
    """Done, handed back, taken off: after any one of them none of the others is possible."""
    req = _held(street, priya, tom)
    hands = [
        lambda: services.complete(req, actor=tom),
        lambda: services.hand_back(req, actor=tom, note="Ill"),
        lambda: services.unassign(req, actor=priya, note="Wrong person"),
        lambda: services.complete(req, actor=priya),
        lambda: services.complete(req, actor=ann),  # not hers: always refused
    ] * 3

    results, errors = together(len(hands), lambda k: hands[k]())
    only_refusals(errors)
    assert sum(r is not None for r in results) == 1
    req.refresh_from_db()
    moves = [a for a, in req.events.values_list("action") if a in lifecycle.MOVES]
    assert len(moves) == 4 and replays(req)  # triage, start_matching, assign, and one more
    assert not Assignment.objects.filter(request=req, ended_at__isnull=True).exists()


def test_a_free_for_all_on_a_held_task_leaves_a_history_that_replays(
        transactional_db, street, priya, sam, tom, ann):
    req = _held(street, priya, tom)
    hands = [
        lambda: services.complete(req, actor=tom),
        lambda: services.hand_back(req, actor=tom, note="Ill"),
        lambda: services.unassign(req, actor=priya, note="Wrong person"),
        lambda: services.transition(req, "cancel", actor=sam, note="Not needed"),
        lambda: services.transition(req, "hold", actor=priya, note="Away"),
        lambda: services.transition(req, "escalate", actor=sam, note="Worried"),
        lambda: services.start(req, actor=tom),
        lambda: services.assign(req, ann, actor=priya, reason="Free"),
    ] * 2

    results, errors = together(len(hands), lambda k: hands[k]())
    only_refusals(errors)
    req.refresh_from_db()
    moves = [a for a, in req.events.values_list("action") if a in lifecycle.MOVES]
    # Every success is one move on the timeline, and every move was legal when it was made.
    assert len(moves) - 3 == sum(r is not None for r in results) >= 1
    assert replays(req)
    audited = AuditEvent.objects.filter(object_type="requests.helprequest", object_id=str(req.pk),
                                        action__in=[f"kith.request.{m}" for m in lifecycle.MOVES])
    assert audited.count() == len(moves)
    open_assignments = Assignment.objects.filter(request=req, ended_at__isnull=True).count()
    assert open_assignments == (1 if req.state in lifecycle.HELD else 0)


# --- the sweep ---------------------------------------------------------------------------------

def test_overlapping_sweeps_do_everything_once(transactional_db, street, priya, tom, mrs_ahmed):
    tasks = []
    for k in range(4):
        req = ask(street, uk_mobile(k)).request
        services.transition(req, "triage", actor=priya)
        services.transition(req, "start_matching", actor=priya)
        tasks.append(services.assign(req, tom, actor=priya, reason="Nearby"))
    regulars = [series.start_series(street, resident=mrs_ahmed, service="shopping",
                                    cadence=Series.Cadence.WEEKLY,
                                    first_date=timezone.localdate() + timedelta(days=k),
                                    volunteer=tom, actor=priya) for k in range(3)]
    late = max(t.due_by for t in tasks) + timedelta(minutes=1)

    _, errors = together(6, lambda k: sweeps.tick(now=late))  # the reminders
    assert errors == [None] * 6
    for task in tasks:
        assert list(task.request.events.values_list("action", flat=True)).count("reminder_sent") == 1
    # Each series has each visit up to a week past "now" exactly once, as one sweep would.
    horizon = timezone.localdate(late) + series.LOOKAHEAD
    for regular in regulars:
        first = timezone.localdate(regular.occurrences.earliest("created_at").needed_by)
        days = sorted(timezone.localdate(d) for d in
                      regular.occurrences.values_list("needed_by", flat=True))
        expected = [first + timedelta(days=7 * w) for w in range(5)
                    if first + timedelta(days=7 * w) <= horizon]
        assert days == expected

    _, errors = together(6, lambda k: sweeps.tick(now=late + timedelta(days=1)))  # the releases
    assert errors == [None] * 6
    for task in tasks:
        req = HelpRequest.objects.get(pk=task.request_id)
        assert req.state == lifecycle.MATCHING and replays(req)
        assert list(req.events.values_list("action", flat=True)).count("release") == 1


# --- intake ------------------------------------------------------------------------------------

def test_different_callers_at_once_each_get_their_own_request(transactional_db, street, sam):
    results, errors = together(8, lambda k: ask(street, uk_mobile(k)))
    assert errors == [None] * 8
    assert len({r.request.pk for r in results}) == 8
    assert len({r.request.reference for r in results}) == 8
    assert Callback.objects.count() == 8


def test_the_same_number_twice_at_once_makes_one_request(transactional_db, street, monkeypatch):
    """Deterministic: both lookups are made before either request is written, unless intake
    holds a lock across lookup and write (then the second waits, the meeting times out, and it
    finds the first request)."""
    meet = threading.Barrier(2)
    real = intake.open_request_from

    def looked_up_together(*args, **kwargs):
        found = real(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            meet.wait(timeout=3)
        return found

    monkeypatch.setattr(intake, "open_request_from", looked_up_together)
    results, errors = together(2, lambda k: ask(street, uk_mobile(1)))
    assert errors == [None, None]
    assert HelpRequest.objects.count() == 1
    assert sorted(r.linked for r in results) == [False, True]
    assert street.residents.count() == 1 and Callback.objects.count() == 1


def _someone_waits_on_a_lock(timeout: float = 10.0) -> bool:
    """Poll PostgreSQL until another session of this database waits on a row lock (bounded)."""
    from django.db import connection as here

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with here.cursor() as cursor:
            # Inside a transaction the activity view is a snapshot: refresh it each time.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                           " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.02)
    return False


def test_a_call_logged_while_the_request_is_cancelled_never_deadlocks(
        transactional_db, street, sam, priya, monkeypatch):
    req = ask(street, uk_mobile(1)).request
    item = req.callbacks.get()
    now = timezone.now()
    assert callbacks.claim(item, sam, now=now)
    locked = threading.Event()
    real_purposeless = moves.purposeless_callbacks

    def slow_purposeless(*args, **kwargs):
        locked.set()  # the request is locked and moved; withdrawing its calls is next
        # Go on only once the call handler's log_attempt is blocked on a lock: in the old lock
        # order it held the call and waited for the request, and withdrawing then deadlocked.
        assert _someone_waits_on_a_lock(), "log_attempt never reached a lock"
        return real_purposeless(*args, **kwargs)

    monkeypatch.setattr(moves, "purposeless_callbacks", slow_purposeless)

    def hands(k):
        if k == 0:
            return services.transition(req, "cancel", actor=priya, note="Family are helping")
        assert locked.wait(timeout=10)
        return callbacks.log_attempt(item, by=sam, outcome="reached", now=now)

    _, errors = together(2, hands)
    only_refusals(errors)
    req.refresh_from_db()
    item.refresh_from_db()
    assert req.state == lifecycle.CANCELLED and replays(req)
    assert item.outcome in {"reached", "withdrawn"}


def test_a_move_does_not_lock_the_whole_group(transactional_db, street, priya):
    """Two coordinators moving two different requests of one group must not queue behind each
    other: moves.locked() must lock the request's row, not the group's and the resident's too."""
    first, second = ask(street, uk_mobile(1)).request, ask(street, uk_mobile(2)).request
    inside = threading.Event()
    release = threading.Event()
    real_move = services.make_move

    def slow_move(req, action, **kwargs):
        moved = real_move(req, action, **kwargs)
        if req.pk == first.pk:
            inside.set()
            release.wait(timeout=3)
        return moved

    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(services, "make_move", slow_move)
    try:
        def hands(k):
            if k == 0:
                return services.transition(first, "triage", actor=priya)
            assert inside.wait(timeout=10)
            started = time.monotonic()
            services.transition(second, "triage", actor=priya)
            waited = time.monotonic() - started
            release.set()
            return waited

        results, errors = together(2, hands, barrier_timeout=10)
    finally:
        release.set()
        monkeypatch.undo()
    assert errors == [None, None]
    assert results[1] < 1.0, f"the second request waited {results[1]:.1f}s for the first's lock"
    assert RequestEvent.objects.filter(action="triage").count() == 2
