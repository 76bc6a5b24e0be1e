"""The assigned volunteer's task page: what, when, where (while it is theirs), and the
buttons to say they're on their way, it's done, or they can't do it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from kith.core.privacy import NeedToKnowDenied, one_look, reveal
from kith.groups.contact import worried_contact
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import Assignment
from kith.requests.moves import NotAllowed
from kith.volunteers.policy import may_hold


@dataclass(frozen=True)
class TaskGrant:
    """Need-to-know for one volunteer: this task's resident and request, while it is theirs
    (from assignment until 24 hours after they mark it done), and only while they still stand
    in the role the task needs: a volunteer of its group, not left, on a break or excluded,
    with the checks its service asks for (volunteers.policy.may_hold). That is asked once per
    grant, that is once per request, so a removal cuts access on the very next page load even
    if whatever removed them forgot to take the task back."""

    assignment: Assignment

    @cached_property
    def in_role(self) -> bool:
        req = self.assignment.request
        return may_hold(self.assignment.volunteer, req.group, req.service)

    def allows(self, viewer, subject) -> bool:
        req = self.assignment.request
        ours = subject.pk in {req.pk, req.resident_id} and type(subject).__name__ in {
            "HelpRequest", "Resident"}
        return (ours and viewer.pk == self.assignment.volunteer_id
                and self.assignment.address_open(timezone.now()) and self.in_role)


SHOWN = [("address", "resident", "Address"), ("postcode", "resident", "Postcode"),
         ("details", "request", "What's needed")]


def grant_for(person, reference: str) -> TaskGrant:
    """The grant over this person's latest assignment to the request, or 404: it is nobody
    else's page, and no longer theirs once they stop standing in the role it needs."""
    assignment = (Assignment.objects.filter(volunteer=person, request__reference=reference)
                  .select_related("request__group", "request__resident", "volunteer")
                  .order_by("-assigned_at").first())
    if assignment is None:
        raise Http404("No such task")
    grant = TaskGrant(assignment)
    if not grant.in_role:
        raise Http404("No such task")
    return grant


def _reveal_all(request, grant: TaskGrant) -> dict[str, str | None]:
    assignment = grant.assignment
    req = assignment.request
    reason = f"Doing task {req.reference}"
    shown = {}
    with one_look():  # one access row for the resident, one for the request
        for field, owner, _ in SHOWN:
            subject = req.resident if owner == "resident" else req
            shown[field] = reveal(subject, field, viewer=request.user, group=req.group,
                                  reason=reason, request=request, grant=grant)
    return shown


def _start(req, *, actor, post):
    from kith.safety.checkins import do_start_task
    from kith.safety.task_panel import minutes_from

    # On the way to someone's door: a check-in for the time they said (kith.safety).
    do_start_task(req, acting_user=actor, minutes=minutes_from(post))


def _complete(req, *, actor, post, note):
    from kith.safety.checkins import do_finish_task

    do_finish_task(req, acting_user=actor, note=note)  # closes an open check-in as safe


def _hand_back(req, *, actor, post, note):
    from kith.safety.checkins import do_give_back_task

    do_give_back_task(req, acting_user=actor, note=note)  # they are telling us: safe


ACTIONS = {"start": _start, "complete": _complete, "hand_back": _hand_back}


@login_required
@require_http_methods(["GET", "POST"])
def task(request, reference):
    try:
        grant = grant_for(request.user, reference)
    except Http404:
        from kith.safety.views import check_in_only

        # Their role ended while they were out: they can still say they are safe (or 404).
        return check_in_only(request, reference)
    assignment, req = grant.assignment, grant.assignment.request
    error, note = "", ""
    if request.method == "POST":
        action, note = request.POST.get("action", ""), request.POST.get("note", "").strip()
        if action not in ACTIONS:
            error = "Choose one of the buttons."
        else:
            try:
                extra = {"note": note} if action != "start" else {}
                if action == "hand_back" and not note:
                    raise IllegalMove("Say why you can't do it, so the coordinator can find "
                                      "someone else.")
                ACTIONS[action](req, actor=request.user, post=request.POST, **extra)
            except (IllegalMove, NotAllowed) as exc:
                error = str(exc)
            else:
                messages.success(request, {"start": "Thank you: marked as on your way.",
                                           "complete": "Thank you! Marked as done.",
                                           "hand_back": "Thanks for telling us. It will go to "
                                                        "someone else."}[action])
                return redirect("requests:task", reference=req.reference)
        grant = grant_for(request.user, reference)
        assignment, req = grant.assignment, grant.assignment.request
    shown: dict[str, str | None] = {}
    if assignment.address_open():
        try:
            shown = _reveal_all(request, grant)
        except NeedToKnowDenied as exc:
            error = error or str(exc)
    from kith.safety.task_panel import context as safety_context

    safety = safety_context(request, grant, holding=assignment.ended_at is None)
    return render(request, "requests/task.html", {**safety,
        "assignment": assignment, "req": req, "shown": shown, "error": error, "note": note,
        "fields": [(label, shown.get(field)) for field, _, label in SHOWN],
        "holding": assignment.ended_at is None, "open": assignment.address_open(),
        "worried": worried_contact(req.group),
    }, status=400 if error and request.method == "POST" else 200)
