"""200 volunteers pressing "accept" on the same offers at once, on PostgreSQL: exactly one
winner per request, everyone else told it was taken, and no errors.

Skipped on SQLite, which runs writers one at a time. The threads are released together by a
barrier; at most CONNECTIONS of them hold a database connection at once (PostgreSQL allows
100 by default), so the rest queue for a connection and then race like the others.
"""

from __future__ import annotations

import random
import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from kith.accounts.models import Person
from kith.groups.models import Membership
from kith.matching import offers
from kith.matching.models import Offer
from kith.requests import lifecycle
from kith.requests.models import Assignment, HelpRequest
from kith.volunteers.models import CONSENT_VERSIONS, Consent, Vetting, VolunteerProfile
from tests.requests.test_concurrency import only_refusals, together

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (DATABASE_URL=postgres://...): SQLite runs writers one at a time, "
           "so there is no race to test")

THREADS = 200
REQUESTS = 10
CONNECTIONS = threading.BoundedSemaphore(50)


def cleared_crowd(group, n: int) -> list[Person]:
    """n volunteers allowed to take shopping tasks here, made in bulk (no postcode needed:
    these offers are made directly, not found by the search)."""
    people = [Person.objects.create_user(email=f"crowd{i}@example.org", display_name=f"Crowd {i}")
              for i in range(n)]
    Membership.objects.bulk_create([Membership(group=group, person=p, is_volunteer=True)
                                    for p in people])
    VolunteerProfile.objects.bulk_create([VolunteerProfile(person=p, services=["shopping"])
                                          for p in people])
    Consent.objects.bulk_create([Consent(person=p, kind=kind, version=version) for p in people
                                 for kind, version in CONSENT_VERSIONS.items()])
    Vetting.objects.bulk_create([Vetting(person=p, group=group, approved_at=timezone.now(),
                                         id_seen_at=date(2026, 1, 5)) for p in people])
    return people


@pytest.fixture
def offered(street, priya, waiting):
    """REQUESTS requests, each offered to all THREADS volunteers."""
    from tests.matching.conftest import copy_request

    crowd = cleared_crowd(street, THREADS)
    requests = [waiting] + [copy_request(waiting, priya) for _ in range(REQUESTS - 1)]
    expires = timezone.now() + timedelta(hours=2)
    for req in requests:
        HelpRequest.objects.filter(pk=req.pk).update(state=lifecycle.OFFERED, offer_rounds=1)
        Offer.objects.bulk_create([Offer(request=req, volunteer=p, distance_km=1, explanation="x",
                                         expires_at=expires) for p in crowd])
    return crowd, requests


@pytest.mark.django_db(transaction=True)
def test_two_hundred_volunteers_accept_the_same_offers_and_one_wins_each(offered):
    crowd, requests = offered

    def accept_all(k):
        person = crowd[k]
        outcomes = []
        with CONNECTIONS:
            try:
                mine = list(Offer.objects.filter(volunteer=person))
                random.Random(k).shuffle(mine)
                for offer in mine:
                    outcomes.append(offers.accept(offer, person=person).outcome)
            finally:
                connection.close()
        return outcomes

    results, errors = together(THREADS, accept_all)
    only_refusals(errors)
    assert not any(errors), [e for e in errors if e]
    outcomes = [o for r in results for o in r]
    assert outcomes.count("accepted") == REQUESTS
    assert outcomes.count("taken") == THREADS * REQUESTS - REQUESTS
    for req in requests:
        req.refresh_from_db()
        assert req.state == lifecycle.ASSIGNED
        assert Assignment.objects.filter(request=req).count() == 1
        assert req.offers.filter(state=Offer.State.ACCEPTED).count() == 1
        assert req.offers.filter(state=Offer.State.OPEN).count() == 0
        winner = req.offers.get(state=Offer.State.ACCEPTED).volunteer
        assert req.current_assignment.volunteer == winner
