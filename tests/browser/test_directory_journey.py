"""Anyone types a postcode, finds their street group first, and looks at the map."""

from __future__ import annotations

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
    assert page.get_by_role("alert").get_by_text("Dutch").is_visible()
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
