"""Reading what a partner sends into what Kith's own intake takes.

A referral goes through the partner web form's own form (requests.forms_public.ReferForm),
so the API and the form accept exactly the same things with the same words for what is
wrong (a landline given for texts, a postcode that does not exist, hidden characters). A
run's stops become the lines a coordinator would paste (runs.services.read_lines).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from kith.partners.problems import Problem
from kith.partners.services import Consent

# The web form's field -> where it is in the API's JSON.
FIELD_PATHS = {
    "name": "person.name", "phone": "person.phone", "email": "person.email",
    "postcode": "person.postcode", "language": "person.language", "service": "need.service",
    "details": "need.details", "urgency": "need.urgency", "when": "need.when",
    "referrer_name": "referrer.name", "referrer_contact": "referrer.contact",
    "partner_kind": "partner", "partner_name": "partner", "__all__": "body",
}
SOMEONE = "someone_for_them"
EARLIEST_CONSENT_YEAR = 2020  # no partner referred anyone through Kith before this
CLOCK_SLACK = timedelta(minutes=5)  # a partner's clock may run a little fast


def read_referral(partner, body):
    """(Contact, Need, Consent) for intake, or Problem(422) naming every wrong field."""
    from kith.requests.forms_public import ReferForm

    data = {
        "name": body.person.name, "phone": body.person.phone, "email": body.person.email,
        "postcode": body.person.postcode, "language": body.person.language,
        "service": body.need.service.value, "details": body.need.details,
        "urgency": body.need.urgency.value, "when": body.need.when,
        "partner_kind": partner.kind, "partner_name": partner.name,
        "referrer_name": body.referrer.name, "referrer_contact": body.referrer.contact,
        "consent": "on",  # the consent object below is the partner's record of it
    }
    form = ReferForm(data, group=partner.group)
    errors = {} if form.is_valid() else {
        FIELD_PATHS.get(field, field): [str(m) for m in messages]
        for field, messages in form.errors.items()}
    if "need.service" in errors:
        errors["need.service"] = [_service_not_taken(partner.group, data["service"])]
    consent = _consent(body.consent, errors)
    if errors:
        raise Problem(422, "Some of what was sent is not valid: see errors.", errors=errors,
                      slug="invalid")
    return form.contact(), form.need(), consent


def accepted_services(group) -> list[str]:
    """The services this group takes, as the API names them (GET /me lists them too)."""
    from kith.requests.forms_public import service_choices

    return [key for key, _label in service_choices(group)]


def _service_not_taken(group, service: str) -> str:
    return (f"This group does not take “{service}”. It takes: "
            + ", ".join(accepted_services(group)) + ".")


def _consent(given, errors: dict) -> Consent:
    from kith.core.text import hidden_characters

    name = " ".join(given.given_by_name.split())
    version = given.version.strip()
    if not version or hidden_characters(version):
        errors["consent.version"] = ["Give the version of the consent wording you read to "
                                     "them, in plain characters."]
    if given.given_by.value == SOMEONE and not name:
        errors["consent.given_by_name"] = ["Someone acting for them agreed: give their name."]
    elif name and hidden_characters(name):
        errors["consent.given_by_name"] = ["The name has hidden characters in it. Type it "
                                           "again."]
    now = timezone.now()
    at = given.given_at or now
    problem = _consent_time_problem(at, now)
    if problem:
        errors["consent.given_at"] = [problem]
        at = now  # never kept: the errors refuse the referral
    return Consent(version=version, given_by=given.given_by.value, given_by_name=name, at=at)


def _consent_time_problem(at: datetime, now: datetime) -> str:
    """What is wrong with the time consent was given, or "". The wall-clock part is looked at
    before the offset is applied: a time near year 1 or 9999 cannot be moved to UTC at all."""
    if timezone.is_naive(at):
        return "Give the time with its offset, like 2026-12-04T10:30:00+00:00."
    wall = at.replace(tzinfo=None)
    if wall < datetime(EARLIEST_CONSENT_YEAR, 1, 2) or at < datetime(
            EARLIEST_CONSENT_YEAR, 1, 1, tzinfo=UTC):
        return (f"That time is before {EARLIEST_CONSENT_YEAR}: give when they agreed to this "
                "referral.")
    if wall > now.replace(tzinfo=None) + timedelta(days=2) or at > now + CLOCK_SLACK:
        return "That time is in the future: give when they agreed."
    return ""


BLANK_STOP = {"name": "give who the delivery is for.",
              "address": "give the address to deliver to.",
              "postcode": "give the postcode of the address."}


def run_lines(body) -> tuple[str, dict[str, list[str]]]:
    """The stops as pasted lines ("name, address, postcode, note"), or errors by stop."""
    lines, errors = [], {}
    for number, stop in enumerate(body.stops, 1):
        parts = [stop.name, stop.address, stop.postcode, stop.note]
        blank = [field for field in BLANK_STOP if not getattr(stop, field).strip()]
        for field in blank:  # said in the API's words, not the pasted lines' "commas"
            errors[f"stops.{number - 1}.{field}"] = [f"Stop {number}: {BLANK_STOP[field]}"]
        if blank:
            continue
        if any("\n" in part or "\r" in part for part in parts):
            errors[f"stops.{number - 1}"] = [f"Stop {number}: keep each part on one line."]
        elif "," in stop.name or "\t" in stop.name:
            errors[f"stops.{number - 1}.name"] = [f"Stop {number}: leave commas out of the name."]
        lines.append(", ".join(p.replace("\t", " ").strip() for p in parts if p.strip()))
    return "\n".join(lines), errors


RUN_DAYS_BACK, RUN_DAYS_AHEAD = 7, 90  # a run is for this week or the next few months


def run_date_errors(day) -> dict[str, list[str]]:
    """A run's day must be near today: a typo in the year is caught, not planned for."""
    if day is None:
        return {}
    today = timezone.localdate()
    first, last = today - timedelta(days=RUN_DAYS_BACK), today + timedelta(days=RUN_DAYS_AHEAD)
    if first <= day <= last:
        return {}
    return {"date": [f"Give a day from {first:%-d %B %Y} to {last:%-d %B %Y}: a run can be at "
                     f"most {RUN_DAYS_BACK} days ago and at most {RUN_DAYS_AHEAD} days ahead."]}


def stop_errors(messages: list[str]) -> dict[str, list[str]]:
    """runs.services' "Line 4: …" errors as the API's "stops.3": ["Stop 4: …"]."""
    import re

    found: dict[str, list[str]] = {}
    for message in messages:
        match = re.match(r"Line (\d+)", message)
        if match:
            number = int(match.group(1))
            found.setdefault(f"stops.{number - 1}", []).append(
                "Stop" + message[len("Line"):])
        else:
            found.setdefault("stops", []).append(message)
    return found
