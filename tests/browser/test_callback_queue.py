"""Sam works the callback queue in a real browser, then takes a returning caller's request by
phone; the intake is timed and its keystrokes counted (printed, never asserted on time)."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kith.requests import callbacks
from kith.requests.intake import Contact, Need, take_request
from kith.requests.models import CallAttempt, Callback, HelpRequest
from tests.conftest import confirm_two_factor, enable_totp

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in_with_two_factor(page, client, live_server, person) -> None:
    """Sign `person` in with their authenticator confirmed in this session, as reveal() needs."""
    from django.conf import settings as dj_settings

    enable_totp(person)
    client.force_login(person)
    confirm_two_factor(client)
    page.context.clear_cookies()
    page.context.add_cookies([{
        "name": dj_settings.SESSION_COOKIE_NAME,
        "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value, "url": live_server.url,
    }])


@pytest.fixture
def waiting_calls(street, sam):
    """Mrs Ahmed asked on the web (a returning caller, later); a missed call is overdue."""
    req = take_request(street, channel="web",
                       contact=Contact(name="Mrs Ahmed", phone="+447911123456",
                                       address="14 Golborne Road", postcode="W10 5NW"),
                       need=Need(service="shopping", details="Milk, bread and teabags")).request
    # Asked two days ago, so ringing today is a new request, not the same one again.
    HelpRequest.objects.filter(pk=req.pk).update(created_at=timezone.now() - timedelta(days=2))
    missed = callbacks.note_missed_call(street, phone="+442079460111", caller_name="Mr Lewis",
                                        note="Voicemail: needs a lift on Friday", acting_user=sam)
    Callback.objects.filter(pk=missed.pk).update(
        created_at=timezone.now() - timedelta(hours=27), due_at=timezone.now() - timedelta(hours=3))
    return req


def test_it_claims_a_call_sees_the_number_and_logs_no_answer(
    live_server, page, client, screenshot, axe_check, sam, street, waiting_calls
):
    _sign_in_with_two_factor(page, client, live_server, sam)
    page.goto(f"{live_server.url}/g/golborne-road/callbacks/")
    assert page.get_by_role("heading", name="Callbacks").is_visible()
    assert page.get_by_text("Overdue by 3h").is_visible()
    axe_check("callback queue")
    screenshot("40-callback-queue")

    page.get_by_role("button", name="Claim the call to Mrs Ahmed").click()
    page.wait_for_url(f"**/callbacks/{waiting_calls.callbacks.get().pk}/")
    assert page.get_by_role("link", name="07911 123456").is_visible()
    assert page.get_by_text("Milk, bread and teabags").is_visible()
    axe_check("call screen, claimed")
    screenshot("41-call-screen")

    page.get_by_role("button", name="Save what happened").click()
    page.get_by_text("Choose what happened on the call.").first.wait_for()
    axe_check("call screen, nothing chosen")
    screenshot("42-call-screen-error")

    page.get_by_label("No answer").check()
    page.get_by_label("Note (optional)").fill("Rang 8 times")
    page.get_by_role("button", name="Save what happened").click()
    page.wait_for_url("**/callbacks/")
    assert page.get_by_text(re.compile("comes round again at")).is_visible()
    assert page.get_by_text("Booked for later (1)").is_visible()
    attempt = CallAttempt.objects.get()
    assert (attempt.outcome, attempt.note, attempt.by) == ("no_answer", "Rang 8 times", sam)
    screenshot("43-queue-after-no-answer")

    page.get_by_role("link", name="Note a missed call").click()
    page.get_by_label("Phone number they rang from").fill("07700 900123")
    page.get_by_role("button", name="Add to the queue").click()
    page.get_by_role("alert").get_by_text(re.compile("not a UK phone number in use")).wait_for()
    axe_check("missed call form with a mistake")
    screenshot("44-missed-call-error")


def test_it_takes_a_returning_callers_request_in_a_few_keystrokes(
    live_server, page, client, screenshot, axe_check, sam, street, waiting_calls
):
    _sign_in_with_two_factor(page, client, live_server, sam)
    intake = f"{live_server.url}/g/golborne-road/requests/new/"

    # A new caller who may be someone on record: the warning, and a mistake kept on the page.
    page.goto(intake)
    axe_check("intake, step 1")
    screenshot("45-intake-start")
    page.get_by_label("Caller's phone number").fill("07911 123457")
    page.keyboard.press("Enter")
    page.get_by_text("New caller.").wait_for()
    page.get_by_label("What to call them").fill("mrs ahmed")
    page.get_by_label("Postcode").fill("W1O 5NW")
    page.get_by_role("radio", name="Shopping").check()
    page.get_by_role("heading", name="Ask about shopping").wait_for()  # htmx brings its questions
    page.get_by_role("radio", name="Collecting prescriptions").check()
    page.get_by_role("heading", name="Ask about collecting prescriptions").wait_for()
    page.get_by_role("button", name="Save request").click()
    page.get_by_role("alert").get_by_text(re.compile("Did you mean W10 5NW")).first.wait_for()
    assert page.get_by_label("What to call them").input_value() == "mrs ahmed"
    assert page.get_by_role("radio", name="Collecting prescriptions").is_checked()
    assert page.get_by_text("Which pharmacy is it at").first.is_visible()  # what to ask
    axe_check("intake, with mistakes")
    screenshot("46-intake-mistakes")
    page.get_by_label("Postcode").fill("W10 5NW")
    page.get_by_label("I read them the consent line and they agreed").check()
    page.get_by_role("button", name="Save request").click()
    page.get_by_text(re.compile(r"Possibly the same person as Mrs Ahmed \(W10 5\)")).wait_for()
    axe_check("intake, possible duplicate")
    screenshot("47-intake-duplicate")

    # Mrs Ahmed rings again. Timed from the empty intake page to the request saved.
    page.goto(intake)
    phone = "07911 123456"
    keys = 0
    # The box has the focus when the page opens (Chromium applies autofocus when it next
    # paints, which on a busy machine can be after the load event: wait for it, not type blind).
    expect(page.get_by_label("Caller's phone number")).to_be_focused()
    started = time.perf_counter()
    page.keyboard.type(phone)
    keys += len(phone)
    page.keyboard.press("Enter")
    keys += 1
    page.get_by_text("Returning: Mrs Ahmed").wait_for()
    looked_up = time.perf_counter()
    page.keyboard.press("ArrowDown")  # the cursor waits on the services: down to prescriptions
    keys += 1
    page.keyboard.press("Enter")  # urgency, contact and consent are already right: save
    keys += 1
    # (Not wait_for_url: "**/requests/*/" already matches the intake page's own address.)
    page.get_by_text(re.compile("Read them their reference number")).wait_for()
    saved = time.perf_counter()

    req = HelpRequest.objects.filter(channel="phone").get()  # a new request, not a second web one
    assert (req.resident, req.service, req.state) == (waiting_calls.resident, "prescriptions",
                                                      "triaged")
    print(f"\nReturning-resident phone intake: {keys} keystrokes ({len(phone)} for the number, "
          f"Enter, one arrow for the service, Enter to save), 0 mouse clicks, 2 page loads; "
          f"{saved - started:.2f}s in all ({looked_up - started:.2f}s to find her, "
          f"{saved - looked_up:.2f}s to choose and save) on this machine.")

    page.goto(intake)
    expect(page.get_by_label("Caller's phone number")).to_be_focused()
    page.keyboard.type(phone)
    page.keyboard.press("Enter")
    page.get_by_text("Returning: Mrs Ahmed").wait_for()
    axe_check("intake, returning resident")
    screenshot("48-intake-returning")


def test_a_call_whose_request_moved_on_leaves_the_queue_and_says_why(
    live_server, page, client, screenshot, axe_check, sam, priya, street, waiting_calls
):
    from kith.requests import services

    item = waiting_calls.callbacks.get(kind=Callback.Kind.REQUEST)
    _sign_in_with_two_factor(page, client, live_server, sam)
    page.goto(f"{live_server.url}/g/golborne-road/callbacks/")
    assert page.get_by_text(waiting_calls.reference).count() >= 1
    services.transition(waiting_calls, "triage", actor=priya)  # Priya rang her herself
    page.reload()
    assert page.get_by_text(waiting_calls.reference).count() == 0
    axe_check("callback queue after the request moved on")
    screenshot("41-callback-queue-moved-on")
    page.goto(f"{live_server.url}/g/golborne-road/callbacks/{item.pk}/")
    assert page.get_by_text("No longer needed.").is_visible()
    assert "Taken out of the queue by Priya Shah" in page.locator("main").inner_text()
    axe_check("a call taken out of the queue")
    screenshot("42-call-no-longer-needed")
