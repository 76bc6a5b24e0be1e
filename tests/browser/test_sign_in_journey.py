"""Priya, a coordinator, signs in with the code emailed to her, lands on her group's today
page and checks its audit trail."""

from __future__ import annotations

import re

import pytest

from kith.groups import services

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_signs_in_by_emailed_code_and_sees_dashboard_and_audit(
    live_server, page, enter_emailed_code, screenshot, axe_check, priya, sam, tom, mrs_ahmed
):
    services.update_group(priya.memberships.get().group, acting_user=priya,
                          description="Neighbours around Golborne Road.")
    page.goto(live_server.url + "/")
    axe_check("home")
    screenshot("01-home")

    page.get_by_role("link", name="Sign in").first.click()
    page.wait_for_url("**/accounts/login/")  # axe on the new page, not the one being left
    axe_check("sign in")
    screenshot("02-sign-in")
    page.get_by_label("Your email address").fill("priya@example.org")
    page.get_by_role("button", name="Send me a code").click()

    enter_emailed_code("priya@example.org", "03-enter-code")

    # One group where she coordinates: she lands on its today page.
    page.wait_for_url("**/g/golborne-road/")
    assert page.get_by_role("heading", name=re.compile("^Today")).is_visible()
    figures = page.get_by_role("list", name="Figures for Golborne Road Neighbours")
    assert "3 members" in " ".join(figures.inner_text().split())
    assert "1 resident helped" in " ".join(figures.inner_text().split())
    axe_check("today")
    screenshot("04-today")

    page.locator("summary", has_text="Group").click()
    page.get_by_role("link", name="Audit trail").click()
    page.locator(".trail").get_by_text("Priya Shah changed the group's details").wait_for()
    axe_check("audit trail")
    screenshot("05-audit-trail")

    page.locator("summary", has_text="Filter by person").click()
    page.get_by_label("What happened").select_option("kith.group.updated")
    page.get_by_role("button", name="Show").click()
    page.get_by_text("1 change.").wait_for()


def test_it_keeps_contact_details_sealed_until_two_factor_and_a_reason(
    live_server, page, screenshot, axe_check, sam, mrs_ahmed, client
):
    from django.conf import settings as dj_settings
    from django.db import transaction
    from django.utils import timezone

    from kith.requests import callbacks, check_ups
    from tests.conftest import enable_totp, totp_code

    # A call handler sees a resident's details only for the call he holds: Sam has her
    # check-in call.
    with transaction.atomic():  # as the sweep books it
        check_in = check_ups.book_check_in(mrs_ahmed, at=timezone.now())
    assert callbacks.claim(check_in, sam)
    # Sign in by session cookie: this journey is about the resident page, not sign-in.
    client.force_login(sam)
    page.context.add_cookies([{
        "name": dj_settings.SESSION_COOKIE_NAME, "value": client.cookies["sessionid"].value,
        "url": live_server.url,
    }])
    page.goto(f"{live_server.url}/g/golborne-road/residents/{mrs_ahmed.pk}/")
    assert page.get_by_text("two-factor sign-in").first.is_visible()
    assert "7946 0100" not in page.content() and "79460100" not in page.content()
    axe_check("resident, sealed")
    screenshot("07-resident-sealed")

    enable_totp(sam)
    page.reload()
    page.get_by_role("link", name="confirm it's you").click()
    page.get_by_label(re.compile("code", re.I)).wait_for()  # the confirm page, not the last one
    axe_check("confirm with authenticator")
    screenshot("08-confirm-authenticator")
    page.get_by_label(re.compile("code", re.I)).fill(totp_code())
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    page.wait_for_url(f"**/g/golborne-road/residents/{mrs_ahmed.pk}/")

    page.get_by_role("button", name="Show phone").click()
    page.get_by_text("Say why you need to see it.").first.wait_for()
    page.get_by_label("Why do you need the phone?").fill("Calling back about shopping")
    page.get_by_role("button", name="Show phone").click()
    page.get_by_role("link", name="020 7946 0100").wait_for()  # a round trip: wait for it
    axe_check("resident, revealed")
    screenshot("09-resident-revealed")


def test_it_has_an_axe_check_that_can_fail(page, axe_check):
    """Guard against a checker that passes everything: an unlabelled field must be caught."""
    page.set_content("<!doctype html><html lang='en'><title>t</title><main><input></main></html>")
    with pytest.raises(AssertionError, match="label"):
        axe_check("deliberately broken page")
