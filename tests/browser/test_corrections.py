"""Correcting records in a real browser, at a phone's size.

Priya (a coordinator, two-factor confirmed) is stopped from assigning Joan's shopping because
Kith has no address: she follows the link, adds it, comes back, assigns Tom, opens the address
with a reason to check it, and reads the correction in the audit trail as a sentence. Sam, on
the phone to a resident about a prescription, types each answer the script asks for beside
its question. Screenshots go to test-artifacts/; axe-core checks every page."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as dj_settings
from django.test import Client

from kith.core.models import AuditEvent, PersonalDataAccess
from kith.requests import services
from kith.requests.intake import Contact, Need, take_request
from kith.requests.models import HelpRequest
from tests.conftest import confirm_two_factor, enable_totp
from tests.requests.conftest import clear_to_help

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page, live_server, person) -> None:
    """Signed in, authenticator confirmed in this session (as reveal() asks of a view)."""
    client = Client()
    enable_totp(person)
    client.force_login(person)
    confirm_two_factor(client)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": dj_settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value,
                               "url": live_server.url}])


def test_a_coordinator_adds_a_missing_address_and_reads_it_in_the_trail(
    live_server, page, screenshot, axe_check, street, priya, tom
):
    clear_to_help(tom, street, coordinator=priya)
    req = take_request(street, channel="web",
                       contact=Contact(name="Joan", phone="+447911123456",
                                       postcode_sector="W10 5"),
                       need=Need(service="shopping", details="Milk and bread")).request
    services.transition(req, "triage", actor=priya)
    _sign_in(page, live_server, priya)
    base = live_server.url

    # Assigning is stopped: what is missing, and a link to where to add it.
    page.goto(f"{base}/g/golborne-road/requests/{req.reference}/assign/")
    assert page.get_by_text("Kith has no address for Joan").is_visible()
    axe_check("assign page, no address")
    screenshot("90-correct-1-assign-needs-address")
    page.get_by_role("link", name=re.compile("Add the address")).click()
    page.wait_for_url(f"**/residents/{req.resident_id}/edit/**")
    assert page.get_by_text("Not recorded").first.is_visible()
    axe_check("resident correction page")
    screenshot("91-correct-2-edit-page")

    # A postcode with a letter O for a zero: said plainly, and what she typed is kept.
    page.get_by_label("Address", exact=True).fill("7 Golborne Road, London")
    page.get_by_label("Full postcode", exact=True).fill("W1O 5NW")
    page.get_by_role("button", name="Save the corrections").click()
    assert "W10 5NW" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Address", exact=True).input_value() == "7 Golborne Road, London"
    axe_check("resident correction page, a mistake")
    screenshot("92-correct-3-edit-mistake")
    page.get_by_label("Full postcode", exact=True).fill("W10 5NW")
    page.get_by_role("button", name="Save the corrections").click()

    # Back on the request she came from, with the address recorded: now Tom can go.
    page.wait_for_url(f"**/requests/{req.reference}/")
    assert page.get_by_text("Joan's record is corrected").is_visible()
    screenshot("93-correct-4-back-on-the-request")
    page.goto(f"{base}/g/golborne-road/requests/{req.reference}/assign/")
    assert page.get_by_text("Kith has no address").count() == 0
    page.get_by_label("Tom Brennan").check()
    page.get_by_label("Why this volunteer?").fill("Lives round the corner")
    page.get_by_role("button", name="Assign").click()
    page.get_by_text(f"Tom Brennan is assigned to {req.reference}.").wait_for()

    # She checks the new address on Joan's page: a reason, and the look is logged.
    page.goto(f"{base}/g/golborne-road/residents/{req.resident_id}/")
    page.get_by_label("Why do you need the address?").fill("Checking the correction")
    page.get_by_role("button", name="Show address").click()
    assert page.get_by_text("7 Golborne Road, London").is_visible()
    assert PersonalDataAccess.objects.filter(viewer=priya, field="address").exists()

    # The trail says who corrected what, and never the address itself.
    page.goto(f"{base}/g/golborne-road/audit/")
    trail = page.locator("main").inner_text()
    assert "Priya Shah corrected the details of Joan" in trail
    assert "(hidden: personal)" in trail and "Golborne Road, London" not in trail
    axe_check("audit trail with a correction")
    screenshot("94-correct-5-audit-trail")
    row = AuditEvent.objects.get(action="kith.resident.corrected")
    assert row.new == {"address": "***", "postcode": "***"}  # the area was W10 5 already


def test_a_call_handler_types_each_answer_beside_its_question(
    live_server, page, screenshot, axe_check, street, sam
):
    req = take_request(street, channel="web",
                       contact=Contact(name="Mr Lewis", phone="+447911123457",
                                       postcode_sector="W10 5"),
                       need=Need(service="prescriptions", details="Inhaler")).request
    _sign_in(page, live_server, sam)
    page.goto(f"{live_server.url}/g/golborne-road/callbacks/")
    page.get_by_role("button", name="Claim the call to Mr Lewis").click()
    page.get_by_role("heading", name=re.compile("The call, step by step")).wait_for()
    axe_check("call screen with the script's boxes")
    screenshot("95-call-answers-1-script")

    page.get_by_label("Pharmacy").fill("Golborne Pharmacy")
    page.get_by_label("Ready to collect?").fill("Yes")
    page.get_by_label("Their address").fill("3 Southam Street, London")
    page.get_by_label("Their postcode").fill("W10 5PH")
    page.get_by_label("For the volunteer: stairs, buzzer, a dog, hearing or sight").fill(
        "Ground floor; knock loudly")
    page.get_by_label("Reached them").check()
    page.get_by_role("button", name="Save what happened").click()
    page.get_by_role("heading", name=re.compile(f"Request {req.reference}")).wait_for()
    screenshot("96-call-answers-2-request")
    req = HelpRequest.objects.get(pk=req.pk)
    assert req.details._open() == ("Inhaler\nPharmacy: Golborne Pharmacy\nReady to collect: Yes\n"
                                   "At the door: Ground floor; knock loudly")
    req.resident.refresh_from_db()
    assert req.resident.address._open() == "3 Southam Street, London"
    assert "Corrected: what they need" in page.locator("main").inner_text()
    axe_check("request page after the call")
