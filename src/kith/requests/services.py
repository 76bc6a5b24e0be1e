"""Every change to a help request's state: one function per move, each one transaction
that locks the request and records the move through moves.make_move (its RequestEvent on the
timeline, its AuditEvent in the trail).

`actor=None` means Kith itself (the scheduled sweep in sweeps.py); views always pass the
signed-in person, whose permission for the move is checked here, not only in the view.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.requests import check_ups, lifecycle, notify
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import Assignment, HelpRequest, RequestPolicy
from kith.requests.moves import locked, make_move


@transaction.atomic
def transition(req: HelpRequest, action: str, *, actor, note: str = "") -> HelpRequest:
    """The simple moves: triage, start_matching, hold, resume, cancel, could_not_help,
    escalate, de_escalate, close, close_escalated. Moves with more to them have their own."""
    if action in {"assign", "complete", "start", "hand_back", "unassign", "release", "take_back",
                  "check_up", "offer", "accept", "offers_lapsed"}:
        raise ValueError(f"use the {action} service")
    req = locked(req)
    if action == "escalate":
        # The concern goes into the sealed case alone: the timeline and the trail, which
        # coordinators and call handlers read, say only that it was escalated.
        make_move(req, action, actor=actor, reason_kept=bool((note or "").strip()))
        notify.escalated(req, "")
        _open_case(req, note, source="escalation", actor=actor)
        return req
    make_move(req, action, actor=actor, note=note)
    return req


def _open_case(req: HelpRequest, note: str, *, source: str, actor) -> None:
    """An escalated request becomes a case for the safeguarding leads (theirs, or the nearest
    group's above), who are told with a link to it (safeguarding/services.py)."""
    from kith.safeguarding.services import open_from_request

    open_from_request(req, note, source=source, actor=actor)


@transaction.atomic
def cancel_for_resident(req: HelpRequest, *, note: str) -> HelpRequest:
    """The resident cancels their own request from its status page (requests/by_resident.py
    decides when they may). No account, so no actor: the audit row says `by_resident`, and the
    timeline names the resident, since Kith itself never cancels a request."""
    req = locked(req)
    make_move(req, "cancel", actor=None, note=note, extra={"by_resident": True})
    return req


def refusals(volunteer, group, service: str, *, to_volunteer: bool = False,
             req: HelpRequest | None = None) -> list[str]:
    """Why this volunteer may not take this kind of task here, in words (none: they may).
    The same rules as matching: a profile, consents, approval, and the checks the group's
    policy asks for this service (a DBS check for prescriptions, by default); given `req`,
    that request's own rules too (volunteers.policy.request_reasons: who may collect a
    prescription). Worded about them for a coordinator, or to them (`to_volunteer`)."""
    from kith.volunteers.policy import facts_for, reason_text, reasons_not_to_take, request_reasons

    codes = reasons_not_to_take(facts_for(volunteer, group), service, timezone.localdate())
    if req is not None:
        codes += request_reasons(volunteer, req)
    return [reason_text(code, to_volunteer=to_volunteer) for code in codes]


@transaction.atomic
def assign(req: HelpRequest, volunteer, *, actor, reason: str, due_by=None) -> Assignment:
    """Hand-assign a volunteer (a coordinator, or Kith for a series' regular volunteer).
    Help at the door needs the resident's address first (visits.check_visit)."""
    from kith.requests.visits import check_visit

    req = locked(req)
    reason = (reason or "").strip()
    if not reason:
        raise IllegalMove("Say why you chose this volunteer (for example: lives two doors away).")
    check_visit(req)
    refused = refusals(volunteer, req.group, req.service, req=req)
    if refused:
        raise IllegalMove(f"{volunteer} can't take {req.get_service_display().lower()} tasks "
                          f"here yet: {volunteer} {', and '.join(refused)}.")
    return hand_over(req, volunteer, action="assign", actor=actor, reason=reason, due_by=due_by)


def hand_over(req: HelpRequest, volunteer, *, action: str, actor, reason: str,
              due_by=None, now=None, tell_volunteer: bool = True) -> Assignment:
    """Move a locked, checked request to assigned and give it to `volunteer`: by a
    coordinator's hand ("assign"), or because they accepted an offer ("accept").
    `tell_volunteer=False` when their answer already tells them (a "YES 482" text)."""
    now = now or timezone.now()
    policy = RequestPolicy.for_group(req.group)
    due_by = due_by or req.needed_by or now + timedelta(hours=policy.assignment_window_hours)
    if due_by <= now:
        due_by = now + timedelta(hours=policy.assignment_window_hours)
    make_move(req, action, actor=actor, note=reason, now=now,
          extra={"volunteer": volunteer.pk, "due_by": due_by.isoformat()})
    assignment = Assignment.objects.create(request=req, volunteer=volunteer, reason=reason[:200],
                                           assigned_by=actor,
                                           assigned_at=now, due_by=due_by)
    check_ups.book_for_stage(req, "assigned", now=now, actor=actor)
    if tell_volunteer:
        notify.assigned(assignment)
    return assignment


@transaction.atomic
def start(req: HelpRequest, *, actor) -> HelpRequest:
    req = locked(req)
    make_move(req, "start", actor=actor)
    return req


@transaction.atomic
def complete(req: HelpRequest, *, actor, note: str = "") -> HelpRequest:
    """The task is done: the assignment ends, check-ups are booked, a series keeps its volunteer."""
    req = locked(req)
    assignment = req.current_assignment
    now = timezone.now()
    make_move(req, "complete", actor=actor, note=note, now=now)
    if req.series_id and assignment is not None and req.series.volunteer_id is None:
        req.series.volunteer = assignment.volunteer
        req.series.save(update_fields=["volunteer"])
    check_ups.book_for_stage(req, "done", now=now, actor=actor)
    return req


@transaction.atomic
def hand_back(req: HelpRequest, *, actor, note: str) -> HelpRequest:
    req = locked(req)
    make_move(req, "hand_back", actor=actor, note=note)
    return req


@transaction.atomic
def unassign(req: HelpRequest, *, actor, note: str) -> HelpRequest:
    req = locked(req)
    make_move(req, "unassign", actor=actor, note=note)
    return req


@transaction.atomic
def release(req: HelpRequest, assignment: Assignment, now=None) -> bool:
    """The window and the reminder's grace both passed: back to matching (Kith itself).

    Only if `assignment` is still the open one and still overdue, checked under the lock: the
    volunteer may have marked it done, or it may have gone to someone else, since the sweep
    read it. Returns whether it was released."""
    now = now or timezone.now()
    req = locked(req)
    current = req.current_assignment
    if current is None or current.pk != assignment.pk or current.reminded_at is None:
        return False
    grace = timedelta(hours=RequestPolicy.for_group(req.group).reminder_grace_hours)
    if current.due_by > now or current.reminded_at + grace > now:
        return False
    _back_to_matching(req, "release", actor=None, now=now,
                      why=_("was not marked done in time, even after a reminder."))
    return True


@transaction.atomic
def take_back(req: HelpRequest, assignment: Assignment, *, actor, note: str, now=None) -> bool:
    """The volunteer holding `req` may no longer hold it (their role changed): back to
    matching, with `note` on the timeline, and the coordinators told. Called inside the
    transaction of the change, by kith.requests.handover. Only if `assignment` is still the
    open one, checked under the lock (it may have been done or handed on since it was read).
    Returns whether it moved."""
    req = locked(req)
    current = req.current_assignment
    if req.state not in lifecycle.HELD or current is None or current.pk != assignment.pk:
        return False
    _back_to_matching(req, "take_back", actor=actor, note=note, now=now,
                      why=_("was taken back from its volunteer: %(why)s") % {"why": note})
    return True


def _back_to_matching(req: HelpRequest, action: str, *, actor, why: str, note: str = "",
                      now=None) -> None:
    """The held task goes back to matching (the sweep's release, or a role that changed), and
    the coordinators are emailed `why` once it commits."""
    make_move(req, action, actor=actor, note=note, now=now)
    notify.released(req, why)
