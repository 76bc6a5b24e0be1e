"""A resident whose postcode no group covers still finds someone to ring.

Hendon (NW4 4BE) has no group; East Barnet Mutual Aid, part of a network with its own phone
line, covers N20 0 about 3.7 miles away. Manchester (M1 1AE) has nobody within 15 miles.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kith.directory.distance import in_miles
from kith.groups import services
from kith.groups.models import Group
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db

NETWORK_PHONE = "+442079460002"


@pytest.fixture
def east_barnet(db):
    network = GroupFactory(slug="north-london", name="North London Mutual Aid Network",
                           kind=Group.Kind.NETWORK, phone=NETWORK_PHONE)
    return GroupFactory(slug="east-barnet", name="East Barnet Mutual Aid",
                        kind=Group.Kind.NEIGHBOURHOOD, parent=network,
                        coverage=["EN4 8", "EN4 9", "EN5 1", "N20 0"])


@pytest.fixture
def listed(east_barnet, borough, ward, street):
    services.update_group(borough, acting_user=None, coverage=["W10", "W11"])
    services.update_group(street, acting_user=None, coverage=["W10 5"])
    return east_barnet


def find(client, query):
    return client.get(reverse("directory:find"), {"q": query})


def words(response) -> str:
    html = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.replace("&#x27;", "'").split())


def test_it_shows_the_nearest_groups_when_nobody_covers_a_postcode(client, listed):
    response = find(client, "NW4 4BE")
    assert response.context["matches"] == []
    nearest = response.context["nearest"]
    assert nearest[0].group.name == "East Barnet Mutual Aid"
    assert [m.distance_m for m in nearest] == sorted(m.distance_m for m in nearest)
    text = words(response)
    assert "No group covers NW4 4BE yet" in text
    assert "The nearest groups to NW4 4BE" in text
    assert "Neighbourhood group · 3.7 miles away · part of North London Mutual Aid Network" in text
    # East Barnet lists no number of its own, so the network's line is the one to ring.
    assert ("East Barnet Mutual Aid has not listed a phone number or email yet. North London "
            "Mutual Aid Network, which it is part of, can put you in touch: Phone: 020 7946 0002"
            ) in text
    assert f'href="tel:{NETWORK_PHONE}"' in response.content.decode()
    assert "Start a group here" in text
    assert reverse("listings:start") in response.content.decode()


def test_every_nearest_group_that_takes_asks_offers_its_ask_form(client, listed):
    html = find(client, "NW4 4BE").content.decode()
    nearest = find(client, "NW4 4BE").context["nearest"]
    assert {m.group.kind for m in nearest} - {Group.Kind.NETWORK}
    for m in nearest:
        ask = reverse("requests:ask", args=[m.group.slug])
        assert (f'href="{ask}"' in html) == (m.group.kind != Group.Kind.NETWORK), m.group.name
    assert "Ask East Barnet Mutual Aid for help" in words(find(client, "NW4 4BE"))


def test_it_lists_the_nearest_groups_nearest_first_with_the_miles_it_shows(client, listed):
    response = find(client, "NW4 4BE")
    nearest = response.context["nearest"]
    assert len(nearest) >= 2
    assert [m.distance_m for m in nearest] == sorted(m.distance_m for m in nearest)
    text = words(response).replace("&amp;", "&")
    shown = [text.index(f"{m.group.name} {m.group.get_kind_display()} group · "
                        f"{in_miles(m.distance_m)} away") for m in nearest]
    assert shown == sorted(shown)


def test_a_nearest_group_without_contacts_and_nobody_above_says_so(client, listed):
    services.update_group(listed.parent, acting_user=None, phone="")
    text = words(find(client, "NW4 4BE"))
    assert "No contact details listed yet" in text
    assert "Ask East Barnet Mutual Aid for help" in text  # never a dead end


def test_it_says_when_no_group_is_within_reach_and_points_to_the_council(client, listed):
    response = find(client, "M1 1AE")
    assert response.context["nearest"] == []
    text = words(response)
    assert "We don't know of a group within 15 miles of M1 1AE yet" in text
    assert "https://www.gov.uk/find-local-council" in response.content.decode()
    assert "Start a group here" in text


def test_it_gives_the_widget_the_same_way_out(client, listed):
    response = client.get(reverse("directory:widget"), {"q": "NW4 4BE"})
    assert "East Barnet Mutual Aid" in words(response)
    assert 'target="_blank"' in response.content.decode()


def test_it_lists_the_nearest_groups_in_the_api(client, listed):
    body = client.get("/api/groups", {"postcode": "NW4 4BE"}).json()
    assert body["groups"] == []
    assert body["nearest"][0]["name"] == "East Barnet Mutual Aid"
    assert body["nearest"][0]["part_of"] == "North London Mutual Aid Network"
    assert 5000 < body["nearest"][0]["distance_m"] < 7000


@pytest.mark.parametrize("query", ["ZZ99 9ZZ", "zz999zz", "W10 5NC", "XX1 1AA"])
def test_it_says_it_cannot_find_a_well_shaped_postcode_rather_than_teaching_letters(
        client, listed, query):
    error = find(client, query).context["error"]
    assert error.startswith("We couldn't find ")
    assert "check it" in error
    assert "letter" not in error


@pytest.mark.parametrize("query, words_", [
    ("W1O 5NW", "Did you mean W10 5NW?"),  # a letter O for a zero
    ("SW1A 1A", "missing its last letter"),
    ("1234 AB", "Dutch"),
])
def test_it_keeps_the_helpful_words_for_malformed_postcodes(client, listed, query, words_):
    assert words_ in find(client, query).context["error"]


def test_it_says_so_when_a_postcode_is_not_in_the_directory_but_its_area_is(client, listed):
    response = find(client, "N20 0ZZ")  # shaped right, in a real sector, held by nobody
    assert response.context["error"] == ""
    text = words(response)
    assert "We couldn't find N20 0ZZ — check it" in text
    assert "Groups covering N20 0" in text
    assert [m.group.name for m in response.context["matches"]] == ["East Barnet Mutual Aid"]


def test_it_keeps_the_channel_islands_reason(client, listed):
    assert "Channel Islands" in find(client, "JE2 3QA").context["error"]


DISTANCE = re.compile(r"(\d[\d.,]*\s*(?:m|km|metres|kilometres|miles?)\b)")


@pytest.mark.parametrize("query", ["W10 5NW", "W10 5", "NW4 4BE", "W11 1AA"])
def test_it_gives_every_distance_in_miles(client, listed, query):
    found = DISTANCE.findall(words(find(client, query)))
    assert found, "no distance on the page"
    assert all(re.fullmatch(r"\d+(\.\d)? miles?", d) for d in found), found


@pytest.mark.parametrize("metres, text", [
    (None, ""), (40, "under 0.1 miles"), (120, "0.1 miles"), (900, "0.6 miles"),
    (1609, "1 mile"), (5949, "3.7 miles"), (16_000, "9.9 miles"), (16_200, "10 miles"),
    (100_000, "62 miles"),
])
def test_it_says_distances_the_way_residents_do(metres, text):
    assert in_miles(metres) == text
