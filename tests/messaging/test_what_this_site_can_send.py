"""Kith offers a text or WhatsApp only where this site can send them, and only to a mobile:
the reach page, the sign-in page's code box and the import page all follow
messaging.channels.sendable(). Plus the words that follow a person's channel."""

from __future__ import annotations

import html
import re

import pytest

from kith.messaging import channels
from kith.messaging.models import ContactPreference
from tests.matching.conftest import make_volunteer

pytestmark = pytest.mark.django_db

REACH = "/volunteer/reach/"
LANDLINE = "+442079460102"  # a London number: it takes no texts


def _text(response) -> str:
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


def _offered(response) -> list[str]:
    return re.findall(r'<input[^>]*name="channel"[^>]*value="(\w+)"', response.content.decode())


@pytest.fixture
def ben(street, priya):
    ben = make_volunteer(street, priya, "Ben", "W10 5QA")
    ben.phone = "+447911000001"
    ben.save()
    return ben


@pytest.mark.parametrize("backend, whatsapp_from, expected", [
    ("memory", "", ["email", "sms", "whatsapp"]),  # the demo's and DEBUG's: all, into a file
    ("none", "", ["email"]),
    ("", "", ["email"]),
    ("twilio", "", ["email", "sms"]),
    ("twilio", "+447700900002", ["email", "sms", "whatsapp"]),
    ("my_gateway.send", "+447700900002", ["email", "sms"]),
])
def test_what_this_site_can_send(settings, backend, whatsapp_from, expected):
    settings.KITH_SMS_BACKEND, settings.TWILIO_WHATSAPP_FROM = backend, whatsapp_from
    assert channels.sendable() == expected


def test_a_site_that_cannot_text_offers_only_email_and_refuses_a_text(client, settings, ben):
    settings.KITH_SMS_BACKEND = "none"
    client.force_login(ben)
    assert _offered(client.get(REACH)) == ["email"]
    answer = client.post(REACH, {"channel": "sms"})
    assert answer.status_code == 200 and "Choose one of the ways listed." in _text(answer)
    assert not ContactPreference.objects.exists()


def test_twilio_without_a_whatsapp_sender_offers_texts_but_not_whatsapp(client, settings, ben):
    settings.KITH_SMS_BACKEND, settings.TWILIO_WHATSAPP_FROM = "twilio", ""
    client.force_login(ben)
    assert _offered(client.get(REACH)) == ["email", "sms"]


@pytest.mark.parametrize("channel, how", [("sms", "texts"), ("whatsapp", "WhatsApp messages")])
def test_a_landline_is_refused_for_texts_plainly_and_the_choice_kept(client, ben, channel, how):
    ben.phone = LANDLINE
    ben.save()
    client.force_login(ben)
    assert "go to the number on your account ending 102" in _text(client.get(REACH))
    answer = client.post(REACH, {"channel": channel})
    said = _text(answer)
    assert answer.status_code == 200
    assert (f"The number on your account (ending 102) is not a mobile, so it can't get {how}."
            in said)
    assert re.search(rf'<input[^>]*value="{channel}"[^>]*checked', answer.content.decode())
    assert not ContactPreference.objects.exists()


def test_a_mobile_can_choose_texts_and_the_page_says_which_number(client, ben):
    client.force_login(ben)
    assert "Texts and WhatsApp messages go to the number on your account ending 001." in _text(
        client.get(REACH))
    assert client.post(REACH, {"channel": "sms"}).status_code == 302
    assert ContactPreference.objects.get(person=ben).channel == "sms"


# --- signing in


def test_the_sign_in_box_asks_for_a_mobile_only_where_codes_can_be_texted(client, settings):
    assert "Your email address or mobile number" in _text(client.get("/accounts/login/"))
    settings.KITH_SMS_BACKEND = "none"
    said = _text(client.get("/accounts/login/"))
    assert "Your email address or mobile number" not in said
    assert "This site can't send texts, so if your group knows you by your phone number only, " \
           "ask your group's coordinator to help you sign in." in said
    assert "get a code by email instead" in said


def test_a_number_typed_where_texts_cannot_be_sent_is_refused_and_kept(client, settings):
    from kith.core import sms

    settings.KITH_SMS_BACKEND = "none"
    answer = client.post("/accounts/login/code/", {"login": "07911 123411"})
    said = _text(answer)
    assert answer.status_code == 200
    assert "This site can't send texts, so type your email address." in said
    assert 'value="07911 123411"' in answer.content.decode()
    assert sms.outbox == []


# --- the import page promises sign-in by text only where there is one


def test_the_import_page_promises_sign_in_by_text_only_where_texts_go(client, settings, street,
                                                                      priya):
    from django.urls import reverse

    client.force_login(priya)
    upload = reverse("volunteers_import:upload", args=[street.slug])
    assert "they sign in with a code sent by text" in _text(client.get(upload))
    settings.KITH_SMS_BACKEND = "none"
    said = _text(client.get(upload))
    assert "they sign in with a code sent by text" not in said
    assert "This site can't send texts, so they can't sign in until you add their email" in said


def test_the_import_check_says_the_same_for_each_phone_only_row(settings, street):
    from tests.volunteers.test_import_rows_that_need_care import WHATSAPP, run

    settings.KITH_SMS_BACKEND = "none"
    words = [p.message for p in run(street, WHATSAPP, source="google_sheets").plan.report.problems
             if p.message.startswith("No email address: imported")]
    assert words and all("can't sign in until you add their email address" in w for w in words)


# --- a phone-only volunteer's home page


def test_a_phone_only_volunteers_home_says_they_are_texted_not_emailed(client, street, priya):
    bea = make_volunteer(street, priya, "Bea", "W10 5QA")
    type(bea).objects.filter(pk=bea.pk).update(email=None)
    bea.refresh_from_db()
    bea.phone = "+447700900102"
    bea.save()
    client.force_login(bea)
    said = _text(client.get("/volunteer/"))
    assert "it appears here and we let you know by text message." in said
    assert "we email you" not in said


# --- quiet hours: one explanation for both boxes, not between a label and its box


def test_the_quiet_hours_help_sits_under_the_legend_for_both_boxes(client, priya, street):
    client.force_login(priya)
    page = client.get(f"/g/{street.slug}/settings/").content.decode()
    fieldset = page[page.index("<legend>Quiet hours</legend>"):]
    fieldset = fieldset[:fieldset.index("</fieldset>")]
    help_at = fieldset.index("No texts or WhatsApp messages between these times")
    assert help_at < fieldset.index("Quiet from") < fieldset.index("Quiet until")
    until = fieldset[fieldset.index("Quiet until"):]
    assert "No texts or WhatsApp" not in until  # nothing between the label and its box
    described = re.findall(r'<input[^>]*name="quiet-(?:starts|ends)"[^>]*>', fieldset)
    assert len(described) == 2 and all('aria-describedby="quiet-hours-help"' in i
                                       for i in described)
