"""The one way a help request changes state: check the move against the table in
lifecycle.py, check the person may make it, change the state with a conditional UPDATE, and
write the timeline line (RequestEvent) and the audit row together.

Every app that moves a request comes through here: the request services (services.py),
intake and regular help, the check-up calls (check_ups.py) and the offers (matching/offers.py).
Each caller holds its own transaction and locks the request first with `locked`, so two
hands cannot interleave. `actor=None` means Kith itself (the sweep, a public form).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core.audit import log_action
from kith.requests import lifecycle
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import Assignment, Callback, HelpRequest, RequestEvent


class NotAllowed(PermissionDenied):
    """The person may not make this move; the message says why."""


def may(person, group, permission: str) -> bool:
    from kith.groups.access import has_permission

    return has_permission(person, group, permission)


def locked(req: HelpRequest) -> HelpRequest:
    """Re-read the request (row-locked on PostgreSQL) so two hands cannot interleave.
    Only the request's own row: locking the joined group would queue every move in the group."""
    return (HelpRequest.objects.select_for_update(of=("self",))
            .select_related("group", "resident").get(pk=req.pk))


def authorise(move: lifecycle.Move, req: HelpRequest, actor) -> None:
    """Raise NotAllowed unless `actor` may make `move` on `req` (None: Kith itself may)."""
    if actor is None:
        return
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


def make_move(req: HelpRequest, action: str, *, actor, note: str = "", now=None,
              extra: dict | None = None, reason_kept: bool = False) -> lifecycle.Move:
    """Check, authorise and record one move on a locked request. The caller's transaction
    holds it all; what the move ends (an assignment, calls with no purpose left, open
    offers) ends with it. `reason_kept`: the caller records the why as data in the same
    transaction (the services a resident was signposted to), so the note may be empty."""
    move = lifecycle.check(action, req.state)
    authorise(move, req, actor)
    note = (note or "").strip()
    if move.needs_note and not note and not reason_kept:
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
    _withdraw_callbacks(req, move, actor, now)
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


def purposeless_callbacks(req: HelpRequest, move: lifecycle.Move):
    """The request's waiting calls that this move leaves with nothing to do.

    A request that has ended takes every call with it. A call back about a new request is
    there to hear what they need and triage it: once anyone has moved the request on from
    new (triaged it, put it on hold, escalated it), ringing them "about your new request"
    would be a call about something already done, so it goes too. Check-ups stay while the
    request is open: the work they check on may still happen."""
    waiting = req.callbacks.filter(outcome="")
    if move.target in lifecycle.FINAL:
        return waiting
    if move.target != lifecycle.NEW:
        return waiting.filter(kind=Callback.Kind.REQUEST)
    return waiting.none()


def _withdraw_callbacks(req: HelpRequest, move: lifecycle.Move, actor, now) -> None:
    """Each call with no purpose left leaves the queue with an outcome, a timeline line and
    an audit row, so whoever had it in hand can see who moved the request and why."""
    by = actor if getattr(actor, "is_authenticated", False) else None
    for callback in purposeless_callbacks(req, move).select_related("claimed_by"):
        held_by = callback.claimed_by if callback.claimed_until and callback.claimed_until > now \
            else None
        callback.outcome, callback.closed_at, callback.closed_by = (
            Callback.Outcome.WITHDRAWN, now, by)
        callback.claimed_by = callback.claimed_until = None
        callback.save(update_fields=["outcome", "closed_at", "closed_by", "claimed_by",
                                     "claimed_until"])
        log_action("kith.callback.withdrawn", actor=actor, group=req.group, obj=callback,
                   new={"outcome": callback.outcome, "request": req.reference,
                        "because": move.action,
                        "held_by": held_by.pk if held_by is not None else None})
        add_event(req, "callback_withdrawn", actor=actor, note=_(
            "%(kind)s taken out of the queue: the request is %(state)s") % {
            "kind": callback.get_kind_display(),
            "state": lifecycle.STATE_LABELS[move.target].lower()})
