"""Matching fixtures: cleared volunteers at real postcodes around Golborne Road (W10 5).

Distances from W10 5NW: W10 5PZ 0.07 km, W10 5QA 0.24, W10 5BN 0.25, W10 5NX 0.47,
W10 5LX 0.51, W10 5AB 0.76, W11 1PR 0.88, W10 6AA 1.2, W8 7BB 2.0, SW3 5RZ 5.0.
"""

from __future__ import annotations

import pytest

from kith.groups.catalogue import SERVICES
from kith.volunteers.models import SLOTS
from tests.factories import MembershipFactory, PersonFactory
from tests.requests.conftest import approve_and_check
from tests.volunteers.conftest import sign_up


def make_volunteer(group, coordinator, name: str, postcode: str, *, cleared=True, **changes):
    """A volunteer of `group` living at `postcode`; cleared for every service unless not."""
    person = PersonFactory(email=f"{name.lower()}@example.org", display_name=name)
    MembershipFactory(group=group, person=person, is_volunteer=True)
    answers = {"services": [key for key, _ in SERVICES], "radius_km": 3, "weekly_cap": 3,
               "availability": list(SLOTS), **changes}
    sign_up(person, postcode=postcode, **answers)
    if cleared:
        approve_and_check(person, group, coordinator=coordinator)
    return person


@pytest.fixture
def crew(street, priya):
    """Five cleared volunteers at increasing distances from W10 5NW."""
    return [make_volunteer(street, priya, name, postcode) for name, postcode in [
        ("Ann", "W10 5PZ"), ("Ben", "W10 5QA"), ("Cat", "W10 5NX"), ("Dev", "W10 5AB"),
        ("Eve", "W11 1PR")]]


@pytest.fixture
def waiting(street, priya, mrs_ahmed):
    return waiting_request(street, priya, mrs_ahmed)


def waiting_request(street, priya, mrs_ahmed):
    """A shopping request from Mrs Ahmed (W10 5NW), ready for a volunteer."""
    from kith.requests import services
    from kith.requests.intake import Contact, Need, take_request

    mrs_ahmed.postcode = "W10 5NW"
    mrs_ahmed.save()
    req = take_request(street, channel="phone", contact=Contact(name="Mrs Ahmed"),
                       need=Need(service="shopping"), acting_user=priya, resident=mrs_ahmed,
                       triage=True).request
    services.transition(req, "start_matching", actor=priya)
    return req


def copy_request(req, actor):
    """Another request like `req` (same resident and service), waiting for a volunteer."""
    from kith.requests import services
    from kith.requests.intake import Contact, Need, take_request

    resident = req.resident
    resident.name = f"{resident.name}."  # not "asked again": a different person each time
    resident.pk = None
    resident.phone_digest = ""
    resident.save()
    copy = take_request(req.group, channel="phone", contact=Contact(name=resident.name),
                        need=Need(service=req.service), acting_user=actor, resident=resident,
                        triage=True).request
    services.transition(copy, "start_matching", actor=actor)
    return copy
