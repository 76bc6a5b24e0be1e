"""Safety fixtures: Tom cleared for every service and holding a task for Mrs Ahmed."""

from __future__ import annotations

import pytest

from kith.requests import services
from kith.requests.intake import Contact, Need, take_request
from tests.factories import MembershipFactory, PersonFactory
from tests.requests.conftest import clear_to_help


@pytest.fixture(autouse=True)
def _tom_is_cleared(request):
    if "tom" in request.fixturenames:
        clear_to_help(request.getfixturevalue("tom"), request.getfixturevalue("street"),
                      coordinator=request.getfixturevalue("priya"))


def make_task(group, coordinator, volunteer, *, service="shopping", resident=None,
              name="Mrs Ahmed", phone="07911 123456"):
    contact = Contact(name=name, phone=phone, address="14 Golborne Road", postcode="W10 5NW")
    req = take_request(group, channel="phone", triage=True, acting_user=coordinator,
                       contact=contact, need=Need(service=service, details="Milk"),
                       resident=resident).request
    services.assign(req, volunteer, actor=coordinator, reason="Lives round the corner")
    req.refresh_from_db()
    return req


@pytest.fixture
def task(street, priya, tom):
    return make_task(street, priya, tom)


@pytest.fixture
def wanda(ward):
    """Coordinator of Golborne Ward, the group above the street."""
    person = PersonFactory(email="wanda@example.org", display_name="Wanda Reid")
    MembershipFactory(person=person, group=ward, is_coordinator=True)
    return person
