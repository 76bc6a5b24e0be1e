"""Help-request fixtures: Tom, the volunteer persona, is cleared to take tasks here.

A coordinator can only hand a task to a volunteer who may take it (services.refusals): a
profile, consents, approval, and the checks the service needs. The shared persona has none of
that (other tests need him fresh), so any requests test that uses Tom gets him signed up,
approved and checked for every service, prescriptions included.
"""

from __future__ import annotations

from datetime import date

import pytest

from kith.groups.catalogue import SERVICES


def clear_to_help(person, group, *, coordinator):
    from tests.volunteers.conftest import sign_up

    sign_up(person, services=[key for key, _ in SERVICES])
    return approve_and_check(person, group, coordinator=coordinator)


def approve_and_check(person, group, *, coordinator):
    """Approved in `group`, with every check recorded (a DBS check included)."""
    from kith.matching.cards import refresh_for_person
    from kith.volunteers import services
    from kith.volunteers.models import Vetting

    membership = group.memberships.get(person=person)
    services.approve(membership, acting_user=coordinator)
    Vetting.objects.filter(person=person, group=group).update(
        id_seen_at=date(2026, 1, 5), references_at=date(2026, 1, 5), dbs_level="enhanced",
        dbs_date=date(2026, 1, 5), safeguarding_at=date(2026, 1, 5))
    refresh_for_person(person)  # .update() sends no signal: rebuild the match card by hand
    return person


@pytest.fixture(autouse=True)
def _tom_is_cleared(request):
    if "tom" in request.fixturenames:
        clear_to_help(request.getfixturevalue("tom"), request.getfixturevalue("street"),
                      coordinator=request.getfixturevalue("priya"))
