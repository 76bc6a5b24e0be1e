"""Dev is invited to coordinate Golborne Road. On his phone he makes an account from the
invitation, joins, is walked through setting up an authenticator app (QR code, the key to type,
the first code, backup codes to print) and sees a resident's number without a second code.
Then Priya, already a coordinator, makes a passkey instead and signs in with it alone."""

from __future__ import annotations

import re

import pytest

from kith.groups import services
from tests.conftest import totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def _reveal_phone(page) -> None:
    page.get_by_role("button", name="Show phone").click()
    page.get_by_label("Why do you need the phone?").fill("Calling back about shopping")
    page.get_by_role("button", name="Show phone").click()


def test_it_walks_an_invited_coordinator_through_two_factor_to_a_number(
    live_server, page, enter_emailed_code, screenshot, axe_check, priya, street, mrs_ahmed
):
    invitation = services.create_invitation(street, roles=["coordinator"], acting_user=priya)
    page.goto(live_server.url + invitation.get_absolute_url())
    assert page.get_by_text("this role needs two-factor sign-in").is_visible()
    axe_check("invitation")
    screenshot("2fa-01-invitation")

    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Your name").fill("Dev Patel")
    page.get_by_label("Your email address").fill("dev@example.org")
    axe_check("account from an invitation")
    screenshot("2fa-02-make-account")
    page.get_by_role("button", name="Email me a code").click()
    enter_emailed_code("dev@example.org", "2fa-03-emailed-code")

    page.wait_for_url(f"**{invitation.get_absolute_url()}")
    page.get_by_role("button", name="Join as Dev Patel").click()

    page.wait_for_url("**/account/two-factor/**")
    assert page.get_by_role("heading", name=re.compile("Keep residents' details safe")).is_visible()
    passkey = page.get_by_role("heading", name=re.compile("A passkey"))
    app = page.get_by_role("heading", name=re.compile("an authenticator app", re.I))
    assert passkey.is_visible() and passkey.bounding_box()["y"] < app.bounding_box()["y"]
    axe_check("two-factor set-up: the choice")
    screenshot("2fa-04-choose")

    page.get_by_role("link", name="Set up an authenticator app").click()
    page.get_by_role("img", name=re.compile("QR code")).wait_for()
    assert page.get_by_text("Google Authenticator").first.is_visible()
    axe_check("two-factor set-up: the app")
    screenshot("2fa-05-app-steps")
    secret = page.locator("#setup-key").inner_text().replace(" ", "")
    page.get_by_label("Six-digit code from the app").fill("000000")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    assert "That didn't match" in page.get_by_role("alert").inner_text()
    axe_check("two-factor set-up: a wrong code")
    screenshot("2fa-06-wrong-code")
    page.get_by_label("Six-digit code from the app").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    page.wait_for_url("**/recovery-codes/")
    codes = page.get_by_role("list", name="Backup codes").get_by_role("listitem")
    assert codes.count() == 10
    assert page.get_by_role("button", name="Print this page").is_visible()
    axe_check("backup codes")
    screenshot("2fa-07-backup-codes")
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Print this page").is_visible()
    assert not page.locator(".site-header").is_visible()
    screenshot("2fa-08-backup-codes-printed")
    page.emulate_media(media="screen")
    page.get_by_role("link", name="I've kept them safe: carry on").click()

    page.wait_for_url("**/g/golborne-road/")
    page.goto(f"{live_server.url}/g/golborne-road/residents/{mrs_ahmed.pk}/")
    assert not page.get_by_role("link", name=re.compile("confirm it's you", re.I)).count()
    _reveal_phone(page)
    # The reveal is a round trip: wait for the number rather than look before it lands.
    page.get_by_role("link", name="020 7946 0100").wait_for()
    axe_check("resident, revealed")
    screenshot("2fa-09-number-revealed")


def test_it_makes_a_passkey_and_signs_in_with_it_alone(
    live_server, page, client, screenshot, axe_check, priya, mrs_ahmed
):
    """Chromium's virtual authenticator stands in for a phone's fingerprint reader."""
    from allauth.account.models import EmailAddress
    from django.conf import settings as dj_settings

    EmailAddress.objects.filter(user=priya).update(verified=True)
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
        "automaticPresenceSimulation": True}})
    client.force_login(priya)
    page.context.add_cookies([{"name": dj_settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value,
                               "url": live_server.url}])
    page.goto(f"{live_server.url}/account/two-factor/")
    page.get_by_role("link", name="Make a passkey").click()
    page.get_by_label("Give it a name you'll recognise").fill("Priya's phone")
    axe_check("make a passkey")
    screenshot("2fa-10-make-passkey")
    page.get_by_role("button", name="Make my passkey").click()
    page.wait_for_url("**/recovery-codes/")
    assert page.get_by_text("Your passkey is made").is_visible()

    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server.url}/accounts/login/")
    axe_check("sign in, passkey first")
    screenshot("2fa-11-sign-in-passkey-first")
    page.get_by_role("button", name="Sign in with my passkey").click()
    page.wait_for_url("**/g/golborne-road/")  # signed in, on her group's today page
    page.goto(f"{live_server.url}/g/golborne-road/residents/{mrs_ahmed.pk}/")
    _reveal_phone(page)
    # The reveal is a round trip: wait for the number rather than look before it lands.
    page.get_by_role("link", name="020 7946 0100").wait_for()
