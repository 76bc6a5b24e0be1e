"""The partner API's request and response bodies (pydantic, through django-ninja): they are
the OpenAPI schema partners read and Schemathesis tests against."""

from __future__ import annotations

import datetime as dt
from enum import Enum, StrEnum
from typing import Annotated, Any
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field

from kith.groups.catalogue import SERVICES
from kith.partners import status as partner_status
from kith.requests.models import HelpRequest

Service = Enum("Service", {key: key for key, _label in SERVICES}, type=str)  # type: ignore[misc]
Urgency = Enum("Urgency", {key: key for key in HelpRequest.Urgency.values}, type=str)  # type: ignore[misc]
Status = Enum("Status", {key: key for key in partner_status.STATUS_KEYS}, type=str)  # type: ignore[misc]


class GivenBy(StrEnum):
    the_person = "the_person"
    someone_for_them = "someone_for_them"


class RunKind(StrEnum):
    pharmacy = "pharmacy"
    foodbank = "foodbank"


class In(Schema):
    """What a partner sends. A field Kith does not know is refused, not ignored: a typo
    ("detials") must not pass silently as if it had been read."""

    model_config = ConfigDict(extra="forbid")


def text(most: int, *, least: int = 0, description: str = ""):
    # No NUL characters: PostgreSQL's text columns cannot hold them (a 500 before this), and
    # saying so in the schema lets a partner's client know before it sends.
    return Field(min_length=least, max_length=most, description=description,
                 pattern=r"^[^\x00]*$")


class Person(In):
    name: Annotated[str, text(100, least=1, description="What the group should call them.")]
    phone: Annotated[str, text(30, description="A UK phone number. A phone or an email is needed.")] = ""
    email: Annotated[str, text(254)] = ""
    postcode: Annotated[str, text(20, least=1, description="The full postcode where help is needed.")]
    language: Annotated[str, text(40)] = ""


class NeedIn(In):
    service: Service
    details: Annotated[str, text(1000, description="Only what the group needs to help.")] = ""
    urgency: Urgency
    when: Annotated[str, text(120, description="Best day or time.")] = ""


class Referrer(In):
    name: Annotated[str, text(120, least=1, description="The member of staff referring them.")]
    contact: Annotated[str, text(254, least=1, description="Their phone number or email address.")]


class ConsentIn(In):
    version: Annotated[str, text(40, least=1, description="The version of the consent wording "
                                                         "read to the person.")]
    given_by: GivenBy
    given_by_name: Annotated[str, text(120, description="Needed when someone acting for "
                                                        "them agreed.")] = ""
    given_at: dt.datetime | None = Field(None, description="When they agreed; now if left out.")


REFERRAL_EXAMPLE: dict[str, Any] = {
    "person": {"name": "Joan Smith", "phone": "07911 123456", "postcode": "W10 5NW"},
    "need": {"service": "prescriptions", "urgency": "soon", "details": "Repeat inhaler"},
    "referrer": {"name": "Dev Patel", "contact": "dev@pharmacy.example.org"},
    "consent": {"version": "GP-consent-v3", "given_by": "the_person"},
}
RUN_EXAMPLE: dict[str, Any] = {
    "kind": "pharmacy", "pickup_name": "Golborne Pharmacy", "pickup_postcode": "W10 5AA",
    "stops": [{"name": "Joan Smith", "address": "14 Golborne Road", "postcode": "W10 5NW",
               "note": "Ring twice"}],
}


class ReferralIn(In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [REFERRAL_EXAMPLE]})

    person: Person
    need: NeedIn
    referrer: Referrer
    consent: ConsentIn


class ReferralOut(Schema):
    """Only this partner's own referral: what it sent and how its referral is going. Never
    anything about a request the person (or anyone else) had made before."""

    id: UUID
    status: Status
    status_label: str
    service: Service = Field(description="The service you asked for.")
    urgency: Urgency = Field(description="The urgency you gave.")
    consent_version: str
    created_at: dt.datetime
    status_changed_at: dt.datetime = Field(description="When your referral's status last "
                                                       "changed (its creation at first).")


class ReferralList(Schema):
    referrals: list[ReferralOut]


class StopIn(In):
    name: Annotated[str, text(120, least=1, description="Who the delivery is for (no commas).")]
    address: Annotated[str, text(300, least=1)]
    postcode: Annotated[str, text(20, least=1)]
    note: Annotated[str, text(300)] = ""


class RunIn(In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [RUN_EXAMPLE]})

    kind: RunKind
    pickup_name: Annotated[str, text(120, least=1)]
    pickup_postcode: Annotated[str, text(20, least=1)]
    date: dt.date | None = Field(None, description="The day of the run; today if left out.")
    stops: list[StopIn] = Field(min_length=1, max_length=200)


class RunOut(Schema):
    id: UUID
    kind: RunKind
    state: str
    state_label: str
    date: dt.date
    stops: int
    unplaced: int = Field(description="Stops whose postcode Kith's map does not know.")
    delivered: int
    not_delivered: int


class TokenOut(Schema):
    partner: str
    group: str
    scopes: list[str]
    prefix: str
    services: list[str] = Field(description="The services this group takes: need.service "
                                             "must be one of them.")


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    detail: str
    errors: dict[str, list[str]] | None = None
