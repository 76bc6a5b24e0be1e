"""Open Referral UK in and out: import a council's directory of services as ORUK 3.0 JSON, and
export the group's own in the same shape (one page of a /services answer).

Import reads the whole file and checks every service against the schema (oruk_schema.py) and
against Kith's own rules (names, postcodes Kith can place, areas) before anything is saved;
any problem refuses the file, listing each one by service, and nothing is imported. A clean
file is saved in one transaction: a service whose id the group already holds is updated
(keeping the group's caution notes and its public choice, which ORUK does not carry), others
are added. Export writes ids derived from each service's own, so exporting twice gives the
same file and an import of it gives the same directory.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from kith.core.audit import log_action
from kith.core.formfields import hidden_character_message, validate_free_text
from kith.groups.coverage import CoverageError, normalise_area
from kith.groups.models import Group
from kith.places.postcodes import PostcodeError, parse
from kith.signposting import services as service_changes
from kith.signposting.forms import split_languages
from kith.signposting.models import LocalService
from kith.signposting.needs import NEED_KEYS, NEED_LABELS
from kith.signposting.oruk_schema import PAGE, SERVICE, validate

MAX_SERVICES = 5000
NEEDS_TAXONOMY = "Kith needs"
RADIUS_RE = re.compile(r"^Within ([0-9]+(?:\.[0-9]+)?) miles? of ", re.IGNORECASE)
# When a council's file has no Kith needs: a word in the service's name, description or
# taxonomy terms says what it helps with; failing that, "anything else".
NEED_WORDS = {
    "food": ("food", "pantry", "meal", "kitchen", "lunch", "larder"),
    "money": ("debt", "benefit", "money", "citizens advice", "grant", "financial"),
    "housing": ("housing", "homeless", "shelter", "tenan", "rough sleep"),
    "company": ("befriend", "lonel", "isolation", "friendship"),
    "mental_health": ("mental health", "wellbeing", "counsel", "samaritans"),
    "domestic_abuse": ("domestic abuse", "domestic violence", "refuge"),
    "immigration": ("immigration", "asylum", "legal advice", "refugee"),
    "health": ("health", "pharmac", "prescription", "care"),
    "digital": ("digital", "online", "computer", "form filling"),
}


class ImportRefused(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    services: list[LocalService] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class Incoming:
    uid: uuid.UUID
    org_uid: uuid.UUID
    fields: dict


# --- reading ------------------------------------------------------------------------------


def read_items(raw: bytes) -> list:
    """The services in a file: a page of a /services answer, a list, or one service."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportRefused([_("The file is not text in UTF-8: save it again as JSON.")]) from None
    except RecursionError:  # thousands of [ or { inside each other: no directory looks so
        raise ImportRefused([_("The file is nested too deeply to be a list of services: "
                               "check it is the council's Open Referral UK file.")]) from None
    except json.JSONDecodeError as exc:
        raise ImportRefused([_("The file is not JSON: %(why)s at line %(line)d, column "
                               "%(column)d.") % {"why": exc.msg, "line": exc.lineno,
                                                 "column": exc.colno}]) from None
    if isinstance(data, dict) and "contents" in data:
        problems = [p for p in validate(data, PAGE) if not p.startswith("contents[")]
        if problems or not isinstance(data["contents"], list):
            raise ImportRefused(problems or [_("contents should be a list of services")])
        items = data["contents"]
    elif isinstance(data, list):
        items = data
    elif isinstance(data, dict) and "id" in data:
        items = [data]
    else:
        raise ImportRefused([_("The file holds neither a list of services nor a page of them "
                               "(an object with \"contents\").")])
    if len(items) > MAX_SERVICES:
        raise ImportRefused([_("The file has %(n)d services; Kith imports at most %(most)d "
                               "at once.") % {"n": len(items), "most": MAX_SERVICES}])
    return items


def _label(n: int, item) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    if isinstance(name, str) and name.strip():
        return _("Service %(n)d (“%(name)s”)") % {"n": n, "name": name.strip()[:60]}
    return _("Service %(n)d") % {"n": n}


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _address(item: dict) -> tuple[str, str]:
    """(address, postcode) of its first physical place, as one line."""
    for link in item.get("service_at_locations") or []:
        location = link.get("location") or {}
        for address in location.get("addresses") or []:
            if address.get("address_type") == "physical" or len(location.get("addresses")) == 1:
                line = _text(address.get("address_1"))
                city = _text(address.get("city"))
                if city and city.lower() not in line.lower():
                    line = f"{line}, {city}" if line else city
                return line, _text(address.get("postal_code"))
    return "", ""


def _areas(item: dict) -> tuple[list[str], float | None]:
    """Coverage (postcode districts and sectors) and a radius from its service areas."""
    coverage: list[str] = []
    radius = None
    for area in item.get("service_areas") or []:
        name = _text(area.get("name")) or _text(area.get("service_area"))
        within = RADIUS_RE.match(name)
        if within:
            radius = float(within.group(1))
            continue
        try:
            normalised = normalise_area(name)
        except CoverageError:
            continue  # a place name ("the whole borough"): said in words, not a postcode area
        if normalised not in coverage:
            coverage.append(normalised)
    return coverage, radius


def _cost(item: dict) -> str:
    parts = []
    for option in item.get("cost_options") or []:
        words = [_text(option.get("option"))]
        if option.get("amount") is not None:
            words.append(f"£{option['amount']:g} {_text(option.get('amount_description'))}".strip())
        parts.append(" ".join(w for w in words if w))
    return "; ".join(p for p in parts if p) or _text(item.get("fees"))


def _opening_times(item: dict) -> str:
    lines = []
    for schedule in item.get("schedules") or []:
        line = _text(schedule.get("description"))
        if not line and schedule.get("byday"):
            hours = "–".join(_text(schedule.get(k))[:5] for k in ("opens_at", "closes_at")
                             if schedule.get(k))
            line = f"{schedule['byday']} {hours}".strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


def _needs(item: dict) -> list[str]:
    terms = [a.get("taxonomy_term") or {} for a in item.get("attributes") or []]
    ours = [_text(t.get("term")) for t in terms if t.get("taxonomy") == NEEDS_TAXONOMY]
    if any(ours):
        return [key for key in NEED_LABELS if key in ours]
    text = " ".join([_text(item.get("name")), _text(item.get("description")),
                     *(_text(t.get("name")) for t in terms)]).lower()
    guessed = [key for key, words in NEED_WORDS.items() if any(w in text for w in words)]
    return guessed or ["other"]


def _eligibility(item: dict) -> str:
    said = _text(item.get("eligibility_description"))
    if said:
        return said
    low, high = item.get("minimum_age"), item.get("maximum_age")
    if low is not None and high is not None:
        return f"Ages {low:g} to {high:g}"
    if low is not None:
        return f"Aged {low:g} and over"
    return f"Aged up to {high:g}" if high is not None else ""


def to_fields(item: dict) -> tuple[Incoming | None, list[str]]:
    """Kith's fields for one valid ORUK service, or the problems that stop it."""
    problems: list[str] = []
    organisation = item.get("organization") or {}
    if not organisation:
        problems.append(_("it has no organization (who runs it)"))
    address, postcode_text = _address(item)
    postcode = ""
    if postcode_text:
        try:
            postcode = parse(postcode_text).text
        except PostcodeError as exc:
            problems.append(_("its postcode “%(postcode)s”: %(why)s") % {
                "postcode": postcode_text[:12], "why": exc})
    coverage, radius = _areas(item)
    if radius and not postcode:
        problems.append(_("it serves people within a distance but has no postcode to "
                          "measure from"))
    phones = [_text(p.get("number")) for p in item.get("phones") or []]
    fields = {
        "organisation": _text(organisation.get("name")), "name": _text(item.get("name")),
        "description": _text(item.get("description")), "eligibility": _eligibility(item),
        "needs": _needs(item), "phone": next((p for p in phones if p), ""),
        "email": _text(item.get("email")), "website": _text(item.get("url")),
        "address": address, "postcode": postcode, "opening_times": _opening_times(item),
        "radius_miles": radius, "coverage": coverage,
        "languages": split_languages(", ".join(
            _text(lang.get("name")) or _text(lang.get("code"))
            for lang in item.get("languages") or [])),
        "cost": _cost(item), "how_to_refer": _text(item.get("application_process")),
        "status": item["status"],
        "last_checked": date.fromisoformat(item["assured_date"]) if item.get("assured_date")
        else None,
    }
    problems += _field_problems(fields)
    if problems:
        return None, problems
    return Incoming(uuid.UUID(item["id"]), uuid.UUID(organisation["id"]), fields), []


LIMITS = {"organisation": 200, "name": 200, "description": 2000, "eligibility": 1000,
          "phone": 40, "website": 500, "address": 500, "opening_times": 500, "cost": 200,
          "how_to_refer": 1000}


# Saved as free text: the add/edit form's rule for these (validate_free_text) applies too.
FREE_TEXT = ("description", "eligibility", "phone", "email", "website", "address",
             "opening_times", "cost", "how_to_refer")


def _field_problems(fields: dict) -> list[str]:
    """The add/edit form's rules (ServiceForm): a name, no hidden or control characters."""
    problems = []
    for key in ("organisation", "name"):
        hidden = hidden_character_message(fields[key])
        if hidden:
            problems.append(_("its %(field)s “%(value)s”: %(why)s") % {
                "field": key, "value": fields[key][:40], "why": hidden})
    if not fields["name"]:
        problems.append(_("its name is empty"))
    for key in FREE_TEXT:
        try:
            validate_free_text(fields[key])
        except ValidationError as exc:
            problems.append(_("its %(field)s: %(why)s") % {"field": key, "why": exc.messages[0]})
    for key in ("languages", "coverage"):
        for value in fields[key]:
            hidden = hidden_character_message(value)
            if hidden:
                problems.append(_("its %(field)s “%(value)s”: %(why)s") % {
                    "field": key, "value": value[:40], "why": hidden})
    problems += [_("its %(field)s is longer than %(limit)d characters") % {
        "field": key, "limit": limit} for key, limit in LIMITS.items() if len(fields[key]) > limit]
    if not fields["organisation"]:
        problems.append(_("its organization has no name"))
    for key, check in (("email", validate_email), ("website", URLValidator())):
        if fields[key]:
            try:
                check(fields[key])
            except ValidationError:
                problems.append(_("its %(field)s “%(value)s” is not valid") % {
                    "field": key, "value": fields[key][:60]})
    return problems


def check_file(raw: bytes) -> list[Incoming]:
    """Every service in the file as Kith would save it, or ImportRefused listing every
    problem by service. Writes nothing."""
    items = read_items(raw)
    problems: list[str] = []
    incoming: list[Incoming] = []
    seen: dict[str, int] = {}
    for n, item in enumerate(items, 1):
        label = _label(n, item)
        found = validate(item, SERVICE)
        if not found:
            earlier = seen.setdefault(item["id"].lower(), n)
            if earlier != n:
                found = [_("it has the same id as service %(n)d") % {"n": earlier}]
        if not found:
            converted, found = to_fields(item)
            if converted is not None:
                incoming.append(converted)
        problems += [_("%(service)s: %(problem)s.") % {"service": label, "problem": p}
                     for p in found]
    if problems:
        raise ImportRefused(problems)
    return incoming


def import_directory(group: Group, raw: bytes, *, acting_user, commit: bool = True) -> ImportResult:
    incoming = check_file(raw)
    result = ImportResult()
    if not commit:
        result.created = len(incoming)
        return result
    try:
        with transaction.atomic():
            _save_all(group, incoming, result, acting_user)
    except service_changes.ServiceError as exc:  # a postcode Kith cannot place exactly
        raise ImportRefused([str(exc)]) from None
    return result


def _save_all(group: Group, incoming: list[Incoming], result: ImportResult, acting_user):
    held = {s.uid: s for s in group.local_services.all()}
    problems = []
    for n, item in enumerate(incoming, 1):
        try:
            _save_one(group, item, held, result, acting_user)
        except service_changes.ServiceError as exc:
            problems.append(_("%(service)s: %(problem)s") % {
                "service": _label(n, item.fields), "problem": exc})
    if problems:
        raise ImportRefused(problems)  # rolls the whole file back
    log_action("kith.service.imported", actor=acting_user, group=group,
               new={"created": result.created, "updated": result.updated,
                    "unchanged": result.unchanged})


def _save_one(group, item: Incoming, held: dict, result: ImportResult, acting_user) -> None:
    existing = held.get(item.uid)
    if existing is None:
        service = service_changes.create_service(group, acting_user=acting_user, uid=item.uid,
                                                 org_uid=item.org_uid, **item.fields)
        result.created += 1
    elif service_changes.changes(existing, item.fields) or existing.organisation_uid != item.org_uid:
        service = service_changes.update_service(existing, acting_user=acting_user,
                                                 org_uid=item.org_uid, **item.fields)
        result.updated += 1
    else:
        service = existing
        result.unchanged += 1
    result.services.append(service)


# --- writing ------------------------------------------------------------------------------


def _id(service: LocalService, part: str) -> str:
    """A nested record's id, the same on every export of the same service."""
    return str(uuid.uuid5(service.uid, part))


def _need_attribute(service: LocalService, key: str) -> dict:
    term_id = str(uuid.uuid5(uuid.UUID(int=0), f"kith-need:{key}"))
    return {"id": _id(service, f"need:{key}"), "link_id": str(service.uid),
            "link_type": "service", "taxonomy_term_id": term_id,
            "taxonomy_term": {"id": term_id, "name": str(NEED_LABELS[key]),
                              "description": str(NEED_LABELS[key]),
                              "taxonomy": NEEDS_TAXONOMY, "term": key}}


def _location(service: LocalService) -> list[dict]:
    if not (service.address or service.postcode):
        return []
    location = {"id": _id(service, "location"), "location_type": "physical",
                "name": service.organisation,
                "addresses": [{"id": _id(service, "address"), "address_1": service.address,
                               "city": "", "state_province": "",
                               "postal_code": service.postcode, "country": "GB",
                               "address_type": "physical"}]}
    if service.lat is not None:
        location.update(latitude=service.lat, longitude=service.lon)
    return [{"id": _id(service, "service_at_location"), "service_id": str(service.uid),
             "location_id": location["id"], "location": location}]


def _areas_out(service: LocalService) -> list[dict]:
    areas = [{"id": _id(service, f"area:{a}"), "service_id": str(service.uid), "name": a,
              "service_area": a, "extent_type": "text", "extent": a} for a in service.coverage]
    if service.radius_miles:
        words = f"Within {service.radius_miles:g} miles of {service.postcode}"
        areas.append({"id": _id(service, "area:radius"), "service_id": str(service.uid),
                      "name": words, "service_area": words, "extent_type": "text",
                      "extent": words})
    return areas


def service_json(service: LocalService) -> dict:
    sid = str(service.uid)
    body: dict = {
        "id": sid, "organization_id": str(service.organisation_uid), "name": service.name,
        "description": service.description, "status": service.status,
        "organization": {"id": str(service.organisation_uid), "name": service.organisation,
                         "description": ""},
        "eligibility_description": service.eligibility,
        "application_process": service.how_to_refer,
        "service_areas": _areas_out(service), "service_at_locations": _location(service),
        "languages": [{"id": _id(service, f"language:{n}"), "service_id": sid, "name": name}
                      for n, name in enumerate(service.languages)],
        "attributes": [_need_attribute(service, k) for k in service.needs if k in NEED_KEYS],
        "schedules": [{"id": _id(service, "schedule"), "service_id": sid,
                       "description": service.opening_times}] if service.opening_times else [],
        "cost_options": [{"id": _id(service, "cost"), "service_id": sid,
                          "option": service.cost}] if service.cost else [],
        "phones": [{"id": _id(service, "phone"), "number": service.phone}]
        if service.phone else [],
    }
    optional = {"url": service.website, "email": service.email,
                "assured_date": service.last_checked.isoformat() if service.last_checked else ""}
    body.update({k: v for k, v in optional.items() if v})
    return body


def export_directory(group: Group) -> dict:
    """The group's own services (not those shared from above), as one /services page."""
    contents = [service_json(s) for s in group.local_services.order_by("organisation", "name", "id")]
    return {"total_items": len(contents), "total_pages": 1, "page_number": 1,
            "size": len(contents), "first_page": True, "last_page": True,
            "empty": not contents, "contents": contents}
