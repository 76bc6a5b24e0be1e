"""Volunteers' fixtures: a verified email, sign-up answers, and a volunteer with a profile."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from kith.volunteers import services

SIGN_UP = {
    "services": ["shopping", "dog_walking"],
    "availability": ["mon_eve", "sat_am"],
    "languages": ["English", "Polish"],
    "transport": "bike",
    "radius_km": 2,
    "weekly_cap": 3,
}
ALL_CONSENTS = ["data", "adult", "unpaid", "safety"]


def verify(person):
    """As if they had confirmed an emailed code."""
    EmailAddress.objects.filter(user=person).update(verified=True)
    return person


def sign_up(person, postcode="W10 5NW", **changes):
    verify(person)
    answers = {**SIGN_UP, **changes}
    return services.sign_up(person, acting_user=person, postcode=postcode,
                            consents=answers.pop("consents", ALL_CONSENTS), **answers)


@pytest.fixture
def kasia(street, priya):
    """Signed up through Kith, in Golborne Road (W10 5), not yet checked."""
    from tests.factories import PersonFactory

    person = PersonFactory(email="kasia@example.org", display_name="Kasia Nowak")
    sign_up(person)
    return person


@pytest.fixture
def kasia_membership(kasia, street):
    return street.memberships.get(person=kasia)
