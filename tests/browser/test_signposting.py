"""The directory of local services in a real browser, at a phone's 390 px and a desk's 1366:
Sam, mid-call, finds the food bank nearest W10 5NW with the keyboard alone; Priya looks after
her street's list and adds a service; a resident whose postcode no group covers sees the
public services near them. Every page axe-clean; screenshots in test-artifacts/."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings as dj_settings
from django.test import Client
from playwright.sync_api import expect

from tests.signposting.conftest import (  # noqa: F401 (fixtures)
    advice_line,
    food_bank,
    kitchen,
    ward_coordinator,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}


def _become(page, live_server, person) -> None:
    client = Client()
    client.force_login(person)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": dj_settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value,
                               "url": live_server.url}])


def test_a_call_handler_finds_the_nearest_food_bank_with_the_keyboard(
        live_server, page, screenshot, axe_check, street, sam, food_bank, advice_line, kitchen):  # noqa: F811
    page.set_viewport_size(PHONE)
    _become(page, live_server, sam)
    page.goto(f"{live_server.url}/g/{street.slug}/services/find/")
    axe_check("find a service, empty")
    # The postcode box has the focus as the page opens (applied when Chromium next paints,
    # which on a busy machine can come after the load event).
    expect(page.get_by_label("Their postcode")).to_be_focused()
    page.keyboard.type("w10 5nw")
    page.keyboard.press("Tab")  # to the need
    assert page.evaluate("document.activeElement.name") == "need"
    page.get_by_label("What do they need?").select_option("food")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Find"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"need=food"))
    cards = page.locator("ol.results > li")
    assert cards.first.locator("h3").inner_text() == "Community kitchen"  # 0.1 miles
    assert cards.nth(1).locator("h3").inner_text() == "Portobello Food Bank"
    assert "Befriending line" not in page.content()  # not food
    assert cards.nth(1).locator(".caution").inner_text().startswith("Caution")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    axe_check("find a service, results on a phone")
    screenshot("signposting-find-phone")
    page.set_viewport_size(DESK)
    screenshot("signposting-find-desk")


def test_a_coordinator_keeps_the_list_and_adds_a_service(
        live_server, page, screenshot, axe_check, street, priya, food_bank, kitchen):  # noqa: F811
    page.set_viewport_size(DESK)
    _become(page, live_server, priya)
    page.goto(f"{live_server.url}/g/{street.slug}/services/")
    assert "not been checked for six months" in page.content()
    axe_check("the list")
    screenshot("signposting-list-desk")
    page.get_by_role("link", name="Add a service").click()
    page.get_by_label("Organisation").fill("Westway Law Centre")
    page.locator("#id_name").fill("Immigration advice")
    page.get_by_label("Immigration and legal advice").check()
    page.locator("#id_postcode").fill("W10 5NC")
    page.get_by_role("button", name="Add the service").click()
    page.locator(".error-summary").wait_for()
    assert page.get_by_label("Organisation").input_value() == "Westway Law Centre"
    axe_check("the form with a mistake")
    screenshot("signposting-form-error-desk")
    page.set_viewport_size(PHONE)
    screenshot("signposting-form-error-phone")
    page.locator("#id_postcode").fill("W10 5NW")
    page.get_by_role("button", name="Add the service").click()
    page.wait_for_url(re.compile(r"/services/\d+/$"))
    axe_check("the new service")
    screenshot("signposting-detail-phone")


def test_a_resident_nobody_covers_sees_public_services_nearby(
        live_server, page, screenshot, axe_check, street, food_bank, advice_line):  # noqa: F811
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/find/?q=W2+5NA")
    heading = page.get_by_role("heading", name=re.compile("Other help near"))
    assert heading.is_visible()
    assert "Portobello Food Bank" in page.content()
    assert "Asks to see ID" not in page.content()  # the group's caution notes stay inside
    axe_check("public find with services")
    screenshot("signposting-public-phone")


def test_the_import_page_lists_each_problem(live_server, page, screenshot, axe_check,
                                             tmp_path, street, priya):
    bad = [{"id": "not-an-id", "name": "Pantry", "status": "open"}, {"name": "No id"}]
    upload = tmp_path / "council.json"
    upload.write_text(json.dumps(bad))
    page.set_viewport_size(DESK)
    _become(page, live_server, priya)
    page.goto(f"{live_server.url}/g/{street.slug}/services/import/")
    page.get_by_label(re.compile("Open Referral UK file")).set_input_files(str(upload))
    page.get_by_role("button", name="Check and import").click()
    assert page.locator(".error-summary li").count() >= 3
    axe_check("import with problems")
    screenshot("signposting-import-desk")


def test_mid_call_a_call_handler_refers_someone_to_the_nearest_food_bank(
        live_server, page, screenshot, axe_check, street, sam, mrs_ahmed, food_bank, kitchen):  # noqa: F811
    """The issue's journey: from the call screen to the food bank nearest W10 5NW, the
    resident's consent in plain words, the referral recorded, and the request's timeline
    showing it."""
    from kith.requests import callbacks
    from kith.requests.intake import Contact, Need, take_request
    from kith.requests.models import Callback
    from kith.signposting.models import Referral

    ask = take_request(street, channel="web", contact=Contact(name="Mrs Ahmed"),
                       need=Need(service="shopping"), resident=mrs_ahmed).request
    call = Callback.objects.get(request=ask)
    callbacks.claim(call, sam)
    page.set_viewport_size(PHONE)
    _become(page, live_server, sam)
    page.goto(f"{live_server.url}/g/{street.slug}/callbacks/{call.pk}/")
    link = page.get_by_role("link", name="Find a local service to refer them to")
    link.scroll_into_view_if_needed()
    axe_check("the call screen, with the way to refer")
    screenshot("signposting-call-screen-phone")
    link.click()
    page.wait_for_url(re.compile(rf"/services/find/\?request={ask.reference}$"))
    # It starts from where she lives (her postcode sector: Sam cannot open the full one).
    box = page.get_by_label("Their postcode")
    expect(box).to_be_focused()
    assert box.input_value() == "W10 5"
    box.fill("W10 5NW")
    page.get_by_label("What do they need?").select_option("food")
    page.get_by_role("button", name="Find").click()
    card = page.locator("ol.results > li").filter(has_text="Portobello Food Bank")
    card.get_by_role("link", name=re.compile("Refer them here")).click()
    page.locator(".caution").wait_for()
    page.locator("#id_why").fill("A food parcel this week")
    page.get_by_role("button", name="Show the words to read them").click()
    assert "North Kensington Pantry Trust" in page.locator("blockquote").inner_text()
    axe_check("refer: the words to read")
    screenshot("signposting-refer-phone")
    page.get_by_label(re.compile("I read them these words")).check()
    page.get_by_role("button", name=re.compile("They said yes")).click()
    page.wait_for_url(re.compile(r"/referrals/\d+/$"))
    axe_check("the referral")
    screenshot("signposting-referral-phone")
    assert Referral.objects.get().shared == ["name", "phone"]
    page.goto(f"{live_server.url}/g/{street.slug}/requests/{ask.reference}/")
    assert "Referred to Portobello Food Bank (North Kensington Pantry Trust)" in page.content()
    screenshot("signposting-timeline-phone")
    page.set_viewport_size(DESK)
    page.goto(f"{live_server.url}/g/{street.slug}/referrals/")
    assert "Mrs Ahmed to Portobello Food Bank" in page.content()
    axe_check("the referrals list")
    screenshot("signposting-referrals-desk")


def test_could_not_help_points_the_resident_to_a_service_on_a_phone_and_a_desk(
        live_server, page, screenshot, axe_check, street, priya, mrs_ahmed, food_bank,  # noqa: F811
        advice_line, kitchen):  # noqa: F811
    from kith.requests.intake import Contact, Need, take_request

    req = take_request(street, channel="web", contact=Contact(name="Mrs Ahmed"),
                       need=Need(service="shopping"), resident=mrs_ahmed).request
    page.set_viewport_size(PHONE | {"height": 844})
    _become(page, live_server, priya)
    page.goto(f"{live_server.url}/g/{street.slug}/requests/{req.reference}/")
    page.get_by_text("Record that we could not help…").click()
    boxes = page.locator("#move-could_not_help input[name=services]")
    assert boxes.count() == 3
    page.locator("#move-could_not_help").scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    axe_check("could not help, the services offered")
    screenshot("signposting-could-not-help-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot("signposting-could-not-help-desk")
    page.get_by_label("Portobello Food Bank (North Kensington Pantry Trust)").check()
    page.get_by_role("button", name="Record that we could not help").click()
    page.wait_for_url(re.compile(rf"/requests/{req.reference}/$"))
    line = page.locator("ol.trail li", has_text="Signposted to")
    assert line.get_by_role("link", name="Portobello Food Bank").is_visible()
    axe_check("the timeline with the signposting line")
    page.set_viewport_size(PHONE)
    line.scroll_into_view_if_needed()
    screenshot("signposting-timeline-phone")


def test_a_check_up_that_finds_more_help_needed_records_the_service_on_a_phone(
        live_server, page, client, screenshot, axe_check, street, sam, mrs_ahmed, food_bank,  # noqa: F811
        advice_line, kitchen):  # noqa: F811
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from kith.requests import callbacks, check_ups
    from kith.requests.intake import Contact, Need, take_request
    from kith.signposting.models import Signposting
    from tests.conftest import confirm_two_factor, enable_totp

    req = take_request(street, channel="web", contact=Contact(name="Mrs Ahmed"),
                       need=Need(service="shopping"), resident=mrs_ahmed).request
    with transaction.atomic():
        call = check_ups.book(req, at=timezone.now() - timedelta(minutes=1), actor=None)
    callbacks.claim(call, sam)
    enable_totp(sam)
    client.force_login(sam)
    confirm_two_factor(client)
    page.set_viewport_size(PHONE)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": dj_settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value,
                               "url": live_server.url}])
    page.goto(f"{live_server.url}/g/{street.slug}/callbacks/{call.pk}/")
    page.get_by_label("Reached them").check()
    page.get_by_label("Needs more help").check()
    page.get_by_label("Community kitchen (Golborne Kitchen Collective)").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    axe_check("check-up call, needs more help, a service ticked")
    page.get_by_label("Community kitchen (Golborne Kitchen Collective)").scroll_into_view_if_needed()
    screenshot("signposting-check-up-phone")
    page.get_by_role("button", name="Save what happened").click()
    page.wait_for_url("**/callbacks/")
    assert page.get_by_text(re.compile("signposted to Community kitchen")).is_visible()
    assert Signposting.objects.get().callback_id == call.pk
