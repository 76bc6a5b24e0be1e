"""The part of the Open Referral UK 3.0 service schema Kith reads and writes, written for Kith
from the published specification (a `service`, as its /services/{id} answer gives it, with
the organisation, schedules, service areas, locations with addresses, languages, cost options,
contacts and attributes nested inside), and a small validator for it.

Two HSDS 3.0 fields the UK profile leaves out are read and written too, since a directory is
no use without them and the profile does not forbid extra fields: `phones` (a service's phone
numbers) and languages' `name`. `eligibility_description` and `application_process` likewise.

The validator checks types, required fields, the listed values and the formats used here
(uuid, date, uri, email), and says where each problem is ("organization.name is missing").
A null is read as "not given" except in a required field: councils' feeds are full of them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URI_RE = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)

STRING = {"type": "string"}
NUMBER = {"type": "number"}
UUID = {"type": "string", "format": "uuid"}
DATE = {"type": "string", "format": "date"}
URI = {"type": "string", "format": "uri"}
EMAIL = {"type": "string", "format": "email"}


def obj(required: list[str], **properties: dict) -> dict:
    return {"type": "object", "required": required, "properties": properties}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def enum(*values: str) -> dict:
    return {"type": "string", "enum": list(values)}


PLACE_KINDS = ("physical", "postal", "virtual")
ADDRESS = obj(["id", "address_1", "city", "state_province", "postal_code", "country",
               "address_type"],
              id=UUID, location_id=UUID, attention=STRING, address_1=STRING, city=STRING,
              region=STRING, state_province=STRING, postal_code=STRING, country=STRING,
              address_type=enum(*PLACE_KINDS))
LOCATION = obj(["id", "location_type"], id=UUID, location_type=enum(*PLACE_KINDS), name=STRING,
               description=STRING, latitude=NUMBER, longitude=NUMBER, addresses=array(ADDRESS))
TAXONOMY_TERM = obj(["id", "name", "description"], id=UUID, name=STRING, description=STRING,
                    taxonomy=STRING, term=STRING, parent_id=UUID, taxonomy_id=UUID)
SERVICE = obj(
    ["id", "name", "status"],
    id=UUID, organization_id=UUID, name=STRING, description=STRING, url=URI, email=EMAIL,
    status=enum("active", "inactive", "defunct", "temporarily closed"), fees=STRING,
    minimum_age=NUMBER, maximum_age=NUMBER, assured_date=DATE, alert=STRING,
    eligibility_description=STRING, application_process=STRING,
    organization=obj(["id", "name", "description"], id=UUID, name=STRING, description=STRING,
                     email=EMAIL, website=URI),
    schedules=array(obj(["id"], id=UUID, service_id=UUID, description=STRING, byday=STRING,
                        opens_at=STRING, closes_at=STRING, freq=enum("WEEKLY", "MONTHLY"))),
    service_areas=array(obj(["id"], id=UUID, service_id=UUID, name=STRING, extent=STRING,
                            extent_type=STRING, service_area=STRING, uri=URI)),
    service_at_locations=array(obj(["id"], id=UUID, service_id=UUID, location_id=UUID,
                                   location=LOCATION)),
    languages=array(obj(["id"], id=UUID, service_id=UUID, name=STRING, code=STRING, note=STRING)),
    cost_options=array(obj(["id"], id=UUID, service_id=UUID, option=STRING, amount=NUMBER,
                           amount_description=STRING)),
    contacts=array(obj(["id"], id=UUID, service_id=UUID, name=STRING, title=STRING)),
    phones=array(obj(["id", "number"], id=UUID, number=STRING, description=STRING)),
    attributes=array(obj(["id"], id=UUID, link_id=UUID, taxonomy_term_id=UUID, link_type=STRING,
                         taxonomy_term=TAXONOMY_TERM)),
)
# One page of an Open Referral UK /services answer.
PAGE = obj(["contents"], total_items=NUMBER, total_pages=NUMBER, page_number=NUMBER,
           size=NUMBER, first_page={"type": "boolean"}, last_page={"type": "boolean"},
           empty={"type": "boolean"}, contents=array(SERVICE))

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, TYPES[kind])


def _format_ok(value: str, fmt: str) -> bool:
    if fmt == "uuid":
        return bool(UUID_RE.match(value))
    if fmt == "email":
        return bool(EMAIL_RE.match(value))
    if fmt == "uri":
        return bool(URI_RE.match(value))
    if fmt == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return len(value) == 10
    return True


FORMAT_WORDS = {"uuid": gettext_lazy("an identifier like 3a19ff88-4620-4d17-9830-ac1d859eb5d5"),
                "email": gettext_lazy("an email address"),
                "uri": gettext_lazy("a web address starting http:// or https://"),
                "date": gettext_lazy("a date like 2026-03-31")}
TYPE_WORDS = {"object": gettext_lazy("an object"), "array": gettext_lazy("a list"),
              "string": gettext_lazy("text"), "number": gettext_lazy("a number"),
              "boolean": gettext_lazy("true or false")}


def validate(value: Any, schema: dict, where: str = "") -> list[str]:
    """Every problem with `value` against `schema`, each naming where it is."""
    here = where or _("the service")
    kind = schema["type"]
    if not _type_ok(value, kind):
        return [_("%(where)s should be %(kind)s") % {"where": here, "kind": TYPE_WORDS[kind]}]
    if kind == "string":
        problems = []
        if "enum" in schema and value not in schema["enum"]:
            problems.append(_("%(where)s is “%(value)s”; it should be one of: %(choices)s") % {
                "where": here, "value": value[:40], "choices": ", ".join(schema["enum"])})
        if "format" in schema and not _format_ok(value, schema["format"]):
            problems.append(_("%(where)s is “%(value)s”, not %(format)s") % {
                "where": here, "value": value[:60], "format": FORMAT_WORDS[schema["format"]]})
        return problems
    if kind == "array":
        return [p for n, item in enumerate(value, 1)
                for p in validate(item, schema["items"], f"{where}[{n}]")]
    if kind == "object":
        return _validate_object(value, schema, where)
    return []


def _validate_object(value: dict, schema: dict, where: str) -> list[str]:
    prefix = f"{where}." if where else ""
    problems = [_("%(field)s is missing") % {"field": f"{prefix}{name}"}
                for name in schema.get("required", []) if value.get(name) is None]
    for name, inner in schema.get("properties", {}).items():
        if value.get(name) is not None:
            problems += validate(value[name], inner, f"{prefix}{name}")
    return problems
