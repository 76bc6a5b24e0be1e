"""Anyone types a postcode, finds their street group first, and looks at the map."""

from __future__ import annotations

import re

import pytest

from kith.groups import services
from tests.factories import MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listed(borough, ward, street, other_street):
    services.update_group(borough, acting_user=None, coverage=["W10", "W11"])
    services.update_group(ward, acting_user=None, coverage=["W10 5", "W10 6"])
    services.update_group(street, acting_user=None, coverage=["W10 5"],
                          whatsapp_url="https://chat.whatsapp.com/AbCdEf123456")
    services.update_group(other_street, acting_user=None, coverage=["W10 6"])
    for sector, n in [("W10 5", 8), ("W10 6", 6), ("W11 4", 2)]:
        for _ in range(n):
            MembershipFactory(group=street, is_volunteer=True,
                              person=PersonFactory(postcode_sector=sector))
    return street


def test_it_finds_the_street_group_first_and_maps_without_small_hexagons(
    live_server, page, screenshot, axe_check, listed
):
    page.goto(live_server.url + "/")
    page.get_by_label("Need help, or want to help? Find your local group").fill("w10 5nw")
    page.get_by_role("button", name="Find groups").click()
    page.wait_for_url("**/find/?q=*")
    results = page.locator("ol.results > li h3")
    assert results.first.inner_text() == "Golborne Road Neighbours"
    assert results.nth(1).inner_text() == "Golborne Ward"
    axe_check("directory results")
    screenshot("10-directory-results")

    page.get_by_label("Postcode or place").fill("1234 AB")
    page.get_by_role("button", name="Find groups").click()
    page.get_by_role("alert").get_by_text("Dutch").wait_for()
    axe_check("directory error")
    screenshot("11-directory-error")

    page.get_by_role("link", name="See the map of groups").click()
    page.wait_for_selector("#map[data-loaded=true]")
    page.wait_for_selector(".leaflet-overlay-pane path")
    counts = page.evaluate(
        "fetch('/map/data.json').then(r => r.json())"
        ".then(d => d.volunteers.features.map(f => f.properties.count))"
    )
    assert counts and min(counts) >= 5
    assert page.locator(".leaflet-overlay-pane path").count() >= len(counts)
    axe_check("public map")
    screenshot("12-public-map")

    page.goto(live_server.url + "/groups/golborne-road/")
    assert page.get_by_role("link", name="Join the WhatsApp group").is_visible()
    axe_check("public group page")
    screenshot("13-group-listing")


@pytest.fixture
def east_barnet(listed):
    """As in the demo: East Barnet Mutual Aid under a network whose line can be rung."""
    from kith.groups.models import Group
    from tests.factories import GroupFactory

    network = GroupFactory(slug="north-london", name="North London Mutual Aid Network",
                           kind=Group.Kind.NETWORK, phone="+442079460002")
    return GroupFactory(slug="east-barnet", name="East Barnet Mutual Aid",
                        kind=Group.Kind.NEIGHBOURHOOD, parent=network,
                        coverage=["EN4 8", "EN4 9", "EN5 1", "N20 0"],
                        services=["shopping", "prescriptions", "befriending"])


def test_a_resident_in_hendon_finds_the_nearest_group_and_asks_it(
    live_server, page, screenshot, axe_check, east_barnet
):
    """Nobody covers NW4 4BE: East Barnet, 3.7 miles off, is offered with the network's
    number; asked from outside its area, it makes no promise of a call time."""
    page.goto(live_server.url + "/find/?q=NW4+4BE")
    assert page.get_by_text("No group covers NW4 4BE yet.").is_visible()
    nearest = page.get_by_role("list", name="The nearest groups to NW4 4BE").locator("> li")
    assert nearest.first.locator("h3").inner_text() == "East Barnet Mutual Aid"
    assert "3.7 miles away" in nearest.first.inner_text()
    assert nearest.first.get_by_role("link", name="020 7946 0002").is_visible()
    assert page.get_by_role("link", name="How to start a group here").is_visible()
    axe_check("nearest groups")
    screenshot("14-directory-nearest-groups")

    page.get_by_label("Postcode or place").fill("ZZ99 9ZZ")
    page.get_by_role("button", name="Find groups").click()
    assert "We couldn't find ZZ99 9ZZ — check it" in page.get_by_role("alert").inner_text()

    page.goto(live_server.url + "/groups/east-barnet/ask/")
    page.get_by_label("What should we call you?").fill("Mr Levy")
    page.get_by_label("Phone number").fill("07911 123456")
    page.get_by_label("Postcode").fill("NW4 4BE")
    page.get_by_label("Shopping", exact=True).check()
    page.get_by_label("In the next two or three days").check()
    page.get_by_label(re.compile("You may keep these details")).check()
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url("**/groups/east-barnet/ask/sent/")
    main = page.locator("main").inner_text()
    assert "outside the area East Barnet Mutual Aid covers" in main
    assert "within" not in main.replace("within 15 miles", "")
    axe_check("asked from outside the area")
    screenshot("15-ask-sent-outside-area")
