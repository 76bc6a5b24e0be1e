"""The audit trail in words: "Priya Shah approved Tom Brennan · 2 Dec 14:05".

Audit rows store codes and ids (so they stay true when names change); this turns a page of
them into sentences and readable changes for people. Names are looked up once per page.
Masked values stay masked: nothing personal is shown here that the row did not hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kith.core.audit import MASKED, action_label

# What each action says, as a sentence about its actor and its subject. An action missing
# here reads "Priya Shah: <its label> (<subject>)", so a new action is never unreadable.
SENTENCES = {
    "kith.group.created": gettext_lazy("%(actor)s set up the group %(subject)s"),
    "kith.group.updated": gettext_lazy("%(actor)s changed the group's details"),
    "kith.group.member_added": gettext_lazy("%(actor)s added %(subject)s to the group"),
    "kith.group.roles_changed": gettext_lazy("%(actor)s changed the roles of %(subject)s"),
    "kith.group.member_removed": gettext_lazy("%(actor)s removed %(subject)s from the group"),
    "kith.group.invitation_created": gettext_lazy("%(actor)s made an invitation"),
    "kith.group.invitation_revoked": gettext_lazy("%(actor)s cancelled an invitation"),
    "kith.group.invitation_accepted": gettext_lazy("%(actor)s accepted an invitation"),
    "kith.resident.registered": gettext_lazy("%(actor)s recorded a resident, %(subject)s"),
    "kith.resident.updated": gettext_lazy("%(actor)s corrected the details of %(subject)s"),
    "kith.resident.corrected": gettext_lazy("%(actor)s corrected the details of %(subject)s"),
    "kith.request.corrected": gettext_lazy("%(actor)s corrected request %(subject)s"),
    "kith.request.resident_note": gettext_lazy("%(actor)s added a note to request %(subject)s"),
    "kith.request.same_phone": gettext_lazy(
        "Request %(subject)s came from a phone number another resident has"),
    "kith.volunteer.imported": gettext_lazy("%(actor)s imported volunteers from a spreadsheet"),
    "kith.volunteer.signed_up": gettext_lazy("%(subject)s signed up to volunteer"),
    "kith.person.signed_in_by_text": gettext_lazy("%(actor)s signed in with a code sent by text"),
    "kith.volunteer.joined": gettext_lazy("%(subject)s joined the group as a volunteer"),
    "kith.volunteer.left": gettext_lazy("%(subject)s stopped volunteering"),
    "kith.volunteer.vetting_updated": gettext_lazy("%(actor)s recorded the checks of %(subject)s"),
    "kith.volunteer.approved": gettext_lazy("%(actor)s approved %(subject)s"),
    "kith.volunteer.approval_withdrawn": gettext_lazy(
        "%(actor)s withdrew the approval of %(subject)s"),
    "kith.volunteer.exported": gettext_lazy("%(actor)s downloaded the volunteer list"),
    "kith.request.created": gettext_lazy("%(actor)s took request %(subject)s"),
    "kith.request.assign": gettext_lazy("%(actor)s assigned request %(subject)s"),
    "kith.request.cancel": gettext_lazy("%(actor)s cancelled request %(subject)s"),
    "kith.request.escalate": gettext_lazy("%(actor)s escalated request %(subject)s to safeguarding"),
    "kith.callback.claimed": gettext_lazy("%(actor)s took the call %(subject)s"),
    "kith.callback.attempt": gettext_lazy("%(actor)s rang for %(subject)s"),
    "kith.callback.withdrawn": gettext_lazy(
        "%(actor)s moved the request on, so the call %(subject)s was no longer needed"),
    "kith.exclusion.added": gettext_lazy("%(actor)s added someone to the exclusion list"),
    "kith.exclusion.lifted": gettext_lazy("%(actor)s lifted an exclusion"),
    "kith.run.sent_out": gettext_lazy("%(actor)s sent the routes of %(subject)s"),
    "kith.request.triage": gettext_lazy("%(actor)s triaged request %(subject)s"),
    "kith.request.start_matching": gettext_lazy("%(actor)s sent request %(subject)s to matching"),
    "kith.request.offer": gettext_lazy("%(actor)s offered request %(subject)s to volunteers"),
    "kith.request.accept": gettext_lazy("%(actor)s accepted request %(subject)s"),
    "kith.request.complete": gettext_lazy("%(actor)s marked request %(subject)s done"),
    "kith.request.close": gettext_lazy("%(actor)s closed request %(subject)s"),
    "kith.request.hold": gettext_lazy("%(actor)s put request %(subject)s on hold"),
    "kith.request.resume": gettext_lazy("%(actor)s took request %(subject)s off hold"),
    "kith.callback.check_in_booked": gettext_lazy("%(actor)s booked a check-in call: %(subject)s"),
    "kith.callback.check_up_booked": gettext_lazy("%(actor)s booked a check-up call: %(subject)s"),
    "kith.callback.queued": gettext_lazy("%(actor)s put a call in the queue: %(subject)s"),
    "kith.messaging.call_bridged": gettext_lazy(
        "%(actor)s rang the resident of request %(subject)s through the group's number"),
    "kith.messaging.text_relayed": gettext_lazy(
        "%(actor)s sent a text about request %(subject)s through the group's number"),
    "kith.series.started": gettext_lazy("%(actor)s started regular help: %(subject)s"),
    "kith.series.volunteer_cleared": gettext_lazy(
        "%(actor)s cleared the regular volunteer of %(subject)s"),
}

# Readable names for the keys audit rows store; others are tidied from the key itself.
FIELD_LABELS = {
    "id_seen_at": gettext_lazy("ID seen on"), "references_at": gettext_lazy("References checked on"),
    "dbs_level": gettext_lazy("DBS check"), "dbs_date": gettext_lazy("DBS certificate date"),
    "safeguarding_at": gettext_lazy("Safeguarding training on"),
    "approved_at": gettext_lazy("Approved on"), "person": gettext_lazy("Person"),
    "volunteer": gettext_lazy("Volunteer"), "volunteers": gettext_lazy("Volunteers"),
    "resident": gettext_lazy("Resident"), "due_by": gettext_lazy("Due by"),
    "expires_at": gettext_lazy("Offer ends"), "reason": gettext_lazy("Why"),
    "state": gettext_lazy("State"), "roles": gettext_lazy("Roles"),
    "postcode_sector": gettext_lazy("Postcode area"), "at_risk": gettext_lazy("At risk"),
    "check_in_days": gettext_lazy("Check-in call every (days)"),
    "details": gettext_lazy("What they need"), "service": gettext_lazy("Kind of help"),
    "urgency": gettext_lazy("How soon"), "needed_by": gettext_lazy("Needed by"),
    "when": gettext_lazy("Best day or time"), "asked_by": gettext_lazy("Asked by"),
    "channel": gettext_lazy("Came by"), "series": gettext_lazy("Regular help"),
}
# A key that means something else for one action: a copy's link expires, it is no offer.
ACTION_FIELD_LABELS = {
    ("kith.export.made", "expires_at"): gettext_lazy("Link expires"),
}
# Sealed fields as the access log names them.
ACCESS_FIELD_LABELS = {
    "what_happened": gettext_lazy("What happened (safeguarding report)"),
    "victim": gettext_lazy("Who was hurt (safeguarding report)"),
    "contact": gettext_lazy("How to contact the reporter"),
    "triage_note": gettext_lazy("Triage note (safeguarding case)"),
    "outcome": gettext_lazy("Outcome (safeguarding case)"),
    "prevention": gettext_lazy("What will stop it happening again (safeguarding case)"),
    "prevention_owner": gettext_lazy("Who sees to that (safeguarding case)"),
    "what": gettext_lazy("Action (safeguarding case)"),
    "phone": gettext_lazy("Phone number"), "address": gettext_lazy("Address"),
    "postcode": gettext_lazy("Postcode"), "email": gettext_lazy("Email address"),
    "details": gettext_lazy("What they need"), "notes": gettext_lazy("Notes"),
    "note": gettext_lazy("Note"), "who": gettext_lazy("Name"), "home": gettext_lazy("Home"),
}
# Keys that hold a person's id (Person for people, Resident for residents).
PERSON_KEYS = {"person", "volunteer", "volunteers", "by", "organiser"}
RESIDENT_KEYS = {"resident"}


def _services() -> dict[str, str]:
    from kith.groups.catalogue import SERVICE_LABELS

    return SERVICE_LABELS


def _urgencies() -> dict[str, str]:
    from kith.requests.models import HelpRequest

    return dict(HelpRequest.Urgency.choices)


def _channels() -> dict[str, str]:
    from kith.requests.models import HelpRequest

    return dict(HelpRequest.Channel.choices)


def _states() -> dict[str, str]:
    from kith.requests.lifecycle import STATE_LABELS

    return STATE_LABELS


# Keys whose values are stored codes, read as their labels ("prescriptions": "Collecting
# prescriptions", "series": "Regular help", "triaged": "Triaged").
_CHOICES = {"service": _services, "urgency": _urgencies, "channel": _channels,
            "state": _states}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@dataclass(frozen=True)
class Change:
    label: str
    old: str | None  # None when the row has no earlier value
    new: str


@dataclass(frozen=True)
class Line:
    """One audit row as people read it."""

    sentence: str
    when: datetime
    changes: list[Change]


def _ids(events, keys: set[str]) -> set[int]:
    found: set[int] = set()
    for event in events:
        for values in (event.old, event.new):
            for key in keys & set(values):
                value = values[key]
                for item in value if isinstance(value, list) else [value]:
                    if str(item).isdigit():
                        found.add(int(item))
    return found


def names_for(events) -> dict[tuple[str, int], str]:
    """Everyone a page of rows mentions by id, in two queries."""
    from kith.accounts.models import Person
    from kith.residents.models import Resident

    people = Person.objects.filter(pk__in=_ids(events, PERSON_KEYS) | {
        e.actor_id for e in events if e.actor_id})
    residents = Resident.objects.filter(pk__in=_ids(events, RESIDENT_KEYS))
    return ({("person", p.pk): str(p) for p in people}
            | {("resident", r.pk): r.name for r in residents})


def _value(key: str, value, names) -> str:
    if value in (None, "", [], {}):
        return _("(none)")
    if value == MASKED:
        return _("(hidden: personal)")
    kind = "person" if key in PERSON_KEYS else "resident" if key in RESIDENT_KEYS else ""
    if isinstance(value, list):
        return ", ".join(_value(key, item, names) for item in value)
    if kind and str(value).isdigit():
        return names.get((kind, int(value)), _("someone since removed"))
    if key in _CHOICES and str(value) in _CHOICES[key]():
        return str(_CHOICES[key]()[str(value)])
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        return ", ".join(f"{_label(k)}: {_value(k, v, names)}" for k, v in value.items())
    text = str(value)
    if _ISO_DATETIME.match(text):
        try:
            moment = timezone.localtime(datetime.fromisoformat(text))
        except ValueError:
            return text
        return formats.date_format(moment, "j M Y, H:i")
    if _ISO_DATE.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:  # shaped like a date but not one ("2026-02-31" typed as a name)
            return text
        return formats.date_format(day, "j M Y")
    return text


def _label(key: str) -> str:
    return str(FIELD_LABELS.get(key, key.replace("_", " ").capitalize()))


def _subject(event, names) -> str:
    """Who or what the row is about: the person it names, else the object as stored."""
    person = event.new.get("person", event.old.get("person"))
    if person is not None and str(person).isdigit():
        return names.get(("person", int(person)), event.object_repr)
    if event.object_type == "requests.helprequest":
        return event.object_repr.split(":", 1)[0]  # the reference, without the service
    return event.object_repr


def line(event, names) -> Line:
    actor = names.get(("person", event.actor_id)) if event.actor_id else _("Kith")
    actor = actor or _("someone since removed")
    if event.actor_id is None and event.new.get("by_resident"):
        actor = _("The resident")  # from their status page, with no account
    elif event.actor_id is None and event.new.get("anonymous"):
        actor = _("Someone (anonymous)")  # a safeguarding report nobody put their name to
    subject = _subject(event, names)
    template = SENTENCES.get(event.action)
    if template is not None:
        sentence = str(template) % {"actor": actor, "subject": subject}
    else:
        sentence = f"{actor}: {action_label(event.action)}" + (f" ({subject})" if subject else "")
    # "person" is already the sentence's subject, and "by_resident" its actor.
    keys = sorted((set(event.old) | set(event.new)) - {"person", "by_resident"})
    changes = [Change(str(ACTION_FIELD_LABELS.get((event.action, k), _label(k))),
                      _value(k, event.old[k], names) if k in event.old else None,
                      _value(k, event.new.get(k), names)) for k in keys]
    return Line(sentence, event.created_at, changes)


def lines(events) -> list[Line]:
    events = list(events)
    names = names_for(events)
    return [line(event, names) for event in events]
