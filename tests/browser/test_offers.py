"""Offers in a real browser: Priya offers Mrs Ahmed's shopping to the three best-placed
volunteers; Ben accepts on his phone and gets the address; Ann and Cat find it taken. Then
Priya's batch page proposes a volunteer for each waiting request."""

from __future__ import annotations

import re

import pytest

from kith.matching.models import Offer
from kith.requests import lifecycle
from tests.browser.test_request_journey import _become
from tests.matching.conftest import copy_request, make_volunteer, waiting_request

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def waiting(street, priya, mrs_ahmed):
    return waiting_request(street, priya, mrs_ahmed)


@pytest.fixture
def crew(street, priya):
    return {name: make_volunteer(street, priya, name, postcode) for name, postcode in [
        ("Ann", "W10 5PZ"), ("Ben", "W10 5QA"), ("Cat", "W10 5NX"), ("Dev", "W10 5AB")]}


def test_three_are_offered_one_accepts_on_a_phone_and_the_others_see_it_taken(
        live_server, page, screenshot, axe_check, priya, crew, waiting):
    base = live_server.url
    _become(page, live_server, priya, two_factor=True)
    page.goto(f"{base}/g/golborne-road/requests/{waiting.reference}/")
    panel = page.get_by_role("region", name="Finding a volunteer")
    assert re.search(r"Ann: (0\.\d miles|under 0\.1 miles)", panel.inner_text())
    axe_check("request page: matching panel")
    screenshot("80-offers-1-priya-sees-the-next-three")
    page.get_by_role("button", name="Offer it to these 3").click()
    page.get_by_text("Offered to Ann, Ben, Cat. The first to say yes gets it.").wait_for()
    screenshot("80b-offers-priya-sent")

    page.set_viewport_size(PHONE)
    _become(page, live_server, crew["Ben"], two_factor=False)
    page.goto(f"{base}/volunteer/")
    axe_check("volunteer home with an offer")
    screenshot("80c-offers-ben-home-on-phone")
    page.get_by_role("link", name="Can you help? Shopping").click()
    main = page.locator("main").inner_text()
    assert "W10 5NW" not in main and "The first to say yes gets it." in main
    axe_check("offer on a phone")
    screenshot("81-offers-2-ben-offer-on-phone")
    page.get_by_role("button", name="Yes, I'll do it").click()
    page.get_by_text("It's yours. Thank you!").wait_for()
    assert "W10 5NW" in page.locator("main").inner_text()  # the address is his now
    screenshot("82-offers-3-ben-has-it")

    for name in ["Ann", "Cat"]:
        offer = Offer.objects.get(request=waiting, volunteer=crew[name])
        _become(page, live_server, crew[name], two_factor=False)
        page.goto(f"{base}/volunteer/offers/{offer.pk}/")
        page.get_by_role("heading", name="Already taken, thank you").wait_for()
    axe_check("offer taken")
    screenshot("83-offers-4-cat-sees-it-taken")
    waiting.refresh_from_db()
    assert waiting.state == lifecycle.ASSIGNED
    assert waiting.current_assignment.volunteer == crew["Ben"]


def test_batch_matching_proposes_then_offers(live_server, page, screenshot, axe_check, priya,
                                             crew, waiting):
    others = [copy_request(waiting, priya) for _ in range(2)]
    base = live_server.url
    _become(page, live_server, priya, two_factor=True)
    page.goto(f"{base}/g/golborne-road/requests/")
    screenshot("84a-offers-request-list")
    page.get_by_role("link", name="Match all waiting requests").click()
    table = page.get_by_role("table").inner_text()
    assert all(req.reference in table for req in [waiting, *others])
    axe_check("batch matching proposal")
    screenshot("84-offers-5-batch-proposal")
    page.get_by_label(re.compile(others[1].reference)).uncheck()
    page.get_by_role("button", name="Offer the ticked requests").click()
    page.get_by_text("Offered 2 requests.").wait_for()
    states = {req.reference: req.state for req in [waiting, *others] if not req.refresh_from_db()}
    assert states == {waiting.reference: lifecycle.OFFERED, others[0].reference: lifecycle.OFFERED,
                      others[1].reference: lifecycle.MATCHING}
    assert Offer.objects.filter(request=waiting).count() == 1
    # The group's matching settings sit with its other request settings.
    page.goto(f"{base}/g/golborne-road/requests/settings/")
    page.get_by_label("Offer each request to (volunteers)").fill("30")
    page.get_by_role("button", name=re.compile("Save")).click()
    page.get_by_text("Choose between 1 and 10 volunteers (a handful).").first.wait_for()
    assert page.get_by_label("Offer each request to (volunteers)").input_value() == "30"
    axe_check("request settings with matching, a mistake")
    screenshot("85-offers-6-matching-settings")
