"""A partner's token in a real browser, on a phone: Priya adds Golborne Pharmacy, makes it a
token (shown once), the pharmacy's system refers Joan through the API with it, and Priya
revokes it; the next call is refused at once.

Screenshots go to test-artifacts/partners-*.png."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from django.conf import settings as dj_settings
from django.test import Client

from kith.partners.models import ApiToken, PartnerReferral
from tests.partners.conftest import referral_body

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def _become(page, live_server, person) -> None:
    client = Client()
    client.force_login(person)
    page.context.add_cookies([{"name": dj_settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value,
                               "url": live_server.url}])


def _call(url, secret, body=None):
    request = urllib.request.Request(  # noqa: S310 (the live test server)
        url, data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as answer:
        return answer.code, json.loads(answer.read())


def test_a_coordinator_makes_a_token_a_partner_uses_it_and_it_is_revoked(
        live_server, page, screenshot, axe_check, street, priya):
    base = live_server.url
    page.set_viewport_size(PHONE)
    _become(page, live_server, priya)
    page.goto(f"{base}/g/golborne-road/partners/")
    page.get_by_label("Name of the organisation").fill("Golborne Pharmacy")
    page.get_by_label("Pharmacy").check()
    axe_check("partners: list")
    screenshot("partners-1-list")
    page.get_by_role("button", name="Add the partner").click()

    page.get_by_label("What is it for? (optional)").fill("Booking system")
    page.get_by_label("Refer people who agreed to it").check()
    page.get_by_label("Read the status of their own referrals and runs").check()
    page.get_by_role("button", name="Make the token").click()
    page.get_by_text("Copy this now. Kith will not show it again.").wait_for()
    secret = page.get_by_label("API token").input_value()
    assert secret.startswith("kith_")
    axe_check("partners: token shown once")
    screenshot("partners-2-token-shown-once")

    status, made = _call(f"{base}/api/v1/groups/golborne-road/referrals", secret,
                         referral_body())
    assert status == 201 and made["status"] == "received"
    assert PartnerReferral.objects.count() == 1

    page.get_by_role("link", name="Done: back to the partner").click()
    assert secret not in page.content()
    screenshot("partners-3-detail")
    page.get_by_role("link", name="Revoke: stop it working").click()
    page.get_by_text("Are you sure?").wait_for()
    axe_check("partners: revoke, are you sure?")
    screenshot("partners-3b-revoke-are-you-sure")
    assert ApiToken.objects.get().revoked_at is None
    page.get_by_role("button", name="Yes, revoke it now").click()
    page.get_by_text("is revoked: it stops working now").wait_for()
    axe_check("partners: detail after revoking")
    screenshot("partners-4-revoked")
    assert ApiToken.objects.get().revoked_at is not None
    status, refused = _call(f"{base}/api/v1/me", secret)
    assert status == 401 and "revoked" in refused["detail"]
