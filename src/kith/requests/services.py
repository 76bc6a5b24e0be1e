"""Every change to a help request's state: one function per move, each one transaction
with its RequestEvent (the timeline) and its AuditEvent (the trail).

`actor=None` means Kith itself (the scheduled sweep in sweeps.py); views always pass the
signed-in person, whose permission for the move is checked here, not only in the view.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core.audit import log_action
from kith.requests import lifecycle, notify
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import Assignment, Callback, HelpRequest, RequestEvent, RequestPolicy


class NotAllowed(PermissionDenied):
    """The person may not make this move; the message says why."""


def may(person, group, permission: str) -> bool:
    from kith.groups.access import has_permission

    return has_permission(person, group, permission)


def _authorise(move: lifecycle.Move, req: HelpRequest, actor) -> None:
    if actor is None:
        return  # Kith itself
    if move.permission == "system":
        raise NotAllowed(f"Only Kith itself records “{move.label.lower()}”.")
    if move.permission == "role":
        return  # the service that changed the volunteer's role checked its own permission
    if move.permission == "offeree":
        if req.offers.filter(volunteer=actor, state="open").exists():
            return
        raise NotAllowed("Only a volunteer this request was offered to can accept it.")
    if move.permission == "assignee":
        assignment = req.current_assignment
        if assignment is not None and assignment.volunteer_id == actor.pk:
            return
        if may(actor, req.group, "requests.assign"):
            return
        raise NotAllowed("Only the volunteer doing this task, or a coordinator, can do that.")
    if not may(actor, req.group, move.permission):
        raise NotAllowed("Your role in this group does not include that step.")


def add_event(req: HelpRequest, action: str, *, actor, note: str = "", state: str | None = None,
              from_state: str | None = None) -> RequestEvent:
    """A line on the timeline. With no states given, a note that leaves the state as it is."""
    to_state = state or req.state
    return RequestEvent.objects.create(
        request=req, actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action, from_state=req.state if from_state is None else from_state,
        to_state=to_state, note=note[:300],
    )


def _move(req: HelpRequest, action: str, *, actor, note: str = "", now=None,
          extra: dict | None = None) -> lifecycle.Move:
    """Check, authorise and record one move. The caller's transaction holds it all."""
    move = lifecycle.check(action, req.state)
    _authorise(move, req, actor)
    note = (note or "").strip()
    if move.needs_note and not note:
        raise IllegalMove(f"Say why (“{move.label}” needs a reason).")
    now = now or timezone.now()
    source = req.state
    fields = {"state": move.target, "state_changed_at": now}
    if move.target == lifecycle.MATCHING and source != lifecycle.OFFERED:
        fields["offer_rounds"] = 0  # a fresh search: offers go out again
    # Conditional update: if someone else moved it since we read it, nothing changes here.
    changed = HelpRequest.objects.filter(pk=req.pk, state=source).update(**fields)
    if not changed:
        raise IllegalMove("Someone else changed this request a moment ago. Look again.")
    for name, value in fields.items():
        setattr(req, name, value)
    add_event(req, action, actor=actor, note=note, from_state=source, state=move.target)
    log_action(f"kith.request.{action}", actor=actor, group=req.group, obj=req,
               old={"state": source}, new={"state": move.target, "reason": note, **(extra or {})})
    if move.action in lifecycle.ENDS_ASSIGNMENT:
        _end_assignment(req, move.action, now)
    if move.target in lifecycle.FINAL:
        _withdraw_callbacks(req, actor, now)
    if source == lifecycle.OFFERED and move.action not in {"accept", "offers_lapsed"}:
        from kith.matching.offers import close_open_offers

        # Assigned by hand, put on hold or cancelled while offered: the offers end with it.
        close_open_offers(req, taken=move.target in lifecycle.HELD, now=now)
    return move


_ENDS = {"complete": Assignment.End.DONE, "hand_back": Assignment.End.HANDED_BACK,
         "unassign": Assignment.End.UNASSIGNED, "release": Assignment.End.RELEASED,
         "take_back": Assignment.End.STOOD_DOWN}


def _end_assignment(req: HelpRequest, action: str, now) -> None:
    Assignment.objects.filter(request=req, ended_at__isnull=True).update(
        ended_at=now, end=_ENDS.get(action, Assignment.End.STOPPED))


def _withdraw_callbacks(req: HelpRequest, actor, now) -> None:
    """A request that has ended takes its waiting calls with it, each with an outcome."""
    for callback in req.callbacks.filter(outcome=""):
        callback.outcome, callback.closed_at = Callback.Outcome.WITHDRAWN, now
        callback.closed_by = actor if getattr(actor, "is_authenticated", False) else None
        callback.claimed_by = callback.claimed_until = None
        callback.save(update_fields=["outcome", "closed_at", "closed_by", "claimed_by",
                                     "claimed_until"])
        log_action("kith.callback.withdrawn", actor=actor, group=req.group, obj=callback,
                   new={"outcome": callback.outcome, "request": req.reference})


@transaction.atomic
def transition(req: HelpRequest, action: str, *, actor, note: str = "") -> HelpRequest:
    """The simple moves: triage, start_matching, hold, resume, cancel, could_not_help,
    escalate, de_escalate, close, close_escalated. Moves with more to them have their own."""
    if action in {"assign", "complete", "start", "hand_back", "unassign", "release", "take_back",
                  "check_up", "offer", "accept", "offers_lapsed"}:
        raise ValueError(f"use the {action} service")
    req = _locked(req)
    _move(req, action, actor=actor, note=note)
    if action == "escalate":
        notify.escalated(req, note)
    return req


def _locked(req: HelpRequest) -> HelpRequest:
    """Re-read the request (row-locked on PostgreSQL) so two hands cannot interleave.
    Only the request's own row: locking the joined group would queue every move in the group."""
    return (HelpRequest.objects.select_for_update(of=("self",))
            .select_related("group", "resident").get(pk=req.pk))


def refusals(volunteer, group, service: str) -> list[str]:
    """Why this volunteer may not take this kind of task here, in words (none: they may).
    The same rules as matching: a profile, consents, approval, and the checks the group's
    policy asks for this service (a DBS check for prescriptions, by default)."""
    from kith.volunteers.policy import facts_for, reason_text, reasons_not_to_take

    return [reason_text(code) for code in
            reasons_not_to_take(facts_for(volunteer, group), service, timezone.localdate())]


@transaction.atomic
def assign(req: HelpRequest, volunteer, *, actor, reason: str, due_by=None) -> Assignment:
    """Hand-assign a volunteer (a coordinator, or Kith for a series' regular volunteer)."""
    req = _locked(req)
    reason = (reason or "").strip()
    if not reason:
        raise IllegalMove("Say why you chose this volunteer (for example: lives two doors away).")
    refused = refusals(volunteer, req.group, req.service)
    if refused:
        raise IllegalMove(f"{volunteer} can't take {req.get_service_display().lower()} tasks "
                          f"here yet: {volunteer} {', and '.join(refused)}.")
    return hand_over(req, volunteer, action="assign", actor=actor, reason=reason, due_by=due_by)


def hand_over(req: HelpRequest, volunteer, *, action: str, actor, reason: str,
              due_by=None, now=None) -> Assignment:
    """Move a locked, checked request to assigned and give it to `volunteer`: by a
    coordinator's hand ("assign"), or because they accepted an offer ("accept")."""
    now = now or timezone.now()
    policy = RequestPolicy.for_group(req.group)
    due_by = due_by or req.needed_by or now + timedelta(hours=policy.assignment_window_hours)
    if due_by <= now:
        due_by = now + timedelta(hours=policy.assignment_window_hours)
    _move(req, action, actor=actor, note=reason, now=now,
          extra={"volunteer": volunteer.pk, "due_by": due_by.isoformat()})
    assignment = Assignment.objects.create(request=req, volunteer=volunteer, reason=reason[:200],
                                           assigned_by=actor,
                                           assigned_at=now, due_by=due_by)
    if "assigned" in policy.checkup_stages:
        from kith.requests.callbacks import schedule_check_up

        schedule_check_up(req, at=now, actor=actor)
    notify.assigned(assignment)
    return assignment


@transaction.atomic
def start(req: HelpRequest, *, actor) -> HelpRequest:
    req = _locked(req)
    _move(req, "start", actor=actor)
    return req


@transaction.atomic
def complete(req: HelpRequest, *, actor, note: str = "") -> HelpRequest:
    """The task is done: the assignment ends, check-ups are booked, a series keeps its volunteer."""
    from kith.requests.callbacks import schedule_check_up

    req = _locked(req)
    assignment = req.current_assignment
    now = timezone.now()
    _move(req, "complete", actor=actor, note=note, now=now)
    if req.series_id and assignment is not None and req.series.volunteer_id is None:
        req.series.volunteer = assignment.volunteer
        req.series.save(update_fields=["volunteer"])
    policy = RequestPolicy.for_group(req.group)
    if "done" in policy.checkup_stages:
        schedule_check_up(req, at=now + timedelta(hours=policy.checkup_delay_hours), actor=actor)
    if "week" in policy.checkup_stages:
        schedule_check_up(req, at=now + timedelta(days=7), actor=actor)
    return req


@transaction.atomic
def hand_back(req: HelpRequest, *, actor, note: str) -> HelpRequest:
    req = _locked(req)
    _move(req, "hand_back", actor=actor, note=note)
    return req


@transaction.atomic
def unassign(req: HelpRequest, *, actor, note: str) -> HelpRequest:
    req = _locked(req)
    _move(req, "unassign", actor=actor, note=note)
    return req


@transaction.atomic
def release(req: HelpRequest, assignment: Assignment, now=None) -> bool:
    """The window and the reminder's grace both passed: back to matching (Kith itself).

    Only if `assignment` is still the open one and still overdue, checked under the lock: the
    volunteer may have marked it done, or it may have gone to someone else, since the sweep
    read it. Returns whether it was released."""
    now = now or timezone.now()
    req = _locked(req)
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
    req = _locked(req)
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
    _move(req, action, actor=actor, note=note, now=now)
    notify.released(req, why)


@transaction.atomic
def record_check_up(req: HelpRequest, *, actor, note: str = "") -> HelpRequest:
    req = _locked(req)
    _move(req, "check_up", actor=actor, note=note)
    return req
