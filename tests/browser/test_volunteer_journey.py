"""Kasia signs up to volunteer on her phone; Priya checks and approves her; Kasia goes on duty."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in_as(page, client, live_server, person) -> None:
    """Swap the browser's session for `person`'s (this journey is not about signing in)."""
    from django.conf import settings as dj_settings

    client.force_login(person)
    page.context.clear_cookies()
    page.context.add_cookies([{
        "name": dj_settings.SESSION_COOKIE_NAME,
        "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value, "url": live_server.url,
    }])


def test_it_signs_up_a_volunteer_who_is_approved_and_goes_on_duty(
    live_server, page, smtp_mailbox, enter_emailed_code, screenshot, axe_check, client, priya, street
):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Volunteer", exact=True).click()
    page.wait_for_url("**/volunteer/join/")
    assert page.get_by_role("heading", name="Volunteer with your neighbours").is_visible()
    axe_check("volunteer sign-up")
    screenshot("20-volunteer-sign-up")

    page.get_by_label("Your name").fill("Kasia Nowak")
    page.get_by_label("Your email address").fill("kasia@example.org")
    page.get_by_label("Shopping", exact=True).check()
    page.get_by_label("Friendly phone calls and check-ins").check()
    page.get_by_label("Monday evening").check()
    page.get_by_label("Saturday morning").check()
    page.get_by_label("Languages you speak (optional)").fill("English, Polish")
    page.get_by_label("Bike").check()
    page.get_by_label("How far will you go?").select_option("5")
    page.get_by_label("Most tasks in a week").fill("3")
    page.get_by_label("Your postcode").fill("W1O 5NW")  # a letter O for a zero
    page.get_by_label(re.compile("Storing my details")).check()
    page.get_by_label(re.compile("18 or over")).check()
    page.get_by_label(re.compile("without pay")).check()
    page.get_by_label(re.compile("read the safety guidance")).check()
    page.get_by_role("button", name="Sign up and email me a code").click()

    summary = page.get_by_role("alert")
    assert "Did you mean W10 5NW?" in summary.inner_text()
    assert page.get_by_label("Monday evening").is_checked()  # what she typed is kept
    assert page.get_by_label("Your name").input_value() == "Kasia Nowak"
    axe_check("volunteer sign-up with a mistake")
    screenshot("21-volunteer-sign-up-mistake")

    page.get_by_label("Your postcode").fill("W10 5NW")
    page.get_by_role("button", name="Sign up and email me a code").click()
    enter_emailed_code("kasia@example.org", "22-volunteer-code")

    page.wait_for_url("**/volunteer/")
    assert page.get_by_text("You've joined Golborne Road Neighbours").is_visible()
    assert page.get_by_text("Waiting for checks").is_visible()
    assert page.get_by_text("Once a coordinator has checked and approved you").is_visible()
    axe_check("volunteer home, waiting")
    screenshot("23-volunteer-home-waiting")
    volunteer_cookies = page.context.cookies()

    notice = smtp_mailbox.wait_for("priya@example.org")
    assert "New volunteer in Golborne Road Neighbours" in str(notice["Subject"])

    _sign_in_as(page, client, live_server, priya)
    page.goto(f"{live_server.url}/g/golborne-road/")
    page.locator(".group-nav summary", has_text="People").click()
    page.get_by_role("link", name="Volunteers", exact=True).click()
    page.get_by_role("link", name="kasia@example.org").wait_for()
    axe_check("coordinator's volunteer list")
    screenshot("24-coordinator-volunteers")

    page.get_by_role("link", name="Kasia Nowak").click()
    today = timezone.localdate().isoformat()
    page.get_by_label("ID seen on").fill(today)
    page.get_by_label("References checked on").fill(today)
    page.get_by_role("button", name="Save checks").click()
    page.get_by_text("Checks for Kasia Nowak saved.").wait_for()
    # The saved dates are back in their boxes, so saving again keeps them (they were wiped).
    assert page.get_by_label("ID seen on").input_value() == today
    page.get_by_role("button", name="Save checks").click()
    assert page.get_by_label("References checked on").input_value() == today
    page.get_by_role("button", name="Approve Kasia Nowak").click()
    page.get_by_text("Kasia Nowak is approved.").wait_for()
    assert page.get_by_text("Shopping: yes.").is_visible()
    axe_check("coordinator approves")
    screenshot("25-coordinator-approves")

    page.context.clear_cookies()
    page.context.add_cookies(volunteer_cookies)
    page.goto(f"{live_server.url}/volunteer/")
    assert page.get_by_text("Approved", exact=True).is_visible()
    page.get_by_role("button", name="Go on duty").click()
    offers = page.get_by_role("region", name="Offers near me")
    assert "No offers right now." in offers.inner_text()
    assert "within 3.1 miles of W10 5" in offers.inner_text()
    assert page.get_by_role("button", name="Go off duty").is_visible()
    axe_check("volunteer on duty")
    screenshot("26-volunteer-on-duty")


def test_it_keeps_the_other_volunteer_pages_accessible(
    live_server, page, screenshot, axe_check, client, priya, street
):
    from tests.factories import PersonFactory
    from tests.volunteers.conftest import sign_up

    kasia = PersonFactory(email="kasia@example.org", display_name="Kasia Nowak")
    sign_up(kasia)
    _sign_in_as(page, client, live_server, kasia)
    for path, name in [("/volunteer/safety/", "27-volunteer-safety"),
                       ("/volunteer/details/", "28-volunteer-details"),
                       ("/volunteer/consents/", "29-volunteer-consents"),
                       ("/volunteer/leave/", "30-volunteer-leave")]:
        page.goto(live_server.url + path)
        axe_check(path)
        screenshot(name)
    page.get_by_role("button", name="Leave volunteering").click()
    page.get_by_role("heading", name="You've left volunteering").wait_for()
    axe_check("left")

    _sign_in_as(page, client, live_server, priya)
    page.goto(f"{live_server.url}/g/golborne-road/volunteers/checks/")
    page.get_by_label("Safeguarding training for shopping").check()
    page.get_by_role("button", name="Save").click()
    assert page.get_by_label("Safeguarding training for shopping").is_checked()
    axe_check("checks for each kind of task")
    screenshot("31-coordinator-checks-policy")
