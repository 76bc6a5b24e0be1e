"""Retention and the privacy notice in a browser: Joan opens the notice from the ask-for-help
form on her phone; Priya sets a period, gets a clear message for a bad one, and sees what goes
next week, by reference only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kith.groups import services as group_services

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_resident_opens_the_privacy_notice_from_the_ask_form(live_server, page, screenshot,
                                                                axe_check, street):
    group_services.update_group(street, acting_user=None, phone="+442079460000")
    page.goto(live_server.url + "/groups/golborne-road/ask/")
    link = page.get_by_role("link", name="How we use your details")
    link.click()
    page.wait_for_url("**/groups/golborne-road/privacy/")
    expect(page.get_by_role("heading", name="How we use your details", level=1)).to_be_visible()
    main = page.locator("main")
    expect(main).to_contain_text("90 days")
    expect(main).to_contain_text("12 months")
    expect(page.get_by_role("heading", name="Your rights")).to_be_visible()
    expect(page.get_by_role("heading", name="Who to contact")).to_be_visible()
    axe_check("privacy notice on a phone")
    screenshot("retention-01-privacy-notice-phone")


def test_a_coordinator_sets_a_period_and_sees_what_goes_next_week(
        live_server, page, enter_emailed_code, screenshot, axe_check, priya, street, mrs_ahmed):
    from kith.requests.intake import Contact, Need, take_request
    from kith.requests.models import Callback, HelpRequest

    req = take_request(street, channel="web", contact=Contact(name="Mrs Ahmed"),
                       need=Need(service="shopping", details="Milk and bread"),
                       resident=mrs_ahmed).request
    then = timezone.now() - timedelta(days=88)
    HelpRequest.objects.filter(pk=req.pk).update(state="closed", state_changed_at=then)
    Callback.objects.filter(request=req).update(closed_at=then, outcome="withdrawn")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Your email address").fill("priya@example.org")
    page.get_by_role("button", name="Send me a code").click()
    enter_emailed_code("priya@example.org", "retention-02-code")
    page.wait_for_url("**/g/golborne-road/")
    page.goto(live_server.url + "/g/golborne-road/retention/")
    box = page.get_by_label("A closed request's details")
    box.fill("10")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("At least 30 days")
    expect(page.get_by_label("A closed request's details")).to_have_value("10")
    axe_check("retention settings with a mistake")
    screenshot("retention-03-settings-mistake")

    page.get_by_label("A closed request's details").fill("")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/g/golborne-road/retention/")
    page.get_by_role("link", name="See what goes in the next week").click()
    page.wait_for_url("**/retention/next-week/")
    item = page.locator(".due-list li", has_text=req.reference)
    expect(item).to_contain_text(re.compile("kept 90 days"))
    expect(page.locator("main")).not_to_contain_text("Milk")
    expect(page.locator("main")).not_to_contain_text("Ahmed")
    axe_check("what goes next week")
    screenshot("retention-04-preview")
