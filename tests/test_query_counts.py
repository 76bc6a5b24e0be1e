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
    from django.core.cache import cache

    cache.clear()  # what pages cache (the request list's filter choices) is counted as read
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


def _grow_requests(street, n: int) -> None:
    """n more residents asking by phone: each a new request with its call back queued."""
    from kith.requests.intake import Contact, Need, take_request

    for _ in range(n):
        person = PersonFactory(postcode_sector="W10 5")
        phone = f"+4479009{person.pk:05d}"
        resident = register_resident(street, acting_user=None, name=f"Mr {person.pk}",
                                     postcode="W10 5NW", phone=phone)
        take_request(street, channel="phone", resident=resident,
                     contact=Contact(name=resident.name, phone=phone),
                     need=Need(service="shopping", details="Milk"))


@pytest.mark.parametrize("name,query", [
    ("requests:list", ""), ("requests:list", "?state=all&sort=newest"),
    ("requests:queue", ""),
])
def test_the_coordinators_and_call_handlers_lists_do_not_query_once_per_row(
        client, priya, sam, street, name, query):
    """The pages the load test (bench/load_site.py) drives hardest, at 5 rows and at 50."""
    services.update_group(street, acting_user=None, coverage=["W10 5"])
    client.force_login(priya if name == "requests:list" else sam)
    url = reverse(name, args=["golborne-road"]) + query
    _grow_requests(street, 5)
    few = _queries(client, url)
    _grow_requests(street, 45)
    many = _queries(client, url)
    assert many == few, f"{name}{query}: {few} queries for 5 rows, {many} for 50"
