"""The whole spine, in a real browser: Joan asks on the web; Sam calls her back and triages;
Priya assigns Tom; Tom sees the address on his phone and marks it done; a check-up call is
booked. Each person uses their own pages; the screenshots are the story."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as dj_settings
from django.test import Client
from django.utils import timezone

from kith.core.models import PersonalDataAccess
from kith.requests.models import Callback, HelpRequest
from tests.conftest import confirm_two_factor, enable_totp
from tests.requests.conftest import clear_to_help

pytestmark = pytest.mark.django_db(transaction=True)


_SESSIONS: dict[int, str] = {}


def _become(page, live_server, person, *, two_factor: bool) -> None:
    """Sign `person` in (with their authenticator confirmed when their role needs it); coming
    back later, they are still signed in (an authenticator code works only once)."""
    if person.pk not in _SESSIONS:
        client = Client()  # one per person: logging one out must not end another's session
        if two_factor:
            enable_totp(person)
        client.force_login(person)
        if two_factor:
            confirm_two_factor(client)
        _SESSIONS[person.pk] = client.cookies[dj_settings.SESSION_COOKIE_NAME].value
    page.context.clear_cookies()
    page.context.add_cookies([{"name": dj_settings.SESSION_COOKIE_NAME,
                               "value": _SESSIONS[person.pk], "url": live_server.url}])


def test_a_request_goes_from_the_web_form_to_a_check_up_call(
    live_server, page, screenshot, axe_check, street, priya, sam, tom
):
    clear_to_help(tom, street, coordinator=priya)
    _SESSIONS.clear()
    base = live_server.url

    # Joan asks on the web, on her phone.
    page.goto(f"{base}/groups/golborne-road/ask/")
    page.get_by_label("What should we call you?").fill("Joan")
    page.get_by_label("Phone number").fill("07911 123456")
    page.get_by_label("Postcode").fill("W10 5NW")
    page.get_by_label("Shopping", exact=True).check()
    page.get_by_label("Anything we should know? (optional)").fill("Milk, bread and the paper")
    page.get_by_label(re.compile("You may keep these details")).check()
    page.get_by_label("In the next two or three days").check()
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url("**/groups/golborne-road/ask/sent/")
    req = HelpRequest.objects.get()
    assert req.reference in page.locator("main").inner_text()
    screenshot("70-journey-1-joan-asks")

    # Sam claims the callback, sees her number (a logged look), reaches her and triages.
    _become(page, live_server, sam, two_factor=True)
    page.goto(f"{base}/g/golborne-road/callbacks/")
    page.get_by_role("button", name="Claim the call to Joan").click()
    page.get_by_role("link", name="07911 123456").wait_for()
    axe_check("journey: call screen")
    screenshot("71-journey-2-sam-calls")
    page.get_by_label("Reached them").check()
    page.get_by_label("Their address").fill("7 Golborne Road, London")
    page.get_by_role("button", name="Save what happened").click()
    page.get_by_role("heading", name=re.compile(f"Request {req.reference}")).wait_for()
    page.get_by_role("button", name="Mark as triaged").click()
    page.get_by_text(re.compile("It is now triaged")).wait_for()
    assert PersonalDataAccess.objects.filter(viewer=sam, field="phone").exists()

    # Priya assigns Tom, with a reason.
    _become(page, live_server, priya, two_factor=True)
    page.goto(f"{base}/g/golborne-road/requests/{req.reference}/assign/")
    page.get_by_label("Tom Brennan").check()
    page.get_by_label("Why this volunteer?").fill("Lives round the corner, has a bike")
    page.get_by_role("button", name="Assign").click()
    page.get_by_text(f"Tom Brennan is assigned to {req.reference}.").wait_for()
    axe_check("journey: request assigned")
    screenshot("72-journey-3-priya-assigns")

    # Tom, on his phone, opens the task from his volunteer page: the address is his to see.
    _become(page, live_server, tom, two_factor=False)
    page.goto(f"{base}/volunteer/")
    axe_check("journey: volunteer home with a task")
    screenshot("73a-journey-tom-home")
    page.get_by_role("link", name=re.compile("Shopping for Joan")).click()
    main = page.locator("main").inner_text()
    assert "Milk, bread and the paper" in main and "7 Golborne Road, London" in main
    assert PersonalDataAccess.objects.filter(viewer=tom, field__contains="address").exists()
    axe_check("journey: volunteer's task")
    screenshot("73-journey-4-tom-task")
    page.get_by_role("button", name="It's done").click()
    page.get_by_text("Thank you! Marked as done.").wait_for()
    screenshot("74-journey-5-tom-done")
    req.refresh_from_db()
    assert req.state == "done"

    # A check-up call is booked; when it falls due it is in Sam's queue.
    check_up = Callback.objects.get(request=req, kind="check_up", outcome="")
    Callback.objects.filter(pk=check_up.pk).update(not_before=timezone.now())
    _become(page, live_server, sam, two_factor=True)
    page.goto(f"{base}/g/golborne-road/callbacks/")
    assert page.get_by_role("button", name="Claim the call to Joan").is_visible()
    assert page.get_by_text("Check-up call").first.is_visible()
    axe_check("journey: check-up in the queue")
    screenshot("75-journey-6-check-up-due")
    page.goto(f"{base}/g/golborne-road/requests/{req.reference}/")
    history = page.locator("main").inner_text()
    for step in ("Request made", "Call attempt", "Triaged", "Volunteer assigned", "Done"):
        assert step in history, step
    screenshot("76-journey-7-timeline")

    # Joan lives alone: Sam asks for weekly check-in calls on her page (a typo first).
    page.get_by_role("link", name="Joan").click()
    page.get_by_label("Regular check-in call every (days)").fill("90")
    page.get_by_role("button", name="Save").click()
    assert "At most every 60 days." in page.get_by_role("alert").inner_text()
    axe_check("journey: resident page, check-in mistake")
    screenshot("77-journey-8-resident-check-ins")
    page.get_by_label("Regular check-in call every (days)").fill("7")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved.").wait_for()
