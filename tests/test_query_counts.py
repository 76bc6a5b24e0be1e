"""Lists cost the same number of queries for 5 rows as for 25: no query per row (N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kith.groups import services
from kith.residents.services import register_resident
from kith.volunteers.models import VolunteerProfile
from tests.factories import MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _grow(street, coordinator, n: int) -> None:
    for _ in range(n):
        person = PersonFactory(postcode_sector="W10 5")
        VolunteerProfile.objects.create(person=person, services=["shopping"],
                                        availability=["mon_eve"])
        MembershipFactory(group=street, person=person, is_volunteer=True)
        register_resident(street, acting_user=None, name=f"Mrs {person.pk}",
                          postcode="W10 5NW", phone="+442079460100")
        services.update_group(street, acting_user=coordinator, description=f"Edition {person.pk}")


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", [
    "groups:dashboard", "groups:members", "groups:audit", "residents:list",
    "volunteers:list", "volunteers:export", "directory:find",
])
def test_it_does_not_query_once_per_row(client, priya, street, name):
    services.update_group(street, acting_user=None, coverage=["W10 5"])
    client.force_login(priya)
    url = (reverse(name, args=["golborne-road"]) if name != "directory:find"
           else reverse(name) + "?q=W10+5NW")
    _grow(street, priya, 5)
    few = _queries(client, url)
    _grow(street, priya, 20)
    many = _queries(client, url)
    assert many == few, f"{name}: {few} queries for 5 rows, {many} for 25"
