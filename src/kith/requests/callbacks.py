"""The callback queue: nobody who asked is ever lost.

An item leaves the queue only with an outcome (reached, wrong number, or withdrawn because
its request ended). A claim holds an item for one call handler for a few minutes and is a
single conditional UPDATE, so two people can never hold the same item, on SQLite or
PostgreSQL, without locks held across a phone call.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kith.core.audit import log_action
from kith.core.digest import phone_digest
from kith.requests import check_ups, lifecycle, notify
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import CallAttempt, Callback, HelpRequest, RequestPolicy
from kith.requests.moves import NotAllowed, add_event, may

CLAIM_FOR = timedelta(minutes=5)
# After no answer or a voicemail the item waits this long before it comes round again...
RETRY_AFTER = timedelta(hours=1)
# ...and after this many tries without reaching anyone a coordinator is told.
TRIES_BEFORE_ESCALATION = 3
URGENT_HOURS = 4


def due_at(created, *, policy: RequestPolicy, urgent: bool, at_risk: bool):
    """The group's target, shortened for urgency and for residents the group worries about."""
    hours = policy.callback_target_hours
    if urgent:
        hours = min(hours, URGENT_HOURS)
    if at_risk:
        hours = max(1, hours // 2)
    return created + timedelta(hours=hours)


def queue_request(req: HelpRequest, *, policy: RequestPolicy, now) -> Callback:
    urgent = req.urgency == HelpRequest.Urgency.TODAY
    callback = Callback.objects.create(
        group=req.group, kind=Callback.Kind.REQUEST, request=req, resident=req.resident,
        urgent=urgent or req.resident.at_risk, created_at=now, not_before=now,
        due_at=due_at(now, policy=policy, urgent=urgent, at_risk=req.resident.at_risk),
    )
    log_action("kith.callback.queued", actor=None, group=req.group, obj=callback,
               new={"kind": callback.kind, "request": req.reference})
    return callback


@transaction.atomic
def note_missed_call(group, *, phone: str, caller_name: str = "", note: str = "",
                     acting_user) -> Callback:
    """A missed call or voicemail on the phone line becomes a callback item at once."""
    from kith.requests.intake import find_resident

    now = timezone.now()
    resident = find_resident(group, phone)
    policy = RequestPolicy.for_group(group)
    at_risk = bool(resident and resident.at_risk)
    callback = Callback.objects.create(
        group=group, kind=Callback.Kind.MISSED_CALL, resident=resident,
        caller_name=caller_name or (resident.name if resident else ""), phone=phone,
        phone_digest=phone_digest(phone), note=note or None, urgent=at_risk, created_at=now,
        not_before=now, due_at=due_at(now, policy=policy, urgent=False, at_risk=at_risk),
    )
    log_action("kith.callback.missed_call", actor=acting_user, group=group, obj=callback,
               new={"phone": phone, "caller_name": caller_name, "note": note})
    return callback


# Calls booked to see how someone is (after help, or every few days): the today page's
# "check-up calls due" and the queue's ?kind=checkup.
CHECKUP_KINDS = (Callback.Kind.CHECK_UP, Callback.Kind.CHECK_IN)


def waiting(group, now=None):
    """The queue: open items due to be called now, soonest deadline first."""
    now = now or timezone.now()
    return (Callback.objects.filter(group=group, outcome="", not_before__lte=now)
            .select_related("resident", "request", "claimed_by").order_by("due_at", "id"))


def later(group, now=None):
    """Open items booked for later (check-ups, retries after no answer)."""
    now = now or timezone.now()
    return (Callback.objects.filter(group=group, outcome="", not_before__gt=now)
            .select_related("resident", "request").order_by("not_before", "id"))


def _may_work(callback: Callback, person) -> None:
    if not may(person, callback.group, "callbacks.work"):
        raise NotAllowed("Only the group's call handlers and coordinators work the callback queue.")


def claim(callback: Callback, person, now=None) -> bool:
    """Hold the item for `person` for CLAIM_FOR. True if they hold it now; False if someone
    else does or it has left the queue. One UPDATE decides, so only one claimant ever wins."""
    _may_work(callback, person)
    now = now or timezone.now()
    free = Q(claimed_by__isnull=True) | Q(claimed_until__lte=now) | Q(claimed_by=person)
    with transaction.atomic():
        won = Callback.objects.filter(Q(pk=callback.pk, outcome="") & free).update(
            claimed_by=person, claimed_until=now + CLAIM_FOR)
        if won:
            log_action("kith.callback.claimed", actor=person, group=callback.group, obj=callback,
                       new={"until": (now + CLAIM_FOR).isoformat()})
    if won:
        callback.claimed_by, callback.claimed_until = person, now + CLAIM_FOR
    return bool(won)


@transaction.atomic
def release_claim(callback: Callback, person) -> None:
    if Callback.objects.filter(pk=callback.pk, claimed_by=person).update(
            claimed_by=None, claimed_until=None):
        log_action("kith.callback.released", actor=person, group=callback.group, obj=callback)
    callback.claimed_by = callback.claimed_until = None


# --- need-to-know: what a call handler is working on now ---------------------------------

# A request a call handler took on the phone, or whose caller they reached, stays open to them
# for one shift on the phones while it is still being triaged.
TRIAGE_WINDOW = timedelta(hours=8)
TRIAGING = (lifecycle.NEW, lifecycle.TRIAGED)


@dataclass(frozen=True)
class InHand:
    """The calls, requests and residents one call handler is working on at one moment.

    privacy.reveal() asks it before opening anything for someone whose role does not open every
    resident (`residents.reveal_any`), so no page can forget it: the promise is "only those who
    need it, only while they need it".
    """

    callbacks: frozenset[int] = frozenset()
    requests: frozenset[int] = frozenset()
    residents: frozenset[int] = frozenset()

    def covers(self, subject) -> bool:
        from kith.residents.models import Resident

        if isinstance(subject, Callback):
            return subject.pk in self.callbacks
        if isinstance(subject, HelpRequest):
            return subject.pk in self.requests
        if isinstance(subject, Resident):
            return subject.pk in self.residents
        return False  # anything else (a run's stop, a volunteer) is never a call handler's


def in_hand(person, group, now=None) -> InHand:
    """What `person` needs to see in `group` right now, and nothing more:

    - **the call they hold**: a callback still in the queue, claimed by them, the claim not run
      out (CLAIM_FOR). It opens the callback (a missed call's own number and note), its resident
      and its request. Releasing it, the claim running out or logging the call ends it;
    - **the missed call they have just returned**: one they closed as reached in the last
      CLAIM_FOR. The caller is still on the line and their request is taken next, so the number
      is carried into the intake form (views_queue). Any other call is done once logged;
    - **the request they are triaging**: one still new or triaged (`TRIAGING`) that, within
      TRIAGE_WINDOW, they took on the phone (channel phone, made by them; intake triages it at
      once) or whose caller they reached on its request callback (the queue then sends them to
      triage it). It opens the request and its resident. Once it goes on to matching, or the
      window passes, it is no longer theirs to look at.

    Coordinators and safeguarding leads never need this: their role opens every resident.
    """
    now = now or timezone.now()
    held = Q(outcome="", claimed_by=person, claimed_until__gt=now)
    just_reached = Q(kind=Callback.Kind.MISSED_CALL, outcome=Callback.Outcome.REACHED,
                     closed_by=person, closed_at__gt=now - CLAIM_FOR)
    calls = list(Callback.objects.filter(held | just_reached, group=group)
                 .values_list("pk", "request_id", "resident_id"))
    since = now - TRIAGE_WINDOW
    taken = Q(channel=HelpRequest.Channel.PHONE, created_by=person, created_at__gt=since)
    reached = Q(callbacks__kind=Callback.Kind.REQUEST, callbacks__outcome=Callback.Outcome.REACHED,
                callbacks__closed_by=person, callbacks__closed_at__gt=since)
    triaging = list(HelpRequest.objects.filter(taken | reached, group=group, state__in=TRIAGING)
                    .values_list("pk", "resident_id").distinct())
    return InHand(
        callbacks=frozenset(pk for pk, _, _ in calls),
        requests=frozenset(r for _, r, _ in calls if r) | {pk for pk, _ in triaging},
        residents=frozenset(r for _, _, r in calls if r) | {r for _, r in triaging},
    )


FINAL_ATTEMPTS = {CallAttempt.Outcome.REACHED: Callback.Outcome.REACHED,
                  CallAttempt.Outcome.WRONG_NUMBER: Callback.Outcome.WRONG_NUMBER}


@transaction.atomic
def log_attempt(callback: Callback, *, by, outcome: str, note: str = "", result: str = "",
                now=None) -> CallAttempt:
    """Record one call. Reached or wrong number takes the item out of the queue; no answer or
    a voicemail puts it back for later, and after three tries a coordinator is told."""
    now = now or timezone.now()
    # Locks in the order every move takes them, request first, then the call; the other way
    # round deadlocks with a coordinator ending the request (which withdraws its calls).
    request_id = Callback.objects.values_list("request_id", flat=True).get(pk=callback.pk)
    if request_id is not None:
        HelpRequest.objects.select_for_update(of=("self",)).get(pk=request_id)
    callback = (Callback.objects.select_for_update(of=("self",))
                .select_related("group", "request").get(pk=callback.pk))
    _may_work(callback, by)
    if callback.outcome == Callback.Outcome.WITHDRAWN:
        raise IllegalMove("This call was taken out of the queue: its request has moved on "
                          "(its timeline says who moved it). Nothing was recorded.")
    if callback.outcome:
        raise IllegalMove("This call is already done.")
    if not callback.held_by(by, now):
        raise IllegalMove("Claim this call first (someone else may be on it, or your claim ran out).")
    if outcome not in CallAttempt.Outcome.values:
        raise IllegalMove("Choose what happened on the call.")
    checking = callback.kind in check_ups.CHECK_KINDS
    if checking and outcome == CallAttempt.Outcome.REACHED and result not in Callback.Result.values:
        raise IllegalMove("Say how they are: all well, needs more help, or a concern.")
    # A concern is written only into the sealed safeguarding case (check_ups.record): the
    # call's note and the trail, which coordinators read, keep none of it.
    concern = checking and outcome == CallAttempt.Outcome.REACHED and result == Callback.Result.CONCERN
    kept = "" if concern else note[:300]
    attempt = CallAttempt.objects.create(callback=callback, by=by, outcome=outcome, note=kept)
    callback.attempts_made += 1
    callback.claimed_by = callback.claimed_until = None
    if outcome in FINAL_ATTEMPTS:
        callback.outcome, callback.closed_at, callback.closed_by = FINAL_ATTEMPTS[outcome], now, by
        # How they are only means something if we spoke to them.
        callback.result = result if checking and outcome == CallAttempt.Outcome.REACHED else ""
    else:
        callback.not_before = now + RETRY_AFTER
    callback.save()
    log_action("kith.callback.attempt", actor=by, group=callback.group, obj=callback,
               new={"outcome": outcome, "result": callback.result, "attempt": callback.attempts_made,
                    "note": kept})
    if callback.request_id:
        add_event(callback.request, "callback_attempt", actor=by,
                  note=f"{callback.get_kind_display()}: {CallAttempt.Outcome(outcome).label}"
                       + (f", {Callback.Result(callback.result).label.lower()}"
                          if callback.result else ""))
    _after_attempt(callback, by=by, outcome=outcome, note=note, now=now)
    return attempt


def _after_attempt(callback: Callback, *, by, outcome: str, note: str, now) -> None:
    if not callback.outcome and callback.attempts_made >= TRIES_BEFORE_ESCALATION:
        escalate(callback, why=f"{callback.attempts_made} tries without reaching them", now=now)
    if callback.outcome == Callback.Outcome.WRONG_NUMBER:
        # Out of the queue, but somebody asked for help: a coordinator finds another way.
        escalate(callback, why="wrong number: no way to reach them", now=now)
    if callback.outcome == Callback.Outcome.REACHED and callback.kind in check_ups.CHECK_KINDS:
        check_ups.record(callback.request, by=by, result=callback.result, note=note,
                         callback=callback, now=now)


def escalate(callback: Callback, *, why: str, now) -> None:
    """Tell the group's coordinators (once) about a call that is going wrong."""
    if callback.escalated_at is not None:
        return
    Callback.objects.filter(pk=callback.pk).update(escalated_at=now)
    callback.escalated_at = now
    log_action("kith.callback.escalated", actor=None, group=callback.group, obj=callback,
               new={"why": why})
    notify.callback_escalated(callback, why)


@dataclass
class QueueFigures:
    waiting: int
    overdue: int
    oldest: object  # datetime of the oldest waiting item, or None
    done_today: int
    median_minutes: float | None  # created -> reached, over the last 30 days
    booked_later: int


def figures(group, now=None) -> QueueFigures:
    now = now or timezone.now()
    open_items = Callback.objects.filter(group=group, outcome="")
    due_now = open_items.filter(not_before__lte=now)
    oldest = due_now.order_by("created_at").values_list("created_at", flat=True).first()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    reached = Callback.objects.filter(group=group, outcome=Callback.Outcome.REACHED,
                                      kind__in=[Callback.Kind.REQUEST, Callback.Kind.MISSED_CALL],
                                      closed_at__gte=now - timedelta(days=30))
    waits = [(closed - created).total_seconds() / 60
             for created, closed in reached.values_list("created_at", "closed_at")]
    return QueueFigures(
        waiting=due_now.count(), overdue=due_now.filter(due_at__lt=now).count(), oldest=oldest,
        done_today=Callback.objects.filter(group=group, closed_at__gte=midnight).exclude(
            outcome=Callback.Outcome.WITHDRAWN).count(),
        median_minutes=round(statistics.median(waits), 1) if waits else None,
        booked_later=open_items.filter(not_before__gt=now).count(),
    )
