"""Sam works the callback queue: claims a call, sees the number, logs what happened."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kith.core.models import AuditEvent, PersonalDataAccess
from kith.core.phones import normalise_uk_phone
from kith.requests import callbacks, check_ups
from kith.requests.intake import Contact, Need, take_request
from kith.requests.models import CallAttempt, Callback
from tests.conftest import confirm_two_factor, enable_totp

pytestmark = pytest.mark.django_db

QUEUE = reverse("requests:queue", args=["golborne-road"])


def _web_request(street, name="Mrs Ahmed", phone="07911 123456", service="shopping", **need):
    taken = take_request(street, channel="web",
                         contact=Contact(name=name, phone=normalise_uk_phone(phone)),
                         need=Need(service=service, **need))
    return taken.request


@pytest.fixture
def req(street):
    return _web_request(street, details="Milk, bread and teabags")


@pytest.fixture
def cb(req):
    return req.callbacks.get()


def _url(name, cb):
    return reverse(f"requests:{name}", args=["golborne-road", cb.pk])


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def sam_on_call(client, sam):
    """Sam, signed in with two-factor used in this session, as reveal() needs."""
    enable_totp(sam)
    client.force_login(sam)
    confirm_two_factor(client)
    return client


def _claim(client, cb):
    return client.post(_url("claim", cb))


# --- the queue page ----------------------------------------------------------------------

def test_it_lists_waiting_calls_soonest_deadline_first_with_the_figures(client, sam, street, req, cb):
    late = callbacks.note_missed_call(street, phone="+442079460111", caller_name="Mr Lewis",
                                      acting_user=sam)
    Callback.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=2, minutes=1),
                                               created_at=timezone.now() - timedelta(hours=26))
    client.force_login(sam)
    response = client.get(QUEUE)
    text = response.content.decode()
    assert response.status_code == 200
    rows = [row.cb for row in response.context["rows"]]
    assert [c.pk for c in rows] == [late.pk, cb.pk]
    assert "Missed call: Mr Lewis" in text and "New request: Mrs Ahmed" in text
    assert f"{req.reference} · Shopping" in text
    assert "⚠ Overdue" in text and "Overdue by 2h" in text  # said in words, not colour alone
    assert "26 hours" in text  # the oldest wait
    assert response.context["figures"].waiting == 2 and response.context["figures"].overdue == 1
    assert "Note a missed call" in text


def test_it_says_who_holds_a_claimed_call_and_offers_no_claim_button(client, sam, priya, cb):
    callbacks.claim(cb, sam)
    client.force_login(priya)
    text = client.get(QUEUE).content.decode()
    assert "Claimed by Sam Okafor" in text and "5 more minutes" in text
    assert _url("claim", cb) not in text


def test_it_shows_calls_booked_for_later_folded_away(client, sam, req):
    check_ups.book(req, at=timezone.now() + timedelta(days=1), actor=None)
    client.force_login(sam)
    response = client.get(QUEUE)
    assert len(response.context["later"]) == 1
    assert "Booked for later (1)" in response.content.decode()


def test_it_shows_how_long_a_call_back_takes_and_how_many_were_done_today(client, sam, cb):
    Callback.objects.filter(pk=cb.pk).update(created_at=timezone.now() - timedelta(minutes=90))
    cb.refresh_from_db()
    callbacks.claim(cb, sam)
    callbacks.log_attempt(cb, by=sam, outcome="reached")
    client.force_login(sam)
    response = client.get(QUEUE)
    text = " ".join(response.content.decode().split())
    assert response.context["figures"].done_today == 1
    assert '<span class="number">1 hour</span> median time to call back' in text
    assert "Nobody is waiting for a call." in text


def _grow(street, sam, priya, n: int, start: int) -> None:
    for i in range(start, start + n):
        req = _web_request(street, name=f"Resident {i}", phone=f"07911 1{i:05d}")
        if i % 3 == 0:
            callbacks.claim(req.callbacks.get(), priya)
        if i % 4 == 0:
            check_ups.book(req, at=timezone.now() + timedelta(days=1), actor=None)
        if i % 5 == 0:
            callbacks.note_missed_call(street, phone=normalise_uk_phone(f"07911 2{i:05d}"),
                                       caller_name=f"Caller {i}", acting_user=sam)


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_it_does_not_query_once_per_row(client, street, sam, priya):
    client.force_login(sam)
    _grow(street, sam, priya, 5, start=1)
    few = _queries(client, QUEUE)
    _grow(street, sam, priya, 20, start=100)
    many = _queries(client, QUEUE)
    assert many == few, f"{few} queries for a few calls, {many} for many"


# --- claiming ----------------------------------------------------------------------------

def test_it_claims_a_call_and_opens_the_call_screen(client, sam, cb):
    client.force_login(sam)
    response = _claim(client, cb)
    assert response.status_code == 302 and response.url == _url("callback", cb)
    cb.refresh_from_db()
    assert cb.claimed_by == sam and cb.claimed_until > timezone.now()


def test_it_lets_only_one_person_claim_a_call(client, sam, priya, cb):
    client.force_login(sam)
    _claim(client, cb)
    client.force_login(priya)
    response = _claim(client, cb)
    assert response.status_code == 302 and response.url == QUEUE
    assert any(m.startswith("Someone else is calling them") for m in _messages(response))
    cb.refresh_from_db()
    assert cb.claimed_by == sam


def test_it_lets_someone_else_claim_once_a_hold_runs_out(client, sam, priya, cb):
    callbacks.claim(cb, sam, now=timezone.now() - timedelta(minutes=6))
    client.force_login(priya)
    assert _claim(client, cb).url == _url("callback", cb)
    cb.refresh_from_db()
    assert cb.claimed_by == priya


def test_it_gives_a_call_back_to_the_queue(client, sam, cb):
    client.force_login(sam)
    _claim(client, cb)
    response = client.post(_url("release", cb))
    assert response.status_code == 302 and response.url == QUEUE
    cb.refresh_from_db()
    assert cb.claimed_by is None and cb.claimed_until is None


def test_it_answers_get_on_the_actions_with_405(client, sam, cb):
    client.force_login(sam)
    for name in ("claim", "release", "attempt"):
        assert client.get(_url(name, cb)).status_code == 405


def test_it_does_not_find_another_groups_callback(client, sam, other_street, nadia):
    theirs = callbacks.note_missed_call(other_street, phone="+447911123456", acting_user=nadia)
    client.force_login(sam)
    assert client.get(_url("callback", theirs)).status_code == 404
    assert client.post(_url("claim", theirs)).status_code == 404
    assert client.post(_url("attempt", theirs), {"outcome": "reached"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.claimed_by is None


# --- the call screen ---------------------------------------------------------------------

def test_it_shows_the_claimant_the_number_and_logs_the_look(sam_on_call, sam, req, cb):
    _claim(sam_on_call, cb)
    response = sam_on_call.get(_url("callback", cb))
    text = response.content.decode()
    assert 'href="tel:+447911123456"' in text and "07911 123456" in text
    assert "Milk, bread and teabags" in text  # what they asked for, opened for the call too
    looks = PersonalDataAccess.objects.filter(viewer=sam)
    assert sorted(looks.values_list("field", flat=True)) == ["details", "phone"]
    assert set(looks.values_list("reason", flat=True)) == {f"Calling back (new request, {req.reference})"}
    assert "The call, step by step: Shopping" in text and "Read the consent line" in text
    assert f"Your reference is {req.reference}" in text


def test_it_shows_no_number_to_anyone_but_the_claimant(client, sam, priya, cb):
    callbacks.claim(cb, sam)
    enable_totp(priya)
    client.force_login(priya)
    confirm_two_factor(client)
    text = client.get(_url("callback", cb)).content.decode()
    assert "Sam Okafor is on this call" in text
    assert "07911 123456" not in text and "7911123456" not in text
    assert not PersonalDataAccess.objects.exists()


def test_it_offers_a_claim_button_on_a_free_call_without_the_number(client, sam, cb):
    client.force_login(sam)
    text = client.get(_url("callback", cb)).content.decode()
    assert _url("claim", cb) in text and "07911 123456" not in text
    assert not PersonalDataAccess.objects.exists()


def test_it_explains_two_factor_before_showing_a_number(client, sam, cb):
    client.force_login(sam)
    _claim(client, cb)
    text = client.get(_url("callback", cb)).content.decode()
    assert "Number not shown" in text and "Set up two-factor sign-in now" in text
    assert "07911 123456" not in text
    enable_totp(sam)
    text = client.get(_url("callback", cb)).content.decode()
    assert "Confirm it&#x27;s you with your passkey or authenticator app" in text
    assert not PersonalDataAccess.objects.exists()


def test_it_opens_a_missed_calls_own_number_when_no_resident_is_known(sam_on_call, sam, street):
    missed = callbacks.note_missed_call(street, phone="+442079460111", caller_name="Mr Lewis",
                                        note="About a lift on Friday", acting_user=sam)
    _claim(sam_on_call, missed)
    text = sam_on_call.get(_url("callback", missed)).content.decode()
    assert "020 7946 0111" in text and "About a lift on Friday" in text
    assert "Calling back after a missed call" in text
    looks = PersonalDataAccess.objects.filter(viewer=sam)
    assert {(r.subject_type, r.field) for r in looks} == {("requests.callback", "phone"),
                                                          ("requests.callback", "note")}


# --- logging attempts --------------------------------------------------------------------

def test_it_refuses_an_attempt_from_someone_without_the_claim(client, sam, priya, cb):
    client.force_login(sam)
    response = client.post(_url("attempt", cb), {"outcome": "no_answer", "note": "Rang twice"})
    assert response.status_code == 400
    assert "Claim this call first" in response.content.decode()
    callbacks.claim(cb, priya)
    response = client.post(_url("attempt", cb), {"outcome": "no_answer", "note": "Rang twice"})
    assert response.status_code == 400 and "Rang twice" in response.content.decode()
    assert not CallAttempt.objects.exists()


def test_it_asks_what_happened(sam_on_call, cb):
    _claim(sam_on_call, cb)
    response = sam_on_call.post(_url("attempt", cb), {"note": "Engaged tone"})
    text = response.content.decode()
    assert response.status_code == 400
    assert "Choose what happened on the call." in text and "Engaged tone" in text


def test_it_puts_a_call_with_no_answer_back_for_later(sam_on_call, cb):
    _claim(sam_on_call, cb)
    before = timezone.now()
    response = sam_on_call.post(_url("attempt", cb), {"outcome": "no_answer"})
    assert response.status_code == 302 and response.url == QUEUE
    cb.refresh_from_db()
    assert cb.in_queue and cb.attempts_made == 1 and cb.claimed_by is None
    assert cb.not_before >= before + callbacks.RETRY_AFTER
    assert any("comes round again at" in m for m in _messages(response))
    queue = sam_on_call.get(QUEUE)
    assert [c.pk for c in queue.context["later"]] == [cb.pk]


def test_it_tells_a_coordinator_after_three_tries(sam_on_call, cb, mailoutbox):
    for outcome in ("no_answer", "voicemail", "no_answer"):
        _claim(sam_on_call, cb)
        response = sam_on_call.post(_url("attempt", cb), {"outcome": outcome})
    cb.refresh_from_db()
    assert cb.attempts_made == 3 and cb.escalated_at is not None
    assert any("a coordinator has been told" in m for m in _messages(response))


def test_it_sends_a_reached_request_callback_to_the_request_page(sam_on_call, req, cb):
    _claim(sam_on_call, cb)
    response = sam_on_call.post(_url("attempt", cb), {"outcome": "reached", "note": "All clear"})
    assert response.status_code == 302
    assert response.url == reverse("requests:detail", args=["golborne-road", req.reference])
    cb.refresh_from_db()
    assert cb.outcome == Callback.Outcome.REACHED and not cb.in_queue


def test_it_takes_a_wrong_number_out_of_the_queue(sam_on_call, cb):
    _claim(sam_on_call, cb)
    response = sam_on_call.post(_url("attempt", cb), {"outcome": "wrong_number"})
    assert response.url == QUEUE
    cb.refresh_from_db()
    assert cb.outcome == Callback.Outcome.WRONG_NUMBER
    assert any("tell a coordinator" in m for m in _messages(response))


def test_it_renews_its_own_lapsed_hold_when_the_call_ran_on(sam_on_call, sam, cb):
    callbacks.claim(cb, sam, now=timezone.now() - timedelta(minutes=7))
    response = sam_on_call.post(_url("attempt", cb), {"outcome": "voicemail"})
    assert response.status_code == 302
    assert CallAttempt.objects.get().outcome == "voicemail"


def test_it_sends_a_reached_missed_call_to_intake_with_the_number(sam_on_call, sam, street):
    missed = callbacks.note_missed_call(street, phone="+447911123457", acting_user=sam)
    _claim(sam_on_call, missed)
    response = sam_on_call.post(_url("attempt", missed), {"outcome": "reached"})
    assert response.status_code == 302
    assert response.url == reverse("requests:intake", args=["golborne-road"])  # never in the URL
    # Opening the number to carry it into the form is a look of its own.
    assert PersonalDataAccess.objects.filter(viewer=sam, field="phone").count() == 1
    text = sam_on_call.get(response.url).content.decode()
    assert "New caller" in text and "07911 123457" in text


# --- check-ups ---------------------------------------------------------------------------

@pytest.fixture
def check_up(req):
    return check_ups.book(req, at=timezone.now() - timedelta(minutes=1), actor=None)


def test_it_needs_a_result_on_a_reached_check_up_and_keeps_what_was_typed(sam_on_call, check_up):
    _claim(sam_on_call, check_up)
    page = sam_on_call.get(_url("callback", check_up)).content.decode()
    assert "How are they?" in page and "What to say: Check-up call" in page
    response = sam_on_call.post(_url("attempt", check_up), {"outcome": "reached",
                                                            "note": "Shopping arrived fine"})
    text = response.content.decode()
    assert response.status_code == 400
    assert "Say how they are" in text and "Shopping arrived fine" in text
    assert re.search(r'<input type="radio" name="outcome" value="reached"[^>]* checked', text)
    response = sam_on_call.post(_url("attempt", check_up), {"outcome": "reached",
                                                            "result": "all_well"})
    assert response.url == QUEUE
    check_up.refresh_from_db()
    assert (check_up.outcome, check_up.result) == ("reached", "all_well")


def test_it_takes_a_new_request_when_a_check_up_finds_more_help_needed(sam_on_call, req, check_up):
    _claim(sam_on_call, check_up)
    response = sam_on_call.post(_url("attempt", check_up), {"outcome": "reached",
                                                            "result": "more_help"})
    assert response.url == (reverse("requests:intake", args=["golborne-road"])
                            + f"?resident={req.resident_id}")
    page = sam_on_call.get(response.url).content.decode()
    assert "Returning: Mrs Ahmed" in page


def test_it_passes_a_concern_to_the_coordinators(sam_on_call, req, check_up):
    _claim(sam_on_call, check_up)
    response = sam_on_call.post(_url("attempt", check_up), {"outcome": "reached",
                                                            "result": "concern",
                                                            "note": "Sounded confused"})
    assert response.url == QUEUE
    assert any("Concern about Mrs Ahmed recorded" in m for m in _messages(response))
    req.refresh_from_db()
    assert req.state == "escalated"


def test_a_concern_says_the_safeguarding_lead_is_told(sam_on_call, req, check_up, lena):
    """Review M, S4: the case goes to the safeguarding lead, not a coordinator."""
    _claim(sam_on_call, check_up)
    page = sam_on_call.get(_url("callback", check_up)).content.decode()
    assert "the group&#x27;s safeguarding lead is told at once" in page
    assert "a coordinator is told at once" not in page
    response = sam_on_call.post(_url("attempt", check_up), {"outcome": "reached",
                                                            "result": "concern"})
    said = " ".join(_messages(response))
    assert "safeguarding lead has been told and will follow it up" in said
    assert "A coordinator has been told" not in said


def test_with_no_lead_a_concern_says_the_coordinators_must_name_one(sam_on_call, req, check_up):
    _claim(sam_on_call, check_up)
    response = sam_on_call.post(_url("attempt", check_up), {"outcome": "reached",
                                                            "result": "concern"})
    assert "no safeguarding lead yet" in " ".join(_messages(response))


def test_the_escalation_email_does_not_send_coordinators_to_the_reason(req, priya):
    from kith.messaging.models import Message
    from kith.requests import notify

    notify.escalated(req, "")
    body = Message.objects.get(person=priya).body._open()
    assert "The reason and the whole history are on the request page" not in body
    assert "only the safeguarding leads can open" in body


# --- missed calls ------------------------------------------------------------------------

def test_it_notes_a_missed_call_into_the_queue(client, sam, street):
    client.force_login(sam)
    url = reverse("requests:missed_call", args=["golborne-road"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"phone": "07911 123456", "caller_name": "Mr Lewis",
                                 "note": "Voicemail about shopping"})
    assert response.status_code == 302 and response.url == QUEUE
    missed = Callback.objects.get()
    assert (missed.kind, missed.caller_name, missed.group) == ("missed_call", "Mr Lewis", street)
    assert str(missed.phone) == "•••• hidden"
    assert any(m.startswith("Missed call from Mr Lewis added to the queue") for m in _messages(response))


@pytest.mark.parametrize("phone, error", [
    ("", "Enter the phone number they rang from"),
    ("07700 900123", "That is not a UK phone number in use"),
    ("079111234567", "too few or too many digits"),
    ("call me", "digits only"),
])
def test_it_says_what_is_wrong_with_a_missed_calls_number(client, sam, phone, error):
    client.force_login(sam)
    response = client.post(reverse("requests:missed_call", args=["golborne-road"]),
                           {"phone": phone, "caller_name": "Mr Lewis"})
    text = response.content.decode()
    assert response.status_code == 400
    assert error in text and 'value="Mr Lewis"' in text
    assert not Callback.objects.exists()


def test_it_links_a_missed_call_from_a_known_number_to_the_resident(client, sam, req):
    client.force_login(sam)
    response = client.post(reverse("requests:missed_call", args=["golborne-road"]),
                           {"phone": "+44 7911 123456"})
    missed = Callback.objects.get(kind="missed_call")
    assert missed.resident == req.resident
    assert any("They have rung before" in m for m in _messages(response))


# --- odd input ---------------------------------------------------------------------------

HUGE = "9" * 30


@pytest.mark.parametrize("path", [
    "/g/golborne-road/callbacks/999999/",
    f"/g/golborne-road/callbacks/{HUGE}/",
    f"/g/golborne-road/requests/new/?resident={HUGE}",
    "/g/golborne-road/requests/new/?resident=abc",
])
def test_it_gives_404_for_unknown_ids(client, sam, path):
    client.force_login(sam)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("action", ["claim", "release", "attempt"])
def test_it_gives_404_when_posting_to_an_unknown_call(client, sam, action):
    client.force_login(sam)
    assert client.post(f"/g/golborne-road/callbacks/{HUGE}/{action}/").status_code == 404


def test_it_says_a_finished_call_is_done_and_cannot_be_claimed(sam_on_call, sam, cb):
    _claim(sam_on_call, cb)
    sam_on_call.post(_url("attempt", cb), {"outcome": "wrong_number"})
    text = sam_on_call.get(_url("callback", cb)).content.decode()
    assert "This call is done:" in text and _url("claim", cb) not in text
    response = _claim(sam_on_call, cb)
    assert response.url == QUEUE
    assert any("has already been made" in m for m in _messages(response))


def test_it_copes_with_an_odd_phone_search(client, sam):
    client.force_login(sam)
    response = client.get(reverse("requests:intake", args=["golborne-road"]),
                          {"phone": "<script>alert(1)</script>\x00"})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_it_records_the_address_a_caller_gives_with_the_call(sam_on_call, sam, street):
    req = take_request(street, channel="web", contact=Contact(name="Joan", phone="+447911123459"),
                       need=Need(service="shopping")).request
    cb = req.callbacks.get()
    _claim(sam_on_call, cb)
    assert "Where they live" in sam_on_call.get(_url("callback", cb)).content.decode()
    sam_on_call.post(_url("attempt", cb), {"outcome": "reached",
                                           "answer-address": "3 Golborne Road"})
    req.resident.refresh_from_db()
    assert req.resident.address._open() == "3 Golborne Road"
    assert AuditEvent.objects.filter(action="kith.resident.corrected",
                                     object_id=str(req.resident.pk)).exists()
