"""Ade, imported from his group's WhatsApp list with a mobile number and no email address,
signs in on his phone with the code Kith texts him, and lands on his volunteer page.

The text goes through the outbox like every message; in the demo it lands in the demo
mailbox, which is where this journey reads it (a second tab, as someone trying the demo would).
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
WHATSAPP = b"Name,Mobile,Postcode,Skills\nAde Bello,07911 123411,W10 5NW,Shopping\n"


def test_a_phone_only_volunteer_signs_in_with_a_texted_code(
    live_server, page, screenshot, axe_check, settings, priya, street
):
    from kith.accounts.models import Person
    from kith.volunteers.importing.adapter import import_volunteers

    settings.DEMO = True  # the demo mailbox shows the text
    import_volunteers(WHATSAPP, group=street, source="google_sheets", commit=True,
                      acting_user=priya)
    assert Person.objects.get(display_name="Ade Bello").email is None

    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/accounts/login/")
    axe_check("sign in, phone")
    screenshot("text-01-sign-in")
    # His landline first, as many would: the page says why not, and keeps what he typed.
    page.get_by_label("Your email address or mobile number").fill("020 7946 0000")
    page.get_by_role("button", name="Send me a code").click()
    page.wait_for_url("**/login/code/")
    assert page.get_by_role("alert").get_by_text("We can only text a mobile number").is_visible()
    box = page.get_by_label("Your email address or mobile number")
    assert box.input_value() == "020 7946 0000"
    axe_check("not a mobile")
    screenshot("text-01b-not-a-mobile")
    box.fill("07911 123411")
    page.get_by_role("button", name="Send me a code").click()

    page.wait_for_url("**/login/code/confirm/**")
    assert page.get_by_role("heading", name="Type the code we texted you").is_visible()
    assert page.get_by_text("If 07911 123411 is the mobile number on your Kith account").is_visible()
    axe_check("type the texted code")
    screenshot("text-02-enter-code")

    mailbox = page.context.new_page()
    mailbox.set_viewport_size(PHONE)
    mailbox.goto(live_server.url + "/demo/mailbox/")
    text = mailbox.locator(".mailbox-item", has_text="Text message to 07911 123411").first
    body = text.locator(".message-body").inner_text()
    code = re.fullmatch(r"Your Kith sign-in code is (\d{6})\. It expires in 10 minutes\. "
                        r"Don't share it\.", body.strip())
    assert code, body
    mailbox.screenshot(path=str(_artifact("text-03-demo-mailbox")), full_page=True)
    mailbox.close()

    page.get_by_label("Code from the text").fill(code.group(1))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/volunteer/")
    assert page.get_by_text("Please confirm your consents").first.is_visible()
    axe_check("volunteer home after a texted code")
    screenshot("text-04-volunteer-home")


def _artifact(name: str):
    from tests.browser.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"
