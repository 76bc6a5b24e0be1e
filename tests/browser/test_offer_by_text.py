"""Tom would rather be texted. He chooses that on his phone; an offer reaches him by text (at
the local stand-in for Twilio), he answers "YES <offer>", the signed reply takes the task for
him, and the text he gets back opens his task on his phone."""

from __future__ import annotations

import re
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
from django.conf import settings as dj_settings
from django.test import Client
from twilio.request_validator import RequestValidator

from kith.matching import offers
from kith.matching.models import Offer
from kith.requests import lifecycle
from tests.matching.conftest import make_volunteer, waiting_request
from tests.messaging.standin import TOKEN

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
TOMS_PHONE = "+447911123456"


def sign_in(page, live_server, person) -> None:
    client = Client()
    client.force_login(person)
    page.context.add_cookies([{"name": dj_settings.SESSION_COOKIE_NAME, "url": live_server.url,
                               "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value}])


def test_tom_takes_an_offer_by_text_and_opens_his_task(live_server, page, screenshot, axe_check,
                                                      settings, twilio, street, priya, mrs_ahmed):
    settings.SITE_URL = live_server.url  # the offer is made outside any web request
    base = live_server.url
    tom = make_volunteer(street, priya, "Tom", "W10 5QA")
    tom.display_name, tom.phone = "Tom Brennan", TOMS_PHONE
    tom.save()

    # Tom, on his phone, chooses texts.
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, tom)
    page.goto(f"{base}/volunteer/")
    page.get_by_role("link", name="How we reach you").click()
    page.get_by_role("heading", name="How we reach you").wait_for()
    page.get_by_label("Text message").check()
    axe_check("choosing how we reach you")
    screenshot("channels-1-tom-chooses-text")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved: we'll reach you by text message.").wait_for()

    # Priya's offer reaches him by text: what and roughly where, and how to answer.
    waiting = waiting_request(street, priya, mrs_ahmed)
    offers.offer_round(waiting, actor=priya)
    offer = Offer.objects.get(request=waiting, volunteer=tom)
    [text] = [t for t in twilio.delivered if t["to"] == TOMS_PHONE]
    assert f"Reply YES {offer.pk} to take it or NO {offer.pk} to pass." in text["body"]
    assert "W10 5NW" not in text["body"]

    # He answers YES; Twilio posts it to Kith, signed.
    inbound = f"{base}/messaging/twilio/inbound/"
    data = {"MessageSid": "SM" + "4" * 32, "From": TOMS_PHONE, "Body": f"YES {offer.pk}"}
    signature = RequestValidator(TOKEN).compute_signature(inbound, data)
    with urlopen(Request(inbound, data=urlencode(data).encode(),  # noqa: S310 - the live server
                         headers={"X-Twilio-Signature": signature}), timeout=10) as answer:
        assert answer.status == 200
    waiting.refresh_from_db()
    assert waiting.state == lifecycle.ASSIGNED and waiting.current_assignment.volunteer == tom

    # The text back has the link to his task; it opens on his phone, with the address.
    reply = twilio.delivered[-1]
    assert reply["to"] == TOMS_PHONE and "It's yours" in reply["body"]
    link = re.search(r"https?://\S+", reply["body"]).group(0)
    assert link == f"{base}/volunteer/tasks/{waiting.reference}/"
    page.goto(link)
    main = page.locator("main")
    main.get_by_text("W10 5NW").first.wait_for()
    assert "Shopping" in main.inner_text()
    axe_check("Tom's task from the text")
    screenshot("channels-2-tom-opens-his-task-from-the-text")


def test_without_a_phone_whatsapp_falls_back_to_email_and_the_page_says_so(
        live_server, page, screenshot, axe_check, street, priya):
    ann = make_volunteer(street, priya, "Ann", "W10 5PZ")
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, ann)
    page.goto(f"{live_server.url}/volunteer/reach/")
    page.get_by_label("WhatsApp").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved: we'll reach you by WhatsApp.").first.wait_for()
    page.goto(f"{live_server.url}/volunteer/reach/")
    note = page.get_by_role("note")
    assert "You have no phone number on your account, so we email you instead." in (
        note.inner_text())
    assert note.get_by_role("link", name="Add your phone number on My account").is_visible()
    axe_check("how we reach you, no phone")
    screenshot("channels-3-no-phone-so-email")
