"""Joan asked Golborne Road for help on the web form. She has no account: she checks on her
request with its reference number and a code sent to the phone or email she gave.

The first step says the same thing whatever matched, so nobody can use it to find out who
asked for help; the progress page names no volunteer and shows nobody's contact details.
"""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone

from kith.core import sms
from kith.requests import by_resident, lifecycle, views_public
from kith.requests.intake import Contact, Need, take_request
from kith.requests.models import HelpRequest, StatusCode
from kith.requests.services import assign, complete, transition
from tests.requests.test_public_intake import text_of

pytestmark = pytest.mark.django_db

START = reverse("requests:status")
CODE = reverse("requests:status_code")
VIEW = reverse("requests:status_view")


@pytest.fixture(autouse=True)
def empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def asked(street):
    """Joan's request for shopping, made on the web form."""
    contact = Contact(name="Joan", phone="+447911123456", email="joan@example.org",
                      postcode="W10 5NW", postcode_sector="W10 5", address="7 Golborne Road")
    return take_request(street, channel="web", contact=contact, need=Need(service="shopping"),
                        acting_user=None).request


@pytest.fixture
def ask_code(client, django_capture_on_commit_callbacks):
    def ask(reference: str, contact: str, on=client):
        with django_capture_on_commit_callbacks(execute=True):
            return on.post(START, {"reference": reference, "contact": contact})

    return ask


def spaced(reference: str) -> str:
    """As someone might type it: lower case, a space instead of the dash."""
    return reference.lower().replace("-", " ")


def code_in(text: str) -> str:
    match = re.search(r"\b(\d{6})\b", text)
    assert match, text
    return match.group(1)


def open_page_for(client, req) -> None:
    """A session that has already proved the code for `req`."""
    session = client.session
    session[views_public.STATUS_REQUEST] = {"id": req.pk, "until": time.time() + 60}
    session.save()


def test_joan_gets_a_code_by_text_and_sees_her_request(client, asked, ask_code):
    response = ask_code(spaced(asked.reference), "07911 123456")
    assert response.status_code == 302 and response["Location"] == CODE

    assert len(sms.outbox) == 1
    message = sms.outbox[0]
    assert message.to == "+447911123456"
    assert "Golborne Road Neighbours" in message.body

    page = client.get(CODE)
    assert "If those details match our records, we have sent a code" in text_of(page)
    assert asked.reference in text_of(page)

    response = client.post(CODE, {"code": code_in(message.body)})
    assert response.status_code == 302 and response["Location"] == VIEW
    assert asked.events.filter(action="status_checked").exists()

    words = text_of(client.get(VIEW))
    assert "We have your request. Someone from Golborne Road Neighbours will get in touch" in words
    assert "Shopping" in words and asked.reference in words
    assert "You asked for help Done" in words
    assert "We called you Next" in words
    assert "A volunteer is arranged Not yet" in words
    assert "07911" not in words and "joan@" not in words.lower()


def test_joan_gets_a_code_by_email(client, asked, ask_code, mailoutbox):
    ask_code(asked.reference, "Joan@Example.org")
    assert not sms.outbox
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["Joan@Example.org"]
    response = client.post(CODE, {"code": code_in(mailoutbox[0].body)})
    assert response["Location"] == VIEW
    assert client.get(VIEW).status_code == 200


def test_an_unknown_reference_or_contact_says_the_same_as_a_known_one(asked, ask_code, mailoutbox):
    pages = {}
    for label, reference, contact in [
        ("match", asked.reference, "07911 123456"),
        ("wrong number", asked.reference, "07911 123457"),
        ("wrong email", asked.reference, "someone@example.org"),
        ("unknown reference", "KXT-4M9", "07911 123456"),
    ]:
        client = Client()
        response = ask_code(reference, contact, on=client)
        assert (response.status_code, response["Location"]) == (302, CODE), label
        page = client.get(CODE)
        assert page.status_code == 200
        pages[label] = text_of(page).replace(reference, "REFERENCE")
    assert len(set(pages.values())) == 1, pages
    assert len(sms.outbox) == 1 and not mailoutbox  # only the real match was sent anything


@pytest.mark.parametrize("data, message", [
    ({"reference": "", "contact": "07911 123456"}, "Enter your reference number, like KXT-4M9."),
    ({"reference": "KXT4", "contact": "07911 123456"},
     "A reference number has six letters and numbers, like KXT-4M9."),
    ({"reference": "KXT-4M9", "contact": ""}, "Enter the phone number or email address you gave us."),
    ({"reference": "KXT-4M9", "contact": "07700 900123"}, "That is not a UK phone number in use."),
    ({"reference": "KXT-4M9", "contact": "joan@"}, "Enter an email address like name@example.org."),
])
def test_it_explains_a_mistyped_reference_or_contact_and_keeps_it(client, street, data, message):
    response = client.post(START, data)
    assert response.status_code == 200
    assert message in text_of(response)
    for value in data.values():
        if value:
            assert f'value="{value}"' in response.content.decode()
    assert not sms.outbox


def test_a_wrong_code_counts_and_locks_out_after_the_last_try(client, asked, ask_code):
    ask_code(asked.reference, "07911 123456")
    right = code_in(sms.outbox[0].body)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for attempt in range(1, StatusCode.MAX_TRIES + 1):
        response = client.post(CODE, {"code": wrong})
        assert response.status_code == 200
        assert "That code is not right. Check the six digits and try again." in text_of(response)
        assert StatusCode.objects.get().tries == attempt
    response = client.post(CODE, {"code": right})
    assert "That code has run out. Ask for a new one." in text_of(response)
    assert client.get(VIEW)["Location"] == START


def test_a_code_in_the_wrong_shape_is_not_counted_as_a_try(client, asked, ask_code):
    ask_code(asked.reference, "07911 123456")
    response = client.post(CODE, {"code": "12345"})
    assert "The code has 6 digits, like 123456." in text_of(response)
    assert StatusCode.objects.get().tries == 0
    # Spaces, as people read it out, are fine.
    code = code_in(sms.outbox[0].body)
    assert client.post(CODE, {"code": f"{code[:3]} {code[3:]}"})["Location"] == VIEW


def test_an_expired_code_says_so(client, asked, ask_code):
    ask_code(asked.reference, "07911 123456")
    StatusCode.objects.update(expires_at=timezone.now() - StatusCode.LIFETIME)
    session = client.session  # the attempt, too, began 15 minutes ago
    session[views_public.STATUS_ATTEMPT]["started"] -= StatusCode.LIFETIME.total_seconds()
    session.save()
    response = client.post(CODE, {"code": code_in(sms.outbox[0].body)})
    assert "That code has run out. Ask for a new one." in text_of(response)
    assert client.get(VIEW)["Location"] == START


def test_a_code_works_once_and_only_in_the_session_that_asked(client, asked, ask_code):
    ask_code(asked.reference, "07911 123456")
    code = code_in(sms.outbox[0].body)
    other = Client()  # someone else, asking about the same reference with another number
    ask_code(asked.reference, "07911 123457", on=other)
    response = other.post(CODE, {"code": code})
    assert "That code is not right. Check the six digits and try again." in text_of(response)
    assert client.post(CODE, {"code": code})["Location"] == VIEW
    assert client.get(CODE)["Location"] == START  # used: ask again for another look


def test_the_code_step_answers_the_same_whatever_was_wrong(asked, ask_code):
    """A stranger who tries codes learns nothing: an unknown reference, someone else's number
    and Joan's own number (with a wrong code) give the same pages, try after try."""
    answers = {}
    for label, reference, contact in [
        ("match", asked.reference, "07911 123456"),
        ("wrong number", asked.reference, "07911 123457"),
        ("unknown reference", "QWE-RTY", "07911 123456"),
    ]:
        sms.outbox.clear()
        client = Client()
        ask_code(reference, contact, on=client)
        sent = [code_in(m.body) for m in sms.outbox]
        wrong = next(c for c in ("111111", "222222") if c not in sent)
        pages = []
        for _try in range(StatusCode.MAX_TRIES + 1):
            response = client.post(CODE, {"code": wrong})
            pages.append((response.status_code, text_of(response).replace(reference, "REF")))
        answers[label] = pages
    assert answers["match"] == answers["wrong number"] == answers["unknown reference"]
    words = answers["match"]
    assert "That code is not right. Check the six digits and try again." in words[0][1]
    assert "That code has run out. Ask for a new one." in words[-1][1]


def test_the_code_and_progress_pages_need_the_step_before(client, street):
    assert client.get(CODE)["Location"] == START
    assert client.post(CODE, {"code": "123456"})["Location"] == START
    assert client.get(VIEW)["Location"] == START


def test_the_progress_page_closes_after_30_minutes(client, asked):
    session = client.session
    session[views_public.STATUS_REQUEST] = {"id": asked.pk, "until": time.time() - 1}
    session.save()
    response = client.get(VIEW, follow=True)
    assert response.redirect_chain == [(START, 302)]
    assert "To keep your request private, its page closes after 30 minutes." in text_of(response)


def test_the_code_opens_the_page_for_30_minutes(client, asked, ask_code):
    ask_code(asked.reference, "07911 123456")
    before = time.time()
    client.post(CODE, {"code": code_in(sms.outbox[0].body)})
    until = client.session[views_public.STATUS_REQUEST]["until"]
    assert before + 29 * 60 < until <= time.time() + 30 * 60


def test_joan_can_close_the_page_on_a_shared_computer(client, asked):
    open_page_for(client, asked)
    assert client.get(VIEW).status_code == 200
    response = client.post(VIEW, follow=True)
    assert "Your request's page is closed." in text_of(response)
    assert client.get(VIEW)["Location"] == START


def test_asking_for_codes_is_limited_per_address(client, asked, ask_code, monkeypatch):
    monkeypatch.setattr(views_public, "SEND_CODE_LIMIT", 2)
    ask_code(asked.reference, "07911 123456")
    ask_code(asked.reference, "07911 123456")
    response = ask_code(asked.reference, "07911 123456")
    assert response.status_code == 429
    assert "Please wait ten minutes and try again" in text_of(response)
    assert f'value="{asked.reference}"' in response.content.decode()
    assert len(sms.outbox) == 2


def test_a_mistyped_form_does_not_use_up_a_try(client, asked, ask_code, monkeypatch):
    monkeypatch.setattr(views_public, "SEND_CODE_LIMIT", 1)
    assert ask_code("KXT4", "07911 123456").status_code == 200
    assert ask_code(asked.reference, "07911 123456")["Location"] == CODE


def from_address(n: int) -> Client:
    return Client(REMOTE_ADDR=f"203.0.113.{n}")


def test_asking_for_codes_is_limited_per_reference_from_any_address(asked, ask_code, monkeypatch):
    """Someone moving between addresses still gets only so many codes sent to Joan's phone,
    and an unknown reference reaches its limit at the same point, in the same words."""
    monkeypatch.setattr(views_public, "SEND_CODE_PER_REFERENCE", 2)
    answers = {}
    for reference in (asked.reference, "QWE-RTY"):
        for n in range(2):
            response = ask_code(reference, "07911 123456", on=from_address(n))
            assert response["Location"] == CODE
        response = ask_code(reference, "07911 123456", on=from_address(9))
        answers[reference] = (response.status_code,
                              text_of(response).replace(reference, "REF"))
    assert answers[asked.reference] == answers["QWE-RTY"]
    status, words = answers[asked.reference]
    assert status == 429
    assert "a lot of tries for this reference number in the last hour" in words
    assert len(sms.outbox) == 2


def test_trying_codes_is_limited_per_address(client, asked, ask_code, monkeypatch):
    monkeypatch.setattr(views_public, "CHECK_CODE_LIMIT", 2)
    ask_code(asked.reference, "07911 123456")
    client.post(CODE, {"code": "000000"})
    client.post(CODE, {"code": "000001"})
    response = client.post(CODE, {"code": code_in(sms.outbox[0].body)})
    assert response.status_code == 429
    assert client.get(VIEW)["Location"] == START


def test_trying_codes_is_limited_per_reference_from_any_address(asked, ask_code, monkeypatch):
    monkeypatch.setattr(views_public, "CHECK_CODE_PER_REFERENCE", 2)
    guessers = [from_address(n) for n in range(3)]
    for guesser in guessers:
        ask_code(asked.reference, "07911 123457", on=guesser)
    for guesser in guessers[:2]:
        assert guesser.post(CODE, {"code": "000000"}).status_code == 200
    response = guessers[2].post(CODE, {"code": "000000"})
    assert response.status_code == 429
    assert "a lot of tries for this reference number" in text_of(response)
    joan = from_address(20)
    ask_code(asked.reference, "07911 123456", on=joan)
    assert joan.post(CODE, {"code": code_in(sms.outbox[0].body)}).status_code == 429


def test_every_state_has_words_for_the_resident():
    assert set(views_public.NOW) == set(lifecycle.STATE_LABELS)


@pytest.mark.parametrize("state", [lifecycle.ESCALATED, lifecycle.ON_HOLD])
def test_a_request_being_looked_at_never_says_why(client, asked, state):
    HelpRequest.objects.filter(pk=asked.pk).update(state=state)
    open_page_for(client, asked)
    words = text_of(client.get(VIEW))
    assert "A coordinator is looking at your request. They will be in touch." in words
    for word in ("exclu", "safeguard", "escalat", "on hold", "triage"):
        assert word not in words.lower()


def test_a_volunteer_is_arranged_without_naming_them(client, asked, priya, tom):
    transition(asked, "triage", actor=priya)
    transition(asked, "start_matching", actor=priya)
    assign(asked, tom, actor=priya, reason="Lives two doors away")
    open_page_for(client, asked)
    words = text_of(client.get(VIEW))
    assert "A volunteer is arranged to help you." in words
    assert "We called you Done" in words and "A volunteer is arranged Done" in words
    assert "The help is done Next" in words
    for secret in ("Tom", "Brennan", "tom@example.org", "two doors", "Priya"):
        assert secret not in words


def test_done_work_shows_every_step_done(client, asked, priya, tom):
    transition(asked, "triage", actor=priya)
    transition(asked, "start_matching", actor=priya)
    assign(asked, tom, actor=priya, reason="Nearby")
    complete(HelpRequest.objects.get(pk=asked.pk), actor=tom)
    open_page_for(client, asked)
    words = text_of(client.get(VIEW))
    assert "The help is done." in words
    assert "The help is done Done" in words
    assert "Next" not in words


def test_a_stopped_request_marks_no_step_as_next(client, asked, priya):
    transition(asked, "cancel", actor=priya, note="Her son is shopping now")
    open_page_for(client, asked)
    words = text_of(client.get(VIEW))
    day = formats.date_format(timezone.localtime(), "l j F")
    assert f"Golborne Road Neighbours cancelled this request on {day}." in words
    assert "Nobody from Golborne Road Neighbours will come or get in touch about it now" in words
    assert "Next" not in words and "Her son" not in words


def test_a_request_the_resident_cancelled_promises_nothing_and_shows_no_step_done(
        client, asked, priya):
    # Talked through, then cancelled by Joan: "We called you Done" beside "cancelled" read as
    # if help were still coming, and the group lists no phone, which used to add "will get in
    # touch with you".
    transition(asked, "triage", actor=priya)
    by_resident.cancel(HelpRequest.objects.get(pk=asked.pk), reason="My son is back")
    open_page_for(client, asked)
    words = text_of(client.get(VIEW))
    day = formats.date_format(timezone.localtime(), "l j F")
    assert f"You cancelled this request on {day}." in words
    assert "will get in touch" not in words and "get in touch soon" not in words
    assert "Done" not in words and "How it is going" not in words
    assert "ask again" in words


def test_the_progress_page_gives_the_groups_phone(client, asked, street):
    street.phone = "+442079460000"
    street.save()
    open_page_for(client, asked)
    assert "Ring Golborne Road Neighbours on 020 7946 0000" in text_of(client.get(VIEW))
