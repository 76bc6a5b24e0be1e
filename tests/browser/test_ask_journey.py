"""Joan, 78, asks Golborne Road for help on her phone, writes down her reference number, and
later checks on her request with a code sent by text message. No account, no JavaScript needed."""

from __future__ import annotations

import re

import pytest

from kith.core import sms
from kith.groups import services
from kith.requests.models import HelpRequest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listed(street):
    services.update_group(street, acting_user=None, phone="+442079460000",
                          description="Neighbours helping neighbours around Golborne Road.",
                          services=["shopping", "prescriptions", "befriending", "errands"])
    return street


def test_a_resident_asks_for_help_and_checks_on_it(live_server, page, screenshot, axe_check, listed):
    sms.outbox.clear()
    page.goto(live_server.url + "/groups/golborne-road/")
    axe_check("group page with the ask button")
    screenshot("50-group-page-ask-button")
    page.get_by_role("link", name="Ask for help").click()
    page.wait_for_url("**/groups/golborne-road/ask/")
    assert page.get_by_role("heading", name="Ask Golborne Road Neighbours for help").is_visible()
    axe_check("ask form")
    screenshot("51-ask-form")

    page.get_by_label("What should we call you?").fill("Joan")
    page.get_by_label("Phone number").fill("07911 123456")
    page.get_by_label("Postcode").fill("W1O 5NW")  # a letter O for a zero
    page.get_by_label("Shopping", exact=True).check()
    page.get_by_label("Anything we should know? (optional)").fill("Milk, bread and the paper")
    page.get_by_label("In the next two or three days").check()
    page.get_by_role("button", name="Send my request").click()

    summary = page.get_by_role("alert")
    assert "Did you mean W10 5NW?" in summary.inner_text()
    assert "Tick this box" in summary.inner_text()
    assert page.get_by_label("What should we call you?").input_value() == "Joan"
    assert page.get_by_label("Shopping", exact=True).is_checked()
    axe_check("ask form with mistakes")
    screenshot("52-ask-form-mistakes")

    page.get_by_label("Postcode").fill("W10 5NW")
    page.get_by_label(re.compile("You may keep these details")).check()
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url("**/groups/golborne-road/ask/sent/")

    req = HelpRequest.objects.get()
    assert page.locator(".reference").inner_text() == req.reference
    assert "Please write this down" in page.locator("main").inner_text()
    axe_check("request sent")
    screenshot("53-ask-sent")

    page.get_by_role("link", name="check on your request").click()
    page.wait_for_url("**/my-request/")
    page.get_by_label("Your reference number").fill(req.reference.lower().replace("-", " "))
    page.get_by_label("The phone number or email address you gave us").fill("07911123456")
    axe_check("check on a request")
    screenshot("54-status-start")
    page.get_by_role("button", name="Send me a code").click()
    page.wait_for_url("**/my-request/code/")

    assert len(sms.outbox) == 1
    code = re.search(r"\b(\d{6})\b", sms.outbox[0].body).group(1)
    axe_check("enter the code")
    screenshot("55-status-code")
    page.get_by_label("The 6-digit code").fill(code)
    page.get_by_role("button", name="Show my request").click()
    page.wait_for_url("**/my-request/progress/")

    main = page.locator("main").inner_text()
    assert "We have your request." in main
    assert "Shopping" in main and "020 7946 0000" in main
    axe_check("request progress")
    screenshot("56-status-progress")

    page.get_by_role("button", name="Close my request's page").click()
    page.wait_for_url("**/my-request/")
    assert "Your request's page is closed." in page.locator("main").inner_text()


def test_a_pharmacy_refers_someone(live_server, page, screenshot, axe_check, listed):
    page.goto(live_server.url + "/groups/golborne-road/")
    page.get_by_role("link", name="Refer someone to Golborne Road Neighbours").click()
    page.wait_for_url("**/groups/golborne-road/refer/")
    axe_check("referral form")
    page.get_by_role("button", name="Send the referral").click()
    assert "Tick this box to confirm the person agreed" in page.get_by_role("alert").inner_text()
    axe_check("referral form with mistakes")
    screenshot("57-refer-form-mistakes")

    page.get_by_label("What should the group call them?").fill("Mr Okoye")
    page.get_by_label("Their phone number").fill("07911 123458")
    page.get_by_label("Their postcode").fill("W10 5NW")
    page.get_by_label("Collecting prescriptions").check()
    page.get_by_label("This week").check()
    page.get_by_label("Pharmacy").check()
    page.get_by_label("Name of your organisation").fill("Golborne Pharmacy")
    page.get_by_label("Your name").fill("Ayesha Khan")
    page.get_by_label("Your phone number or email address").fill("020 7946 0100")
    page.get_by_label(re.compile("The person agreed to be referred")).check()
    page.get_by_role("button", name="Send the referral").click()
    page.wait_for_url("**/groups/golborne-road/ask/sent/")
    assert "Please give this number to the person you referred" in page.locator("main").inner_text()
    assert page.locator(".reference").inner_text() == HelpRequest.objects.get().reference
    axe_check("referral sent")
    screenshot("58-refer-sent")
