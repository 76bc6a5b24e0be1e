"""One request's page: its paper trail (timeline, calls, audit rows), its sealed details
opened with a reason, and the moves this person may make from it.

Every move goes through a service (services.py), which checks it and writes the timeline and
the audit rows in one transaction; these views choose what to show and say what went wrong.
Assigning has its own page (views_assign.py); check-up calls are logged from the queue."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kith.core.models import AuditEvent
from kith.core.reveal_views import SealedField, render_private, reveal_panel
from kith.groups.access import group_view
from kith.matching.views import panel as matching_panel
from kith.requests import lifecycle, services, visits
from kith.requests.forms_requests import BUTTON_LABELS, NOTE_LABELS, MoveForm
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import HelpRequest
from kith.requests.moves import NotAllowed
from kith.requests.pages import request_or_404, state_label
from kith.requests.views_corrections import may_correct
from kith.signposting import signposts
from kith.signposting.forms import SHOWN, SignpostForm, signpost_choices
from kith.signposting.models import LocalService


def _allowed_moves(access, req: HelpRequest) -> list[lifecycle.Move]:
    """The moves from the request's state that this person may make from this page.

    Kith's own moves (releases) and offers (the matching panel) are never offered here; a
    volunteer's own steps (start, done, hand back) only to those who may assign, as
    moves.authorise says.
    Assigning has its own page; check-up calls are logged from the callback queue.
    """
    allowed = []
    for move in lifecycle.moves_from(req.state):
        if move.permission in {"system", "offeree"} or move.action in {"assign", "check_up",
                                                                         "offer"}:
            continue
        needed = "requests.assign" if move.permission == "assignee" else move.permission
        if access.can(needed):
            allowed.append(move)
    return allowed


def _sealed_fields(req: HelpRequest) -> list[SealedField]:
    return [SealedField("phone", _("Phone"), req.resident),
            SealedField("address", _("Address"), req.resident),
            SealedField("details", _("What they need"), req,
                        question=_("Why do you need to see what they need?"),
                        button=_("Show what they need"))]


def _reveal(request, group, req: HelpRequest, *, posted: bool = False):
    """The reveal box, which always posts to the request's own page (a failed move re-renders
    this page from another address)."""
    return reveal_panel(request, group=group, fields=_sealed_fields(req), posted=posted,
                        action=reverse("requests:detail", args=[group.slug, req.reference]))




def _who(req: HelpRequest, event) -> str:
    """Who did it: a person, else whoever used the public form, else Kith itself (the sweep)."""
    if event.actor is not None:
        return str(event.actor)
    if event.action in ("status_checked", "resident_note"):
        return "the resident"
    if event.action == "cancel":  # Kith itself never cancels: their own status page did
        return "the resident"
    # Only the first ask is the request's own channel: a later one ("asked again") may come
    # from anyone, and its note says by what and from whom.
    if event.action == "created" and req.channel in (
            HelpRequest.Channel.WEB, HelpRequest.Channel.REFERRAL):
        return req.partner_name or "the resident"
    return "Kith"


def _timeline(req: HelpRequest, access) -> list[dict]:
    """The paper trail. A "signposted" line names its service, linked to the service's page
    for those who may open the directory."""
    services = signposts.by_event(req)
    may_open = access.can("services.view")
    rows = []
    for e in req.events.select_related("actor"):
        service = services.get(e.pk)
        rows.append({
            "at": e.created_at, "who": _who(req, e), "label": e.label, "is_move": e.is_move,
            "from": state_label(e.from_state) if e.from_state else "",
            "to": state_label(e.to_state), "note": e.note, "service": service,
            "service_url": reverse("signposting:detail", args=[req.group.slug, service.pk])
            if service is not None and may_open else ""})
    return rows


def _signpost_choices(req: HelpRequest, allowed: list[lifecycle.Move]) -> list[tuple[str, str]]:
    """The services offered with "could not help", only when that move is on the page."""
    if not any(m.action == "could_not_help" for m in allowed):
        return []
    return signpost_choices(signposts.ranked_for(req))


def _callbacks(req: HelpRequest, now) -> list[dict]:
    rows = []
    for cb in req.callbacks.select_related("closed_by").order_by("created_at", "id"):
        if cb.outcome:
            status = f"{cb.get_outcome_display()}"
            if cb.closed_at:
                status += f" ({timezone.localtime(cb.closed_at):%-d %b %Y, %H:%M})"
        elif cb.not_before > now:
            status = f"Booked for {timezone.localtime(cb.not_before):%-d %b %Y, %H:%M}"
        elif cb.due_at < now:
            status = "Waiting in the queue: overdue"
        else:
            status = "Waiting in the queue"
        rows.append({"callback": cb, "kind": cb.get_kind_display(), "status": status,
                     "result": cb.get_result_display() if cb.result else "",
                     "attempts": cb.attempts_made, "escalated": cb.escalated_at is not None})
    return rows


def _render_detail(request, group, req: HelpRequest, *, reveal=None, move_error: str = "",
                   move_action: str = "", move_note: str = "", picked: list[str] | None = None,
                   status=200):
    access = request.access
    now = timezone.now()
    resident = req.resident
    allowed = _allowed_moves(access, req)
    offered = _signpost_choices(req, allowed)
    kept = picked or []
    # A tick among the services folded away opens them.
    more_picked = any(value in kept for value, _label in offered[SHOWN:])
    moves = [{"action": m.action, "button": BUTTON_LABELS.get(m.action, m.label),
              "needs_note": m.needs_note, "note_label": NOTE_LABELS.get(m.action, "Why?"),
              "danger": m.target in lifecycle.FINAL or m.action == "escalate",
              "note": move_note if m.action == move_action else "",
              "error": move_error if m.action == move_action else "",
              "services": offered if m.action == "could_not_help" else [],
              "picked": kept if m.action == move_action else [],
              "more_picked": more_picked and m.action == move_action}
             for m in allowed]
    can_assign = (access.can("requests.assign")
                  and any(m.action == "assign" for m in lifecycle.moves_from(req.state)))
    audit = None
    if access.can("audit.view"):
        audit = list(AuditEvent.objects.filter(
            group=group, object_type=HelpRequest._meta.label_lower, object_id=str(req.pk))
            .select_related("actor").order_by("created_at", "id"))
    assignment = req.current_assignment
    return render_private(request, "requests/request_detail.html", {
        "group": group, "req": req, "resident": resident, "state_label": state_label(req.state),
        "assignment": assignment, "past_assignments": list(
            req.assignments.filter(ended_at__isnull=False).select_related("volunteer")),
        "events": _timeline(req, access), "callbacks": _callbacks(req, now), "audit": audit,
        "moves": moves, "can_assign": can_assign, "move_error": move_error,
        "matching": matching_panel(req, access),
        "move_action": move_action, "move_note": move_note,
        "orphan_error": move_error and not any(m["error"] for m in moves),
        "reveal": reveal or _reveal(request, group, req),
        "can_see_resident": access.can("residents.view"),
        "can_call": access.can("callbacks.work"),
        "can_correct": may_correct(request, group, req),
        "missing": visits.missing_notice(req) if req.state in lifecycle.UNASSIGNED else None,
        # The safeguarding leads' way back to the cases this request opened (theirs alone).
        "cases": list(req.cases.all()) if access.can("safeguarding.case_details") else [],
    }, status=status)


@require_http_methods(["GET", "POST"])
@group_view("requests.view")
def detail(request, group, reference):
    req = request_or_404(group, reference)
    if request.method == "GET":
        return _render_detail(request, group, req)
    # A POST here opens one sealed field (phone, address, what they need), with a reason.
    panel = _reveal(request, group, req, posted=True)
    return _render_detail(request, group, req, reveal=panel, status=panel.status)


def _move_by_hand(req: HelpRequest, action: str, note: str, actor,
                  signposted: list[LocalService] | None = None) -> lifecycle.Move:
    move = lifecycle.MOVES[action]
    if action == "assign":
        raise IllegalMove("Choose the volunteer on the “Assign a volunteer” page.")
    if action == "check_up":
        raise IllegalMove("Check-up calls are logged from the callback queue, with what the "
                          "resident said.")
    if move.permission == "system":
        raise NotAllowed(f"Only Kith itself records “{move.label.lower()}”.")
    if action in {"offer", "accept"}:
        raise IllegalMove("Offers are made from the “Finding a volunteer” box, and accepted by "
                          "the volunteer.")
    if action == "start":
        services.start(req, actor=actor)
    elif action == "complete":
        services.complete(req, actor=actor, note=note)
    elif action == "hand_back":
        services.hand_back(req, actor=actor, note=note)
    elif action == "unassign":
        services.unassign(req, actor=actor, note=note)
    elif action == "could_not_help":
        signposts.could_not_help(req, services=signposted or [], note=note, actor=actor)
    else:
        services.transition(req, action, actor=actor, note=note)
    return move


@require_POST
@group_view("requests.view")
def move(request, group, reference):
    """One step on a request. The service checks the state and the person's permission."""
    req = request_or_404(group, reference)
    form = MoveForm(request.POST)
    action = request.POST.get("action", "")[:30]
    note = request.POST.get("note", "")[:1000]
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        return _render_detail(request, group, req, move_error=" ".join(errors), move_action=action,
                              move_note=note, status=400)
    action, note = form.cleaned_data["action"], form.cleaned_data["note"].strip()
    picked = [p[:20] for p in request.POST.getlist("services")[:50]]
    signposted = None
    if action == "could_not_help":
        signpost = SignpostForm(request.POST, services=signposts.ranked_for(req))
        if not signpost.is_valid():
            errors = [e for field_errors in signpost.errors.values() for e in field_errors]
            return _render_detail(request, group, req, move_error=" ".join(errors),
                                  move_action=action, move_note=note, picked=picked, status=400)
        signposted = signpost.picked()
    try:
        done = _move_by_hand(req, action, note, request.user, signposted)
    except NotAllowed as exc:
        return _render_detail(request, group, req, move_error=str(exc), move_action=action,
                              move_note=note, picked=picked, status=403)
    except IllegalMove as exc:
        req = request_or_404(group, reference)  # someone else may have moved it: show it as it is
        return _render_detail(request, group, req, move_error=str(exc), move_action=action,
                              move_note=note, picked=picked, status=400)
    messages.success(request, f"{req.reference}: {done.label.lower()}. It is now "
                              f"{state_label(done.target).lower()}.")
    return redirect("requests:detail", group.slug, req.reference)
