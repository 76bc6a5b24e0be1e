"""Runs fixtures: Golborne Road's coordinator Priya, four volunteers cleared for every service
(prescriptions included) living around W10 5, and a pharmacy run of 20 real postcodes nearby.

Kasia signs up too but is never checked, so she may not take prescriptions.
"""

from __future__ import annotations

import pytest

from kith.demo.data import DEMO_POSTCODES
from kith.runs import services
from tests.factories import MembershipFactory, PersonFactory

PICKUP = "W10 5AA"
# Twenty real postcodes around Golborne Road (ONS), in no particular order.
POSTCODES = (DEMO_POSTCODES["W10 5"][1:8] + DEMO_POSTCODES["W10 6"][:7]
             + DEMO_POSTCODES["W11 1"][:6])
NAMES = ["Edith", "Harold", "Joan", "Dennis", "Amira", "Ivy", "Walter", "Nora", "Frank", "Lena",
         "Grace", "Peter", "Arthur", "Beryl", "Sunil", "Olive", "Tomasz", "Rita", "Kwame", "Hilda"]
UNKNOWN = "N20 0ZZ"  # shaped like a postcode; not in the ONS directory


def lines(postcodes=POSTCODES, start: int = 0) -> str:
    return "\n".join(f"{NAMES[(start + i) % 20]} {i + 1}, {i + 3} Test Street, {pc}"
                     + (", ring twice" if i % 4 == 0 else "")
                     for i, pc in enumerate(postcodes))


def cleared(person, group, coordinator, postcode="W10 5NW"):
    """Signed up at `postcode`, approved, ID, references and an enhanced DBS recorded (as
    tests.requests.conftest.clear_to_help, but at a postcode of our choosing)."""
    from datetime import date

    from kith.volunteers import services as volunteer_services
    from tests.volunteers.conftest import sign_up

    sign_up(person, postcode=postcode, services=["prescriptions", "foodbank", "shopping"],
            radius_km=5)
    membership = group.memberships.get(person=person)
    day = date(2026, 1, 5)
    volunteer_services.record_vetting(membership, acting_user=coordinator, id_seen_at=day,
                                      references_at=day, dbs_level="enhanced", dbs_date=day)
    volunteer_services.approve(membership, acting_user=coordinator)
    return person


@pytest.fixture
def volunteers(street, priya, tom):
    """Tom and three more, all cleared, each at a different Golborne postcode."""
    people = [tom]
    for n, name in enumerate(["Ana Lima", "Ben Cole", "Cleo Park"], 1):
        person = PersonFactory(email=f"v{n}@example.org", display_name=name)
        MembershipFactory(person=person, group=street, is_volunteer=True)
        people.append(person)
    for person, postcode in zip(people, ["W10 5NW", "W10 5AA", "W10 6AA", "W11 1AB"],
                                strict=True):
        cleared(person, street, priya, postcode)
    return people


@pytest.fixture
def kasia_unchecked(street, priya):
    from tests.volunteers.conftest import sign_up

    person = PersonFactory(email="kasia@example.org", display_name="Kasia Nowak")
    sign_up(person, services=["prescriptions", "shopping"])
    return person


@pytest.fixture
def run(street, priya):
    return services.create_run(street, acting_user=priya, kind="pharmacy",
                               partner_name="Golborne Pharmacy", pickup_name="Golborne Pharmacy",
                               pickup_postcode=PICKUP, team_size=3, max_stops=8)


@pytest.fixture
def full_run(run, priya):
    read = services.add_stops(run, lines(), acting_user=priya)
    assert not read.errors
    return run


@pytest.fixture
def split_run(full_run, priya, volunteers):
    services.split(full_run, acting_user=priya, seconds=1)
    full_run.refresh_from_db()
    return full_run


@pytest.fixture
def out_run(split_run, priya):
    services.send_out(split_run, acting_user=priya)
    split_run.refresh_from_db()
    return split_run
