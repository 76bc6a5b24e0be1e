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
    page.get_by_text("7 Golborne Road, London").wait_for()  # a round trip: wait for it
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


def test_a_resident_adds_a_note_then_cancels_from_their_status_page(
    live_server, page, screenshot, axe_check, street
):
    import time

    from kith.requests import views_public

    req = take_request(street, channel="web",
                       contact=Contact(name="Joan", phone="+447911123456",
                                       postcode_sector="W10 5"),
                       need=Need(service="shopping", details="Milk and bread")).request
    # Joan has typed the code already (the code steps have their own journey): her page is open.
    client = Client()
    session = client.session
    session[views_public.STATUS_REQUEST] = {"id": req.pk, "until": time.time() + 600}
    session.save()
    page.context.add_cookies([{"name": dj_settings.SESSION_COOKIE_NAME,
                               "value": session.session_key, "url": live_server.url}])
    page.goto(f"{live_server.url}/my-request/progress/")
    axe_check("status page with a note box and cancelling")
    screenshot("97-status-1-note-and-cancel")

    page.get_by_label("Anything to tell us about your request?").fill(
        "I'm out on Tuesday morning")
    page.get_by_role("button", name="Send my note").click()
    page.get_by_text("Your note is with Golborne Road Neighbours").wait_for()

    page.get_by_text("I don't need this help any more").click()
    page.get_by_label("Why don't you need it any more? (optional)").fill("My son is back")
    page.get_by_role("button", name="Cancel my request").click()
    assert "Tick “Yes, cancel my request”" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Why don't you need it any more? (optional)").input_value() == (
        "My son is back")
    axe_check("status page, cancelling without the tick")
    screenshot("98-status-2-cancel-mistake")
    page.get_by_label("Yes, cancel my request").check()
    page.get_by_role("button", name="Cancel my request").click()
    page.get_by_text("Your request is cancelled.").wait_for()
    assert "You cancelled this request on" in page.locator("main").inner_text()
    axe_check("status page, cancelled")
    screenshot("99-status-3-cancelled")
    assert HelpRequest.objects.get(pk=req.pk).state == "cancelled"
