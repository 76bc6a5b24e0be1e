"""Correcting a help request (the kind of help, what they need, when, how soon, who asked),
and what a correction to a resident means for their open requests.

Coordinators correct any request of their group; a call handler only the request in their
hands (privacy.check_may_correct, the same need-to-know as reveal()). What they need is
sealed: it is replaced, never shown to be corrected. Each correction is one transaction with
a line on the request's timeline (which things changed, never their values) and one
`kith.request.corrected` audit row (old → new, what they need masked).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kith.core.audit import log_action
from kith.requests import lifecycle
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import Callback, HelpRequest, RequestPolicy
from kith.requests.moves import add_event

CORRECTABLE = ("service", "details", "when", "urgency", "needed_by", "asked_by")
# The words on the timeline for each, so nobody has to read the audit trail to know.
WHAT = {"service": gettext_lazy("the kind of help"), "details": gettext_lazy("what they need"),
        "when": gettext_lazy("the best day or time"), "urgency": gettext_lazy("how soon"),
        "needed_by": gettext_lazy("needed by"), "asked_by": gettext_lazy("who asked")}
# Once a volunteer is asked or has it, the kind of help is theirs to do as agreed: changing it
# could hand a prescription to someone cleared only for shopping. Say what to do instead.
_DONE = gettext_lazy("It is done. Take a new request for the other help.")
SERVICE_FIXED = {
    lifecycle.OFFERED: gettext_lazy("It is offered to volunteers as it is. Put it on hold first "
                                    "(that withdraws the offers), then change the kind of help."),
    lifecycle.ASSIGNED: gettext_lazy("A volunteer has it as it is. Take them off first, then "
                                     "change the kind of help."),
    lifecycle.IN_PROGRESS: gettext_lazy("A volunteer is doing it now. Take a new request for the "
                                        "other help."),
    lifecycle.DONE: _DONE,
    lifecycle.CHECKED_UP: _DONE,
}


@dataclass
class RequestCorrection:
    request: HelpRequest
    changed: list[str] = field(default_factory=list)


def _normalised(values: dict) -> dict:
    out = {}
    for name, value in values.items():
        if name not in CORRECTABLE:
            raise TypeError(f"{name!r} is not something a correction changes")
        if isinstance(value, str):
            value = value.strip() if name == "details" else " ".join(value.split())
        out[name] = value
    return out


def _differs(req: HelpRequest, name: str, value) -> bool:
    from kith.core.privacy import same_as_sealed

    if name == "details":
        return not same_as_sealed(req.details, value or None)
    return getattr(req, name) != value


def _check(req: HelpRequest, changes: dict, now: datetime) -> None:
    if req.state in lifecycle.FINAL:
        raise IllegalMove(_("This request has ended (%(state)s), so nothing on it changes now.")
                          % {"state": lifecycle.STATE_LABELS[req.state].lower()})
    if "service" in changes and req.state in SERVICE_FIXED:
        raise IllegalMove(str(SERVICE_FIXED[req.state]))
    needed = changes.get("needed_by")
    if needed is not None and timezone.localtime(needed).date() < timezone.localdate(now):
        raise IllegalMove(_("Choose today or a later day for when it is needed by."))
    if "urgency" in changes and changes["urgency"] not in HelpRequest.Urgency.values:
        raise IllegalMove(_("Choose how soon they need it."))


@transaction.atomic
def correct_request(req: HelpRequest, *, acting_user, **values) -> RequestCorrection:
    """Correct an open request (`requests.edit`; a call handler only the one in hand).

    Only the fields passed are looked at; what differs is saved. A new urgency with no new
    "needed by" moves that date to match, as intake sets it; the request's waiting callback
    follows the urgency. A new kind of help waiting for a volunteer is matched afresh.
    Nothing differing, nothing is written.
    """
    from kith.core.privacy import check_may_correct
    from kith.requests.intake import needed_by

    check_may_correct(acting_user, req.group, [req], "requests.edit")
    req = (HelpRequest.objects.select_for_update(of=("self",))
           .select_related("group", "resident").get(pk=req.pk))
    now = timezone.now()
    values = _normalised(values)
    changes = {n: values[n] for n in CORRECTABLE if n in values and _differs(req, n, values[n])}
    if "urgency" in changes and "needed_by" not in changes:
        moved = needed_by(changes["urgency"], now)
        if moved != req.needed_by:
            changes["needed_by"] = moved
    if not changes:
        return RequestCorrection(req)
    _check(req, changes, now)
    old = {n: ("recorded" if req.details is not None else None) if n == "details"
           else getattr(req, n) for n in changes}
    for name, value in changes.items():
        setattr(req, name, (value or None) if name == "details" else value)
    fields = list(changes)
    if "service" in changes and req.state == lifecycle.MATCHING:
        req.offer_rounds = 0  # other volunteers may be cleared for it: offer it afresh
        fields.append("offer_rounds")
    req.save(update_fields=fields)
    add_event(req, "corrected", actor=acting_user,
              note=_("Corrected: %(what)s") % {"what": ", ".join(str(WHAT[n]) for n in changes)})
    log_action("kith.request.corrected", actor=acting_user, group=req.group, obj=req,
               old=old, new=changes)
    if "urgency" in changes:
        reschedule_calls(request=req)
    return RequestCorrection(req, list(changes))


# --- a resident's correction, seen from their requests --------------------------------------

PLACE = {"address": "address", "postcode": "postcode", "postcode_sector": "postcode"}


def resident_moved(resident, *, moved: set[str], actor) -> None:
    """The resident's address or postcode was corrected (residents.services.correct_resident,
    inside its transaction). Each open request says so on its timeline (no values); one waiting
    for a volunteer is offered again from the new place, even if Kith had stopped offering it
    for want of an address or a postcode. Offers already out stand until they are answered or
    run out (withdrawing them would bar the nearest volunteers from the next round); a
    volunteer holding the task sees the new address on their task page."""
    what = sorted({PLACE[name] for name in moved})
    note = _("The resident's %(what)s was corrected") % {"what": _(" and ").join(what)}
    for req in resident.requests.filter(state__in=lifecycle.OPEN).select_for_update(of=("self",)):
        add_event(req, "resident_corrected", actor=actor, note=note)
        if req.state == lifecycle.MATCHING and req.offer_rounds:
            HelpRequest.objects.filter(pk=req.pk).update(offer_rounds=0)


def reschedule_calls(*, resident=None, request: HelpRequest | None = None) -> int:
    """Waiting request callbacks follow a corrected urgency or at-risk flag: the same
    deadline rule as when they were queued (callbacks.due_at), from when they were queued."""
    from kith.requests.callbacks import due_at

    waiting = Callback.objects.filter(kind=Callback.Kind.REQUEST, outcome="").select_related(
        "request", "resident", "group")
    waiting = waiting.filter(request=request) if request is not None else waiting.filter(
        resident=resident)
    moved = 0
    for cb in waiting:
        req = request or cb.request
        urgent = req.urgency == HelpRequest.Urgency.TODAY
        at_risk = cb.resident.at_risk if resident is None else resident.at_risk
        due = due_at(cb.created_at, policy=RequestPolicy.for_group(cb.group), urgent=urgent,
                     at_risk=at_risk)
        if (cb.due_at, cb.urgent) != (due, urgent or at_risk):
            Callback.objects.filter(pk=cb.pk).update(due_at=due, urgent=urgent or at_risk)
            moved += 1
    return moved


# --- the call screen: answers to what the script asked ---------------------------------------

@transaction.atomic
def record_answers(req: HelpRequest, *, acting_user, script, answers: dict) -> list[str]:
    """Save what the call handler wrote down on the call, each answer where it belongs
    (scripts.Ask.to): the kind of help's own answers as lines added to what they need ("Pharmacy:
    Boots, Golborne Road"), the day and urgency and who asked on the request, the address,
    postcode and language on the resident. `answers` holds only what was typed or changed.
    Goes through correct_request() and correct_resident(), so the same people may, the same
    audit rows are written, and an answer that changes nothing writes nothing. Returns the
    labels of what changed."""
    from kith.core.privacy import check_may_correct, sealed_with
    from kith.requests import scripts
    from kith.residents.services import correct_resident

    check_may_correct(acting_user, req.group, [req], "requests.edit")  # before anything opens
    asks = {ask.key: ask for ask in scripts.asks_of(script)}
    given = {key: value for key, value in answers.items() if key in asks}
    lines = [f"{asks[key].line_name}: {value}" for key, value in given.items()
             if asks[key].to == scripts.DETAILS]
    on_request = {asks[key].to: value for key, value in given.items()
                  if asks[key].to in (scripts.WHEN, scripts.URGENCY, scripts.ASKED_BY)}
    on_resident = {asks[key].to: value for key, value in given.items()
                   if asks[key].to in (scripts.ADDRESS, scripts.POSTCODE, scripts.LANGUAGE)}
    changed: list[str] = []
    if on_resident:
        changed += correct_resident(req.resident, acting_user=acting_user, **on_resident).changed
    if lines:
        on_request["details"] = sealed_with(
            HelpRequest.objects.get(pk=req.pk).details, "\n".join(lines))
    if on_request:
        changed += correct_request(req, acting_user=acting_user, **on_request).changed
    return changed
