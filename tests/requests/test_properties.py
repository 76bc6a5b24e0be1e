"""Random use of the real services against the database (a Hypothesis state machine).

Each example is a random sequence of what people and Kith do to help requests: requests come
in by web and phone (sometimes from the same number, sometimes from an excluded one), call
handlers and coordinators claim and work callbacks, coordinators assign, volunteers do tasks or
hand them back, people try moves they may not make, and the sweep runs on a moving clock.

Before each step the machine predicts from the lifecycle table and the roles table whether the
step is allowed; a refused step must raise IllegalMove or NotAllowed and change nothing at all.
After every step the invariants below must hold for every request and every callback.

Each example runs inside a savepoint that is rolled back at its end, so examples start clean.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from kith.core.digest import phone_digest
from kith.core.models import AuditEvent
from kith.groups.models import Group
from kith.groups.roles import PERMISSIONS
from kith.requests import callbacks, check_ups, exclusions, lifecycle, series, services, sweeps
from kith.requests.intake import Contact, Need, take_request
from kith.requests.lifecycle import MOVES, IllegalMove
from kith.requests.models import (
    Assignment,
    CallAttempt,
    Callback,
    Exclusion,
    HelpRequest,
    RequestEvent,
    RequestPolicy,
    Series,
)
from kith.requests.moves import NotAllowed
from kith.residents.models import Resident
from tests.conftest import _member, examples
from tests.requests.conftest import clear_to_help

PHONES = ["+447911123456", "+447911123457", "+447911123458", ""]
ROLES = {"priya": {"coordinator"}, "sam": {"call_handler"}, "tom": {"volunteer"},
         "ann": {"volunteer"}, "lee": {"volunteer"}}
CLEARED = {"tom", "ann"}  # Lee is a volunteer here but not approved: no task may go to him
SIMPLE_MOVES = ["triage", "start_matching", "hold", "resume", "cancel", "could_not_help",
                "escalate", "de_escalate", "close", "close_escalated"]
TASK_MOVES = ["start", "complete", "hand_back", "unassign"]
STATE_NAMES = {s for s, _ in lifecycle.STATES}
REFUSED = (IllegalMove, NotAllowed)
# Some residents never give an address (a web form asks only for a phone): shopping, help at
# the door, cannot be assigned to them until one is added.
ADDRESSES = ["14 Golborne Road", "", "14 Golborne Road"]

picks = st.integers(min_value=0, max_value=10_000)
notes = st.sampled_from(["", "  ", "Resident asked us to"])
anyone = st.sampled_from(sorted(ROLES))
workers = st.sampled_from(["sam", "priya"])
queue_people = st.sampled_from(["sam", "priya", "tom"])  # Tom may not work the queue
attempt_outcomes = st.sampled_from(["reached", "reached", "no_answer", "voicemail",
                                    "wrong_number", "hung_up"])
results = st.sampled_from(["all_well", "concern", "", "more_help", "fine"])
# The step that usually comes next; a done request waits for its check-up call instead.
NATURAL = {lifecycle.NEW: "triage", lifecycle.TRIAGED: "start_matching", lifecycle.MATCHING: "assign",
           lifecycle.OFFERED: "assign", lifecycle.ASSIGNED: "start", lifecycle.IN_PROGRESS: "complete",
           lifecycle.CHECKED_UP: "close", lifecycle.ON_HOLD: "resume",
           lifecycle.ESCALATED: "de_escalate"}
# Offers have their own tests (tests/matching); release is the sweep's (see the release rule);
# take_back is a role change's (tests/requests/test_handover.py).
NO_SERVICE = {"offer", "accept", "offers_lapsed", "release", "take_back"}


def may(name: str | None, permission: str) -> bool:
    return name is not None and bool(ROLES[name] & PERMISSIONS[permission])


def snapshot():
    """Everything a refused step could have touched."""
    return (
        list(HelpRequest.objects.order_by("pk").values_list("pk", "state", "state_changed_at")),
        RequestEvent.objects.count(), AuditEvent.objects.count(), CallAttempt.objects.count(),
        Resident.objects.count(),
        list(Assignment.objects.order_by("pk").values_list("pk", "ended_at", "end", "reminded_at")),
        list(Callback.objects.order_by("pk").values_list(
            "pk", "outcome", "result", "claimed_by_id", "claimed_until", "attempts_made",
            "not_before", "escalated_at", "closed_at")),
        list(Series.objects.order_by("pk").values_list("pk", "state", "next_date", "volunteer_id")),
    )


class RequestsMachine(RuleBasedStateMachine):
    group_pk: int
    people: dict

    def __init__(self):
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        # Re-read: a cached request_policy on a shared Group instance would outlive the rollback.
        self.group = Group.objects.get(pk=self.group_pk)
        self.now = timezone.now()  # the sweep's clock; only ever moves forward

    def teardown(self):
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # --- helpers -------------------------------------------------------------------------------

    def person(self, name):
        return None if name is None else self.people[name]

    def pick(self, queryset, i):
        pks = list(queryset.order_by("pk").values_list("pk", flat=True))
        return queryset.model.objects.get(pk=pks[i % len(pks)]) if pks else None

    def refused(self, expected, call):
        """Run `call`; it must raise `expected` (or any refusal) and change nothing."""
        before = snapshot()
        with pytest.raises(REFUSED) as raised:
            call()
        event(f"refused: {type(raised.value).__name__}")
        if expected is not None:
            assert isinstance(raised.value, expected), (expected, raised.value)
        assert snapshot() == before, f"a refused step changed something: {raised.value}"

    def predict_move(self, req, action, actor, note):
        """What _move should say: None (allowed), IllegalMove or NotAllowed, in its order."""
        move = MOVES[action]
        if req.state not in move.sources:
            return IllegalMove
        if actor is not None:
            if move.permission == "system":
                return NotAllowed
            if move.permission == "assignee":
                holder = req.current_assignment
                mine = holder is not None and holder.volunteer == self.person(actor)
                if not (mine or may(actor, "requests.assign")):
                    return NotAllowed
            elif not may(actor, move.permission):
                return NotAllowed
        if move.needs_note and not note.strip():
            return IllegalMove
        return None

    def after_move(self, req, action, events_before):
        event(f"moved: {action}")
        req.refresh_from_db()
        assert req.state == MOVES[action].target
        # The move's line, then a line for each call it left with no purpose.
        lines = list(req.events.values_list("action", flat=True))[events_before:]
        assert lines[0] == action and set(lines[1:]) <= {"callback_withdrawn"}, lines

    # --- setup ---------------------------------------------------------------------------------

    @initialize(stages=st.lists(st.sampled_from(["assigned", "done", "week"]), unique=True),
                window=st.sampled_from([1, 48]), grace=st.sampled_from([0, 1, 12]),
                delay=st.sampled_from([0, 24]))
    def policy(self, stages, window, grace, delay):
        RequestPolicy.objects.create(group=self.group, checkup_stages=stages,
                                     assignment_window_hours=window, reminder_grace_hours=grace,
                                     checkup_delay_hours=delay)

    @initialize(first=st.lists(st.tuples(st.sampled_from(["web", "phone"]), st.sampled_from(PHONES),
                                         st.sampled_from(["soon", "flexible", "today", "week"]),
                                         st.sampled_from(ADDRESSES)),
                               min_size=1, max_size=3))
    def first_requests(self, first):
        for channel, phone, urgency, address in first:
            self.ask(channel, phone, urgency, address)

    # --- requests coming in --------------------------------------------------------------------

    @rule(channel=st.sampled_from(["web", "phone"]), phone=st.sampled_from(PHONES),
          urgency=st.sampled_from(["today", "soon", "week", "flexible"]),
          address=st.sampled_from(ADDRESSES))
    def ask(self, channel, phone, urgency, address):
        digest = phone_digest(phone)
        earlier = (HelpRequest.objects.filter(
            group=self.group, resident__phone_digest=digest,
            state__in=lifecycle.OPEN - {lifecycle.DONE, lifecycle.CHECKED_UP})
            .order_by("-created_at").first() if digest else None)
        is_excluded = bool(digest) and Exclusion.objects.filter(
            phone_digest=digest, lifted_at__isnull=True).exists()
        requests_before, callbacks_before = HelpRequest.objects.count(), Callback.objects.count()
        events_before = earlier.events.count() if earlier else 0
        by_phone = channel == "phone"
        result = take_request(
            self.group, channel=channel, triage=by_phone,
            acting_user=self.people["sam"] if by_phone else None,
            contact=Contact(name="Mrs Ahmed", phone=phone, postcode_sector="W10 5",
                            address=address),
            need=Need(service="shopping", urgency=urgency))
        req = result.request
        event("asked: " + ("linked" if result.linked else "excluded" if result.excluded else channel))
        if earlier is not None:
            assert result.linked and req == earlier
            assert HelpRequest.objects.count() == requests_before
            assert Callback.objects.count() == callbacks_before
            assert req.events.count() == events_before + 1
            assert req.events.last().action == "asked_again"
            assert HelpRequest.objects.get(pk=req.pk).state == earlier.state
            return
        assert not result.linked
        assert HelpRequest.objects.count() == requests_before + 1
        new_callbacks = Callback.objects.count() - callbacks_before
        if is_excluded:
            assert result.excluded and req.state == lifecycle.ON_HOLD and new_callbacks == 0
        elif by_phone:
            assert req.state == lifecycle.TRIAGED and new_callbacks == 0
        else:
            assert req.state == lifecycle.NEW and new_callbacks == 1
            assert req.callbacks.get().kind == Callback.Kind.REQUEST

    @precondition(lambda self: Callback.objects.filter(kind=Callback.Kind.MISSED_CALL).count() < 3)
    @rule(phone=st.sampled_from(PHONES))
    def missed_call(self, phone):
        callbacks.note_missed_call(self.group, phone=phone, acting_user=self.people["sam"])

    @precondition(lambda self: Exclusion.objects.filter(lifted_at__isnull=True).count() < 2)
    @rule(phone=st.sampled_from(PHONES[:3]))
    def exclude(self, phone):
        exclusions.add_exclusion(self.group, reason="abuse", actor=self.people["priya"], phone=phone)

    @precondition(lambda self: Exclusion.objects.filter(lifted_at__isnull=True).exists())
    @rule(i=picks)
    def lift(self, i):
        exclusion = self.pick(Exclusion.objects.filter(lifted_at__isnull=True), i)
        exclusions.lift_exclusion(exclusion, actor=self.people["priya"], note="Apologised")

    # --- moves ---------------------------------------------------------------------------------

    def attempt(self, req, action, actor, note, volunteer="tom"):
        """Try `action` on `req` through its real service; check the outcome was predicted."""
        who = self.person(actor)
        if action == "assign":
            # Refused in the service's order: no reason, no address for help at the door
            # (visits.check_visit), a volunteer not cleared, then the move's own checks.
            no_address = req.resident.address is None
            expected = (IllegalMove if not note.strip() or no_address or volunteer not in CLEARED
                        else self.predict_move(req, action, actor, note))
            call = lambda: services.assign(req, self.person(volunteer), actor=who, reason=note)  # noqa: E731
        elif action == "check_up":
            expected = self.predict_move(req, action, actor, note)
            # A check-up made outside the queue goes through the same service as the queue's.
            call = lambda: check_ups.record(req, by=who, result="all_well", note=note)  # noqa: E731
        elif action in TASK_MOVES:
            expected = self.predict_move(req, action, actor, note)
            kwargs = {} if action == "start" else {"note": note}
            call = lambda: getattr(services, action)(req, actor=who, **kwargs)  # noqa: E731
        else:
            expected = self.predict_move(req, action, actor, note)
            call = lambda: services.transition(req, action, actor=who, note=note)  # noqa: E731
        if expected:
            self.refused(expected, call)
            return
        events_before = req.events.count()
        outcome = call()
        self.after_move(req, action, events_before)
        if action == "assign":
            assert outcome.volunteer == self.person(volunteer) and outcome.ended_at is None
            assert outcome.due_by > outcome.assigned_at
            assert req.current_assignment == outcome

    @precondition(lambda self: HelpRequest.objects.exists())
    @rule(i=picks, action=st.sampled_from(SIMPLE_MOVES), actor=anyone, note=notes)
    def move(self, i, action, actor, note):
        """Anyone tries any simple move on any request: most are refused, and change nothing."""
        self.attempt(self.pick(HelpRequest.objects.all(), i), action, actor, note)

    @precondition(lambda self: HelpRequest.objects.exists())
    @rule(i=picks, actor=st.sampled_from(["priya", "sam"]),
          volunteer=st.sampled_from(["tom", "ann", "lee"]), reason=notes)
    def assign(self, i, actor, volunteer, reason):
        self.attempt(self.pick(HelpRequest.objects.all(), i), "assign", actor, reason, volunteer)

    @precondition(lambda self: HelpRequest.objects.filter(state__in=lifecycle.HELD).exists())
    @rule(i=picks, action=st.sampled_from(TASK_MOVES), actor=anyone, note=notes)
    def task(self, i, action, actor, note):
        """Volunteers (the right one or not), coordinators and call handlers on a held task."""
        self.attempt(self.pick(HelpRequest.objects.filter(state__in=lifecycle.HELD), i), action,
                     actor, note)

    @precondition(lambda self: HelpRequest.objects.filter(state__in=lifecycle.OPEN).exists())
    @rule(i=picks, data=st.data())
    def forward(self, i, data):
        """Someone allowed makes a few moves the request's state allows, mostly the natural next
        one: drives requests through their lives (a done request waits for its check-up call)."""
        req = self.pick(HelpRequest.objects.filter(state__in=lifecycle.OPEN), i)
        for _ in range(data.draw(st.integers(2, 6))):
            req.refresh_from_db()
            natural = NATURAL.get(req.state)
            others = sorted(m.action for m in lifecycle.moves_from(req.state)
                            if m.action not in NO_SERVICE)
            if not others:
                return
            if natural and data.draw(st.integers(0, 9)) < 8:
                action = natural
            else:
                action = data.draw(st.sampled_from(others))
            move = MOVES[action]
            if move.permission == "assignee":
                holder = req.current_assignment
                allowed = [holder.volunteer.email.split("@")[0], "priya"]
            elif move.permission == "system":
                allowed = [None]
            else:
                allowed = [name for name in sorted(ROLES) if may(name, move.permission)]
            actor = data.draw(st.sampled_from(allowed))
            volunteer = data.draw(st.sampled_from(sorted(CLEARED)))
            self.attempt(req, action, actor, "Because", volunteer)
            if natural is None:
                return

    @precondition(lambda self: HelpRequest.objects.filter(state__in=lifecycle.OPEN).exists())
    @rule(i=picks, data=st.data())
    def forward_again(self, i, data):
        self.forward(i, data)

    @precondition(lambda self: HelpRequest.objects.filter(state__in=lifecycle.OPEN).exists())
    @rule(i=picks, data=st.data())
    def forward_once_more(self, i, data):
        self.forward(i, data)

    @precondition(lambda self: Assignment.objects.exists())
    @rule(i=picks)
    def release(self, i):
        """Kith itself releases an assignment (open or long ended): only one that is still the
        open one, overdue and past the reminder's grace goes back to matching."""
        assignment = self.pick(Assignment.objects.all(), i)
        req = assignment.request
        grace = timedelta(hours=RequestPolicy.for_group(self.group).reminder_grace_hours)
        expected = (assignment.ended_at is None and assignment.reminded_at is not None
                    and assignment.due_by <= self.now and assignment.reminded_at + grace <= self.now)
        before, events_before = snapshot(), req.events.count()
        assert services.release(req, assignment, now=self.now) is expected
        if expected:
            self.after_move(req, "release", events_before)
        else:
            assert snapshot() == before

    # --- the callback queue --------------------------------------------------------------------

    @precondition(lambda self: Callback.objects.exists())
    @rule(i=picks, who=queue_people)
    def claim(self, i, who, callback=None):
        cb = callback or self.pick(Callback.objects.all(), i)
        person = self.person(who)
        if not may(who, "callbacks.work"):
            self.refused(NotAllowed, lambda: callbacks.claim(cb, person, now=self.now))
            return
        free = cb.claimed_by_id is None or cb.claimed_until <= self.now or cb.claimed_by_id == person.pk
        expected = cb.outcome == "" and free
        before = snapshot()
        event(f"claim: {'won' if expected else 'lost'}")
        assert callbacks.claim(cb, person, now=self.now) is expected
        if expected:
            cb.refresh_from_db()
            assert cb.claimed_by == person and cb.claimed_until == self.now + callbacks.CLAIM_FOR
        else:
            assert snapshot() == before

    @precondition(lambda self: Callback.objects.exists())
    @rule(i=picks, who=workers)
    def release_claim(self, i, who):
        cb = self.pick(Callback.objects.all(), i)
        holder = cb.claimed_by_id
        callbacks.release_claim(cb, self.person(who))
        cb.refresh_from_db()
        assert cb.claimed_by_id == (None if holder == self.person(who).pk else holder)

    @precondition(lambda self: Callback.objects.exists())
    @rule(i=picks, who=queue_people, outcome=attempt_outcomes, result=results, open_only=st.booleans())
    def log_attempt(self, i, who, outcome, result, open_only, callback=None):
        pool = Callback.objects.filter(outcome="") if open_only else Callback.objects.all()
        cb = callback or self.pick(pool, i) or self.pick(Callback.objects.all(), i)
        cb.refresh_from_db()
        person = self.person(who)
        checking = cb.kind in check_ups.CHECK_KINDS
        if not may(who, "callbacks.work"):
            expected = NotAllowed
        elif cb.outcome or not cb.held_by(person, self.now) or outcome not in CallAttempt.Outcome.values:
            expected = IllegalMove
        elif checking and outcome == "reached" and result not in Callback.Result.values:
            expected = IllegalMove  # a check-up call must say how they are
        else:
            expected = None
        call = lambda: callbacks.log_attempt(cb, by=person, outcome=outcome, result=result,  # noqa: E731
                                             now=self.now)
        if expected:
            self.refused(expected, call)
            return
        req = cb.request
        req_state = req.state if req else None
        call()
        event(f"call logged: {outcome} {result}".strip())
        cb.refresh_from_db()
        assert cb.attempts.count() == cb.attempts_made and cb.claimed_by is None
        if outcome in {"reached", "wrong_number"}:
            assert cb.outcome == outcome and cb.closed_at == self.now and cb.closed_by == person
            if outcome == "wrong_number":
                assert cb.escalated_at is not None  # somebody asked: a coordinator finds a way
            assert cb.result == (result if checking and outcome == "reached" else "")
        else:
            assert cb.in_queue and cb.not_before == self.now + callbacks.RETRY_AFTER
            if cb.attempts_made >= callbacks.TRIES_BEFORE_ESCALATION:
                assert cb.escalated_at is not None
        if req is None:
            return
        req.refresh_from_db()
        if checking and outcome == "reached" and result == "concern":
            if req_state != lifecycle.ESCALATED:
                assert req.state == lifecycle.ESCALATED
            else:
                assert cb.escalated_at is not None
        elif (cb.kind == Callback.Kind.CHECK_UP and outcome == "reached"
              and req_state == lifecycle.DONE):
            assert req.state == lifecycle.CHECKED_UP
        else:
            assert req.state == req_state

    @precondition(lambda self: Callback.objects.filter(outcome="").exists())
    @rule(i=picks, who=workers, outcome=attempt_outcomes, result=results)
    def work_call(self, i, who, outcome, result):
        """Claim an open call and log what happened on it, as a call handler does."""
        cb = self.pick(Callback.objects.filter(outcome=""), i)
        self.claim(i=0, who=who, callback=cb)
        self.log_attempt(i=0, who=who, outcome=outcome, result=result, open_only=True, callback=cb)

    @precondition(lambda self: Callback.objects.filter(outcome="").exists())
    @rule(i=picks, who=workers, outcome=attempt_outcomes, result=results)
    def work_call_again(self, i, who, outcome, result):
        self.work_call(i, who, outcome, result)

    # --- regular help ----------------------------------------------------------------------------

    @precondition(lambda self: Resident.objects.exists())
    @rule(i=picks, volunteer=st.sampled_from(["tom", "ann", None]), days=st.integers(0, 10),
          fortnightly=st.booleans())
    def start_series(self, i, volunteer, days, fortnightly):
        resident = self.pick(Resident.objects.filter(group=self.group), i)
        series.start_series(
            self.group, resident=resident, service="shopping",
            cadence=Series.Cadence.FORTNIGHTLY if fortnightly else Series.Cadence.WEEKLY,
            first_date=timezone.localdate(self.now) + timedelta(days=days),
            volunteer=self.person(volunteer), actor=self.people["priya"])

    @precondition(lambda self: Series.objects.exists())
    @rule(i=picks, action=st.sampled_from(["pause", "resume", "end"]))
    def change_series(self, i, action):
        regular = self.pick(Series.objects.all(), i)
        allowed = regular.state != Series.State.ENDED and (
            action == "end" or regular.state == {"pause": "active", "resume": "paused"}[action])
        call = lambda: series.change_series(regular, action, actor=self.people["priya"])  # noqa: E731
        if not allowed:
            self.refused(IllegalMove, call)
            return
        call()

    @precondition(lambda self: Resident.objects.exists())
    @rule(i=picks, days=st.sampled_from([None, 1, 7]))
    def check_in_days(self, i, days):
        resident = self.pick(Resident.objects.all(), i)
        Resident.objects.filter(pk=resident.pk).update(check_in_days=days)

    # --- the sweep on a moving clock -------------------------------------------------------------

    @rule(step=st.sampled_from([timedelta(0), timedelta(minutes=6), timedelta(hours=1),
                                timedelta(hours=13), timedelta(days=1), timedelta(days=3)]))
    def tick(self, step):
        self.now += step
        started = timezone.now()  # what the sweep itself makes (series visits) is not yet due
        for name, count in sweeps.tick(now=self.now).items():
            if count:
                event(f"tick: {name}")
        # Every overdue task has had its reminder, and none is left past its grace.
        policy = RequestPolicy.for_group(self.group)
        grace = timedelta(hours=policy.reminder_grace_hours)
        for a in Assignment.objects.filter(ended_at__isnull=True, due_by__lt=self.now,
                                           assigned_at__lt=started):
            assert a.reminded_at is not None
            # Reminded just now (even with no grace it gets one sweep), or still within grace.
            assert a.reminded_at == self.now or a.reminded_at + grace > self.now
        # Every missed check-up or check-in has gone to a coordinator.
        assert not Callback.objects.filter(
            kind__in=check_ups.CHECK_KINDS, outcome="", due_at__lt=self.now,
            escalated_at__isnull=True, created_at__lt=started).exists()
        # Residents who want check-in calls have had one booked.
        for resident in Resident.objects.filter(check_in_days__isnull=False):
            assert resident.callbacks.filter(kind=Callback.Kind.CHECK_IN).exists()

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def every_history_replays_to_its_state(self):
        rows = defaultdict(list)
        for pk, *row in RequestEvent.objects.order_by("request_id", "created_at", "id").values_list(
                "request_id", "action", "from_state", "to_state"):
            rows[pk].append(tuple(row))
        for pk, state in HelpRequest.objects.values_list("pk", "state"):
            assert state in STATE_NAMES
            assert lifecycle.replay(rows[pk]) == state, (state, rows[pk])

    @invariant()
    def one_open_assignment_exactly_while_held(self):
        open_by_request = Counter(Assignment.objects.filter(ended_at__isnull=True)
                                  .values_list("request_id", flat=True))
        for pk, state in HelpRequest.objects.values_list("pk", "state"):
            assert open_by_request[pk] == (1 if state in lifecycle.HELD else 0), (state, pk)
        for ended_at, end in Assignment.objects.values_list("ended_at", "end"):
            assert (ended_at is None) == (end == "")

    @invariant()
    def no_callback_is_ever_lost(self):
        states = dict(HelpRequest.objects.values_list("pk", "state"))
        listed = ({c.pk for c in callbacks.waiting(self.group, now=self.now)}
                  | {c.pk for c in callbacks.later(self.group, now=self.now)})
        tries, last = Counter(), {}
        for callback_id, outcome in CallAttempt.objects.order_by("created_at", "id").values_list(
                "callback_id", "outcome"):
            tries[callback_id] += 1
            last[callback_id] = outcome
        for cb in Callback.objects.all():
            assert cb.attempts_made == tries[cb.pk]
            request_state = states.get(cb.request_id)
            if cb.outcome == "":
                assert cb.pk in listed, f"callback {cb.pk} left the queue without an outcome"
                assert request_state not in lifecycle.FINAL
                if cb.kind == Callback.Kind.REQUEST:  # nobody rings about a request moved on
                    assert request_state == lifecycle.NEW, (cb.pk, request_state)
                assert cb.closed_at is None
                continue
            assert cb.pk not in listed
            assert cb.closed_at is not None
            # How they are is known only from a check call that reached them.
            if cb.result:
                assert cb.result in Callback.Result.values and cb.outcome == "reached"
                assert cb.kind in check_ups.CHECK_KINDS
            if cb.outcome == Callback.Outcome.WITHDRAWN:
                # Its request ended, or (a call about a new request) moved on from new.
                assert request_state in lifecycle.FINAL or (
                    cb.kind == Callback.Kind.REQUEST and request_state != lifecycle.NEW)
            else:
                assert tries[cb.pk] >= 1 and last[cb.pk] == cb.outcome

    @invariant()
    def every_state_change_is_in_the_audit_trail(self):
        moves = Counter(
            (str(pk), f"kith.request.{action}") for pk, action in
            RequestEvent.objects.filter(action__in=list(MOVES)).values_list("request_id", "action"))
        audited = Counter(AuditEvent.objects.filter(
            object_type="requests.helprequest",
            action__in=[f"kith.request.{a}" for a in MOVES]).values_list("object_id", "action"))
        assert moves == audited
        created = HelpRequest.objects.count()
        assert AuditEvent.objects.filter(action="kith.request.created").count() == created


def test_random_use_of_the_request_services_keeps_every_promise(street, priya, sam, tom):
    ann = clear_to_help(_member(street, "ann@example.org", "Ann Lee", volunteer=True), street,
                        coordinator=priya)
    lee = _member(street, "lee@example.org", "Lee Park", volunteer=True)

    class Machine(RequestsMachine):
        group_pk = street.pk
        people = {"priya": priya, "sam": sam, "tom": tom, "ann": ann, "lee": lee}

    run_state_machine_as_test(Machine, settings=settings(
        max_examples=examples(60), stateful_step_count=25, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
