"""Sign-in by a code sent by text: for volunteers a group knows by their mobile number only.

Through the test client and allauth's own views; texts go through the outbox to the memory
text backend (`kith.core.sms.outbox`), which is what the volunteer's phone would receive.
"""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from kith.accounts.models import Person
from kith.core import sms
from kith.core.digest import phone_digest
from kith.core.models import AuditEvent
from kith.messaging.models import Message, TextOptOut
from kith.messaging.outbox import STOPPED

pytestmark = pytest.mark.django_db

ADE = "+447911123411"
REQUEST = "/accounts/login/code/"
CONFIRM = "/accounts/login/code/confirm/"
SAME_PAGE = "If 07911 123411 is the mobile number on your Kith account"


@pytest.fixture(autouse=True)
def _no_texts_yet():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def ade(street):
    """Imported from a WhatsApp group's list: a mobile number, no email address."""
    from tests.factories import MembershipFactory

    person = Person(display_name="Ade Bello", phone=ADE)
    person.set_unusable_password()
    person.save()
    MembershipFactory(person=person, group=street, is_volunteer=True)
    return person


def _text(response) -> str:
    """The page's words, without tags, one space between them."""
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


def ask_for_code(client, typed: str = "07911 123411"):
    return client.post(REQUEST, {"login": typed})


def texted_code(to: str = ADE) -> str:
    texts = [t for t in sms.outbox if t.to == to]
    assert texts, f"no text to {to}"
    match = re.fullmatch(r"Your Kith sign-in code is (\d{6})\. It expires in 10 minutes\. "
                         r"Don't share it\.", texts[-1].body)
    assert match, texts[-1].body
    return match.group(1)


def signed_in_as(client) -> str:
    """The name the account page greets, or "" when the client is not signed in."""
    response = client.get(reverse("accounts:profile"))
    return _text(response) if response.status_code == 200 else ""


def test_a_volunteer_signs_in_with_the_code_texted_to_their_mobile(client, ade):
    response = ask_for_code(client, "07911 123 411")  # spaced as people type it
    assert response.status_code == 302 and response["Location"].startswith(CONFIRM)
    page = _text(client.get(CONFIRM))
    assert "Type the code we texted you" in page and SAME_PAGE in page

    response = client.post(CONFIRM, {"code": texted_code()})
    assert response.status_code == 302
    assert "Ade Bello" in signed_in_as(client)
    # Texted through the outbox, on the volunteer's own log, and the sign-in is on the record.
    message = Message.objects.get(person=ade)
    assert (message.channel, message.state) == (Message.Channel.SMS, Message.State.SENT)
    event = AuditEvent.objects.get(action="kith.person.signed_in_by_text")
    assert event.actor_id == ade.pk and "7911" not in str(event.new) + str(event.old)
    ade.refresh_from_db()
    assert ade.phone_verified_at is not None


def test_an_unknown_number_gets_the_same_page_and_no_text(client, ade):
    known = _text(client.get(ask_for_code(client)["Location"]))
    client.logout()
    client.cookies.clear()
    response = ask_for_code(client, "07911 123499")
    assert response.status_code == 302 and response["Location"].startswith(CONFIRM)
    unknown = _text(client.get(CONFIRM))
    assert unknown == known.replace("07911 123411", "07911 123499")
    assert [t.to for t in sms.outbox] == [ADE]
    assert not Message.objects.filter(to_digest=phone_digest("07911 123499")).exists()
    # Any code is wrong: there is none.
    client.post(CONFIRM, {"code": "123456"})
    assert signed_in_as(client) == ""


def test_a_number_that_replied_stop_gets_no_text_and_the_page_says_what_to_do(client, ade):
    TextOptOut.objects.create(phone_digest=phone_digest(ADE))
    response = ask_for_code(client)
    assert response["Location"].startswith(CONFIRM)
    page = _text(client.get(CONFIRM))
    assert SAME_PAGE in page  # the same words as for anyone: nothing says STOP was sent
    assert "If you once replied STOP to a text from Kith, we can't text you." in page
    assert "sign in with your email address" in page and "ring your group's coordinator" in page
    assert sms.outbox == []
    assert Message.objects.get(person=ade).error == STOPPED


def test_a_number_gets_three_codes_a_minute_whoever_it_belongs_to(ade):
    from django.test import Client

    # Each ask from a fresh browser, as someone text-bombing a number would; a second address
    # for the second number, so it is the number's limit that answers, not the address's.
    for number, address in (("07911 123411", "10.0.0.1"), ("07911 123499", "10.0.0.2")):
        for _ in range(3):
            assert ask_for_code(Client(REMOTE_ADDR=address), number).status_code == 302
        response = ask_for_code(Client(REMOTE_ADDR=address), number)
        assert response.status_code == 200
        # a per-minute limit answered: not told to wait an hour
        assert "Too many tries or codes asked for. Wait a little while" in _text(response)
        assert "an hour" not in _text(response)
        assert f'value="{number}"' in response.content.decode()  # what was typed stays
    assert len(sms.outbox) == 3


def test_the_site_texts_at_most_its_hourly_ceiling_of_codes(ade, settings):
    from django.test import Client

    settings.KITH_SIGN_IN_TEXTS_PER_HOUR = 1
    assert ask_for_code(Client()).status_code == 302
    assert ask_for_code(Client()).status_code == 302  # the same page; no text
    assert len(sms.outbox) == 1


def test_three_wrong_codes_end_the_code(client, ade):
    ask_for_code(client)
    right = texted_code()
    wrong = "000000" if right != "000000" else "111111"
    response = client.post(CONFIRM, {"code": wrong})
    assert response.status_code == 200 and "There is a problem" in _text(response)
    client.post(CONFIRM, {"code": wrong})
    response = client.post(CONFIRM, {"code": wrong})
    assert response.status_code == 302 and response["Location"].startswith(REQUEST)
    client.post(CONFIRM, {"code": right})  # too late: that code is gone
    assert signed_in_as(client) == ""


def test_two_people_sharing_a_number_cannot_sign_in_by_it(client, ade):
    other = Person(display_name="Bea Cole", phone="07911123411")
    other.set_unusable_password()
    other.save()
    assert ask_for_code(client).status_code == 302
    assert sms.outbox == []


def test_someone_who_types_a_volunteers_number_on_their_profile_cannot_lock_them_out(
        client, ade, tom):
    from kith.accounts.services import update_profile

    update_profile(tom, acting_user=tom, display_name=tom.display_name, phone="07911 123411")
    ask_for_code(client)
    client.post(CONFIRM, {"code": texted_code()})
    assert "Ade Bello" in signed_in_as(client)  # the number is Ade's only way in; not Tom


@pytest.mark.parametrize(("typed", "says"), [
    ("020 7946 0000", "We can only text a mobile number"),
    ("Ade", "Type your email address (like name@example.org) or your mobile number"),
    ("07911 12", "Check the digits"),
    ("", "Type your email address or your mobile number."),
])
def test_what_is_not_a_mobile_number_is_named_and_kept(client, ade, typed, says):
    response = ask_for_code(client, typed)
    assert response.status_code == 200 and says in _text(response)
    assert f'value="{typed}"' in response.content.decode()
    assert sms.outbox == []


def test_the_same_box_still_emails_a_code_to_an_address(client, tom):
    from django.core import mail

    response = ask_for_code(client, "tom@example.org")
    assert response["Location"].startswith(CONFIRM)
    assert "Type the code we emailed you" in _text(client.get(CONFIRM))
    assert mail.outbox[-1].to == ["tom@example.org"] and sms.outbox == []


def test_a_phone_only_volunteer_from_an_import_signs_in_and_joins(
        client, street, priya, django_capture_on_commit_callbacks):
    from tests.volunteers.test_import_rows_that_need_care import phone_only

    _, people = phone_only(street, priya, django_capture_on_commit_callbacks)
    ade = people[0]
    assert ade.can_sign_in and ade.email is None
    ask_for_code(client, "07911 123411")
    response = client.post(CONFIRM, {"code": texted_code()}, follow=True)
    assert response.request["PATH_INFO"] == "/volunteer/"
    assert "Please confirm your consents" in _text(response)
    client.post("/volunteer/consents/", {f"consent_{k}": "on"
                                         for k in ("data", "adult", "unpaid", "safety")})
    assert "Your consents are up to date." in _text(client.get("/volunteer/consents/"))


def test_the_digest_follows_the_number(ade):
    from kith.accounts.services import update_profile

    update_profile(ade, acting_user=ade, display_name="Ade Bello", phone="+447911123499")
    assert Person.objects.get(pk=ade.pk).phone_digest == phone_digest("07911 123499")
    update_profile(ade, acting_user=ade, display_name="Ade Bello", phone="")
    ade = Person.objects.get(pk=ade.pk)
    assert ade.phone_digest == "" and not ade.can_sign_in


def test_allauths_own_field_names_still_work(client, ade, tom):
    from django.test import Client

    assert client.post(REQUEST, {"email": "tom@example.org"})["Location"].startswith(CONFIRM)
    assert Client().post(REQUEST, {"phone": "07911123411"})["Location"].startswith(CONFIRM)
    assert [t.to for t in sms.outbox] == [ADE]


def test_a_texted_code_is_one_factor_so_an_app_is_still_asked_for(client, priya):
    from tests.conftest import enable_totp, totp_code

    from .conftest import verify_email

    enable_totp(verify_email(priya))
    priya.phone = "07911 123466"
    priya.save()
    ask_for_code(client, "07911 123466")
    response = client.post(CONFIRM, {"code": texted_code("+447911123466")})
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_as(client) == ""
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302 and "Priya Shah" in signed_in_as(client)


def test_the_migration_gives_people_already_on_kith_their_digest(ade):
    import importlib

    from django.apps import apps

    Person.objects.filter(pk=ade.pk).update(phone_digest="")
    fill = importlib.import_module("kith.accounts.migrations.0005_fill_phone_digest").fill
    fill(apps, None)
    assert Person.objects.get(pk=ade.pk).phone_digest == phone_digest(ADE)
