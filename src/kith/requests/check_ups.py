"""Check-up calls: booked when the group's policy says, made from the callback queue, and
sent to a coordinator when missed. The one service for all of it: the request services,
the queue, the sweep and the property test (tests/requests/test_properties.py) all come here.

- `book_for_stage`: after a volunteer is assigned, once the task is done, a week later, as
  the group's RequestPolicy.checkup_stages say;
- `record`: what a check-up found. All well or needing more help on a done request marks
  it checked up; a concern escalates the request (or, if it cannot be, tells a coordinator);
- `escalate_missed`: the sweep's step for calls not made in time, which stay in the queue;
- `book_check_ins`: residents the group rings regularly get their next call.

A check-up call is a Callback of kind check_up (a regular check-in, check_in): it leaves the
queue only with an outcome, like every other call.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kith.core.audit import log_action
from kith.requests import lifecycle, notify
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import Callback, HelpRequest, RequestPolicy
from kith.requests.moves import locked, make_move

CHECK_KINDS = frozenset({Callback.Kind.CHECK_UP, Callback.Kind.CHECK_IN})
# A check-up call waits this long in the queue before it counts as missed.
MISSED_AFTER = timedelta(hours=24)
CONCERN_NOTE = "Concern raised on a check-up call"


def book(req: HelpRequest, *, at, actor) -> Callback:
    """A check-up call about this request, in the queue from `at`; missed a day later."""
    callback = Callback.objects.create(
        group=req.group, kind=Callback.Kind.CHECK_UP, request=req, resident=req.resident,
        urgent=req.resident.at_risk, created_at=timezone.now(), not_before=at,
        due_at=at + MISSED_AFTER,
    )
    log_action("kith.callback.check_up_booked", actor=actor, group=req.group, obj=callback,
               new={"request": req.reference, "from": at.isoformat()})
    return callback


def book_for_stage(req: HelpRequest, stage: str, *, now, actor) -> list[Callback]:
    """The check-ups the group's policy asks for at this point in the request's life:
    `assigned` (a call straight away: has the volunteer been in touch?) or `done` (a call
    after the policy's delay, and another a week on if the group asks for both)."""
    policy = RequestPolicy.for_group(req.group)
    stages = policy.checkup_stages
    if stage == "assigned":
        times = [now] if "assigned" in stages else []
    elif stage == "done":
        times = ([now + timedelta(hours=policy.checkup_delay_hours)] if "done" in stages else []
                 ) + ([now + timedelta(days=7)] if "week" in stages else [])
    else:
        raise ValueError(f"no check-ups are booked at {stage!r}")
    return [book(req, at=at, actor=actor) for at in times]


def book_check_in(resident, *, at) -> Callback:
    callback = Callback.objects.create(
        group=resident.group, kind=Callback.Kind.CHECK_IN, resident=resident, urgent=True,
        created_at=timezone.now(), not_before=at, due_at=at + MISSED_AFTER,
    )
    log_action("kith.callback.check_in_booked", actor=None, group=resident.group, obj=callback,
               new={"resident": resident.pk, "from": at.isoformat()})
    return callback


@transaction.atomic
def record(req: HelpRequest | None, *, by, result: str, note: str = "",
           callback: Callback | None = None, now=None) -> HelpRequest | None:
    """What a check-up found, for its request.

    From the queue (`callback` given, the call already logged as reached): a done request
    becomes checked up; a check-up on a request that has moved on changes nothing. Without a
    callback (a call made outside the queue) the request must be done, and the move is
    checked like any other. A concern always reaches a coordinator: the request is escalated,
    or if it cannot be (already escalated, finished, a check-in with no request), the call is.
    """
    if result not in Callback.Result.values:
        raise IllegalMove("Say how they are: all well, needs more help, or a concern.")
    now = now or timezone.now()
    req = locked(req) if req is not None else None
    if result == Callback.Result.CONCERN:
        if req is not None and req.state != lifecycle.ESCALATED and req.is_open:
            # The timeline and trail say only that there was a concern; what it is goes into
            # the sealed case alone.
            make_move(req, "escalate", actor=by, note=CONCERN_NOTE, now=now)
            notify.escalated(req, "")
            _concern_case(req, callback, note or CONCERN_NOTE, by)
        else:  # already escalated (the open case gets the note), finished, or a check-in
            from kith.requests.callbacks import escalate

            if callback is not None:
                escalate(callback, why=CONCERN_NOTE, now=now)
            _concern_case(req, callback, note or CONCERN_NOTE, by)
        return req
    if req is None:
        return None
    from_queue = callback is not None
    if from_queue and (callback.kind != Callback.Kind.CHECK_UP or req.state != lifecycle.DONE):
        return req
    make_move(req, "check_up", actor=by, note=Callback.Result(result).label, now=now)
    return req


def _concern_case(req: HelpRequest | None, callback: Callback | None, note: str, by) -> None:
    """A concern is a safeguarding case too: the leads get it (safeguarding/services.py), with
    the request when there is one, else the call (a check-in about the resident)."""
    from kith.safeguarding import services as cases

    if req is not None:
        cases.open_from_request(req, note, source="check_up", actor=by)
    elif callback is not None:
        cases.open_from_call(callback, note, actor=by)


def escalate_missed(now) -> int:
    """Check-up and check-in calls not made by their time go to a coordinator, once each;
    they stay in the queue (told, not dropped)."""
    from kith.requests.callbacks import escalate

    missed = Callback.objects.filter(kind__in=CHECK_KINDS, outcome="", due_at__lt=now,
                                     escalated_at__isnull=True)
    count = 0
    for callback in missed.select_related("group", "resident"):
        with transaction.atomic():
            escalate(callback, why="the check-up call was not made in time", now=now)
        count += 1
    return count


def book_check_ins(now) -> int:
    """Residents with regular check-ins get the next call once the last one is done."""
    from kith.residents.models import Resident

    booked = 0
    for resident in Resident.objects.filter(check_in_days__isnull=False).select_related("group"):
        calls = resident.callbacks.filter(kind=Callback.Kind.CHECK_IN)
        if calls.filter(outcome="").exists():
            continue
        last = calls.order_by("-not_before").values_list("not_before", flat=True).first()
        at = max(now, last + timedelta(days=resident.check_in_days)) if last else now
        if at - now <= timedelta(days=1):
            with transaction.atomic():
                book_check_in(resident, at=at)
            booked += 1
    return booked
