"""The directory's world: Golborne ward keeps a food bank and an advice line that its streets
see; Golborne Road keeps its own kitchen; Lots Road (Nadia's street) keeps a pantry nobody
in Golborne Road may open."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from kith.signposting import services


@pytest.fixture
def ward_coordinator(ward):
    from tests.factories import MembershipFactory, PersonFactory

    person = PersonFactory(email="wendy@example.org", display_name="Wendy Clarke")
    MembershipFactory(person=person, group=ward, is_coordinator=True)
    return person


@pytest.fixture
def food_bank(ward, ward_coordinator):
    return services.create_service(
        ward, acting_user=ward_coordinator, organisation="North Kensington Pantry Trust",
        name="Portobello Food Bank", needs=["food"], phone="020 7946 0410",
        postcode="W10 5AA", radius_miles=3.0, opening_times="Tuesdays 10am to 1pm",
        is_public=True, last_checked=timezone.localdate(), caution="Asks to see ID at the door.")


@pytest.fixture
def advice_line(ward, ward_coordinator):
    return services.create_service(
        ward, acting_user=ward_coordinator, organisation="Friendly Voices",
        name="Befriending line", needs=["company"], phone="0800 046 0440",
        last_checked=timezone.localdate())


@pytest.fixture
def kitchen(street, priya):
    return services.create_service(
        street, acting_user=priya, organisation="Golborne Kitchen Collective",
        name="Community kitchen", needs=["food", "company"], postcode="W10 5BT",
        coverage=["W10 5"], last_checked=date(2020, 1, 1))


@pytest.fixture
def far_pantry(other_street, nadia):
    return services.create_service(
        other_street, acting_user=nadia, organisation="Lots Road Pantry", name="Pantry",
        needs=["food"], postcode="SW10 0AB", is_public=True, last_checked=timezone.localdate())
