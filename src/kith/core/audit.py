"""log_action(): the one way services record what they changed."""

from __future__ import annotations

import re
from typing import Any

from django.db import models, transaction

from kith.core.middleware import current_request_id
from kith.core.models import AuditEvent

# Keys whose values never go into the trail in the clear.
_SENSITIVE = re.compile(
    r"(phone|email|address|postcode(?!_sector)|password|secret|token|key|note|detail|dob|birth|health|(?<!post)code)",
    re.IGNORECASE,
)
MASKED = "***"

# Plain-English names for the trail; a code missing here is shown as itself.
ACTION_LABELS = {
    "kith.group.created": "Group created",
    "kith.group.updated": "Group details changed",
    "kith.group.member_added": "Member added",
    "kith.group.roles_changed": "Roles changed",
    "kith.group.member_removed": "Member removed",
    "kith.group.invitation_created": "Invitation made",
    "kith.group.invitation_revoked": "Invitation cancelled",
    "kith.group.invitation_accepted": "Invitation accepted",
    "kith.person.updated": "Own details changed",
    "kith.person.signed_up": "Account created",
    "kith.person.signed_in_by_text": "Signed in with a code sent by text",
    "kith.resident.registered": "Resident recorded",
    "kith.listing.registration_submitted": "New group sent for approval",
    "kith.listing.registration_approved": "New group approved",
    "kith.listing.registration_rejected": "New group turned down",
    "kith.listing.report_submitted": "Listing reported as out of date",
    "kith.listing.report_resolved": "Listing report resolved",
    "kith.listing.verified": "Listing checked by the group",
    "kith.volunteer.imported": "Volunteers imported from a spreadsheet",
    "kith.volunteer.signed_up": "Volunteer signed up",
    "kith.volunteer.joined": "Volunteer joined the group",
    "kith.volunteer.updated": "Volunteer's details changed",
    "kith.volunteer.duty_changed": "Volunteer went on or off duty",
    "kith.volunteer.break_started": "Volunteer took a break",
    "kith.volunteer.break_ended": "Volunteer back from a break",
    "kith.volunteer.consented": "Volunteer confirmed consents",
    "kith.volunteer.left": "Volunteer left",
    "kith.volunteer.vetting_updated": "Volunteer's checks recorded",
    "kith.volunteer.approved": "Volunteer approved",
    "kith.volunteer.approval_withdrawn": "Volunteer's approval withdrawn",
    "kith.volunteer.policy_updated": "Checks needed for each service changed",
    "kith.volunteer.exported": "Volunteer list downloaded",
    "kith.resident.updated": "Resident's details updated",
    "kith.resident.check_ins_set": "Check-in calls and at-risk flag set",
    "kith.resident.corrected": "Resident's details corrected",
    "kith.request.corrected": "Request corrected",
    "kith.request.resident_note": "Resident added a note (status page or text)",
    "kith.request.created": "Help request made",
    "kith.request.asked_again": "Asked again (linked to the open request)",
    "kith.request.status_code_sent": "Resident sent a code to check their request",
    "kith.request.policy_changed": "Request settings changed",
    "kith.callback.queued": "Callback added to the queue",
    "kith.callback.missed_call": "Missed call noted",
    "kith.callback.check_up_booked": "Check-up call booked",
    "kith.callback.check_in_booked": "Check-in call booked",
    "kith.callback.claimed": "Callback claimed",
    "kith.callback.released": "Callback released",
    "kith.callback.attempt": "Call attempt logged",
    "kith.callback.withdrawn": "Callback no longer needed",
    "kith.callback.escalated": "Callback sent to a coordinator",
    "kith.series.started": "Regular help started",
    "kith.series.paused": "Regular help paused",
    "kith.series.resumed": "Regular help resumed",
    "kith.series.ended": "Regular help ended",
    "kith.exclusion.added": "Added to the exclusion list",
    "kith.exclusion.lifted": "Exclusion lifted",
    "kith.offer.accepted": "Offer accepted",
    "kith.offer.declined": "Offer declined",
    "kith.offer.withdrawn": "Offer withdrawn: the volunteer's role changed",
    "kith.offer.nobody": "Nobody to offer a request to",
    "kith.run.created": "Delivery run made",
    "kith.run.stops_added": "Stops added to a run",
    "kith.run.stop_removed": "Stop taken off a run",
    "kith.run.split": "Run split into routes",
    "kith.run.volunteer_swapped": "Volunteer on a route changed",
    "kith.run.route_vacated": "Route freed: its volunteer's role changed",
    "kith.run.sent_out": "Routes sent to the volunteers",
    "kith.run.stop_outcome": "Stop marked",
    "kith.run.finished": "Run finished",
}


def _request_move_labels() -> dict[str, str]:
    # One label per lifecycle move, from the table itself, so a new move is never unnamed.
    from kith.requests.lifecycle import MOVES

    return {f"kith.request.{m.action}": f"Request: {m.label.lower()}" for m in MOVES.values()}


ACTION_LABELS.update(_request_move_labels())


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)


def mask(values: dict[str, Any] | None) -> dict[str, Any]:
    """Copy `values` with anything that looks personal or secret replaced by ***."""
    out: dict[str, Any] = {}
    for key, value in (values or {}).items():
        if _SENSITIVE.search(key):
            out[key] = MASKED if value not in (None, "", [], {}) else value
        elif isinstance(value, dict):
            out[key] = mask(value)
        elif isinstance(value, list | tuple):
            out[key] = [mask(v) if isinstance(v, dict) else _jsonable(v) for v in value]
        else:
            out[key] = _jsonable(value)
    return out


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value)


def log_action(
    action: str,
    *,
    actor,
    group=None,
    obj: models.Model | None = None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one AuditEvent. Call it inside the service's transaction.

    `action` is a namespaced code such as ``kith.group.member_added``.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"log_action({action!r}) must run inside the change's transaction")
    return AuditEvent.objects.create(
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        group=group,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        old=mask(old),
        new=mask(new),
        request_id=current_request_id(),
    )


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The named fields' current values, for an audit row's old/new."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}
