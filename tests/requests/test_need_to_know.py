"""A call handler sees a resident's details only for the call in hand (callbacks.in_hand).

"Only those who need it, only while they need it": Sam opens Mrs Ahmed's phone and address
while he holds her call, or while he triages the request he took or reached her about; never
Mr Lewis's, never after the claim runs out or the call is logged, and a refusal writes no access
row. Priya (coordinator) and Lena (safeguarding lead) open any resident, as before.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kith.core.models import PersonalDataAccess
from kith.core.privacy import NeedToKnowDenied, reveal
from kith.requests import callbacks, check_ups, services
from kith.requests.intake import Contact, Need, take_request
from kith.requests.models import Callback, HelpRequest
from tests.conftest import _member, confirm_two_factor, enable_totp

pytestmark = pytest.mark.django_db

SLUG = "golborne-road"
AHMED_ADDRESS = "14 Golborne Road, London W10 5NW"
LEWIS_ADDRESS = "3 Southam Street, London W10 5PH"
REFUSAL = "only while you hold their call or are triaging their request"


def _web_request(street, name, phone, address):
    return take_request(street, channel="web",
                        contact=Contact(name=name, phone=phone, address=address),
                        need=Need(service="shopping", details="Milk and bread")).request


@pytest.fixture
def ahmed_req(street):
    return _web_request(street, "Mrs Ahmed", "+447911123456", AHMED_ADDRESS)


@pytest.fixture
def lewis_req(street):
    return _web_request(street, "Mr Lewis", "+447911654321", LEWIS_ADDRESS)


@pytest.fixture
def ahmed_call(ahmed_req):
    return ahmed_req.callbacks.get()


@pytest.fixture
def on_call(client, sam):
    """Sam signed in, two-factor used in this session: only need-to-know stands in his way."""
    enable_totp(sam)
    client.force_login(sam)
    confirm_two_factor(client)
    return client


def _resident_page(req):
    return reverse("residents:detail", args=[SLUG, req.resident_id])


def _request_page(req):
    return reverse("requests:detail", args=[SLUG, req.reference])


def _text(response):
    return response.content.decode()


# --- the call he holds ---------------------------------------------------------------------

def test_it_opens_phone_and_address_for_the_call_he_holds(on_call, sam, ahmed_req, ahmed_call):
    assert callbacks.claim(ahmed_call, sam)
    phone = on_call.post(_resident_page(ahmed_req), {"field": "phone", "reason": "Calling back"})
    assert phone.status_code == 200 and "07911 123456" in _text(phone)
    address = on_call.post(_request_page(ahmed_req), {"field": "address", "reason": "Checking"})
    assert address.status_code == 200 and AHMED_ADDRESS in _text(address)
    assert list(PersonalDataAccess.objects.order_by("pk").values_list("viewer", "field")) == [
        (sam.pk, "phone"), (sam.pk, "address")]


def test_it_refuses_another_resident_in_the_group_even_while_he_holds_a_call(
        on_call, sam, ahmed_call, lewis_req):
    """The finding: a call handler could open the address of any resident in the group."""
    assert callbacks.claim(ahmed_call, sam)
    for url in (_resident_page(lewis_req), _request_page(lewis_req)):
        response = on_call.post(url, {"field": "address", "reason": "Just looking"})
        assert response.status_code == 403, url
        assert REFUSAL in _text(response) and LEWIS_ADDRESS not in _text(response)
    assert not PersonalDataAccess.objects.exists()


def test_it_refuses_a_call_handler_with_no_call_in_hand(on_call, ahmed_req):
    response = on_call.post(_resident_page(ahmed_req), {"field": "phone", "reason": "Curious"})
    assert response.status_code == 403 and REFUSAL in _text(response)
    assert "07911 123456" not in _text(response)
    assert not PersonalDataAccess.objects.exists()


def test_it_closes_them_when_the_claim_runs_out(on_call, sam, ahmed_req, ahmed_call):
    callbacks.claim(ahmed_call, sam, now=timezone.now() - callbacks.CLAIM_FOR
                    - timedelta(seconds=1))
    response = on_call.post(_resident_page(ahmed_req), {"field": "phone", "reason": "Calling"})
    assert response.status_code == 403 and REFUSAL in _text(response)
    assert not PersonalDataAccess.objects.exists()


def test_it_closes_them_when_he_lets_the_call_go(on_call, sam, ahmed_req, ahmed_call):
    callbacks.claim(ahmed_call, sam)
    callbacks.release_claim(ahmed_call, sam)
    with pytest.raises(NeedToKnowDenied, match=REFUSAL):
        reveal(ahmed_req.resident, "phone", viewer=sam, group=ahmed_req.group, reason="Calling")
    assert not PersonalDataAccess.objects.exists()


def test_it_closes_them_once_the_call_is_logged(on_call, sam, street, ahmed_req):
    check_in = check_ups.book_check_in(ahmed_req.resident, at=timezone.now())
    callbacks.claim(check_in, sam)
    assert on_call.post(_resident_page(ahmed_req),
                        {"field": "address", "reason": "Check-in call"}).status_code == 200
    callbacks.log_attempt(check_in, by=sam, outcome="reached", result=Callback.Result.ALL_WELL)
    response = on_call.post(_resident_page(ahmed_req), {"field": "address", "reason": "Again"})
    assert response.status_code == 403 and REFUSAL in _text(response)
    assert PersonalDataAccess.objects.count() == 1  # the look while he held the call


def test_it_gives_a_call_handler_nothing_for_a_call_someone_else_holds(
        client, sam, street, ahmed_req, ahmed_call):
    kemi = _member(street, "kemi@example.org", "Kemi Bello", call_handler=True)
    callbacks.claim(ahmed_call, sam)
    enable_totp(kemi)
    with pytest.raises(NeedToKnowDenied, match=REFUSAL):
        reveal(ahmed_req.resident, "phone", viewer=kemi, group=street, reason="Helping Sam")
    assert not PersonalDataAccess.objects.exists()


# --- the request he is triaging ------------------------------------------------------------

def test_it_opens_a_request_he_reached_the_caller_about_while_it_is_triaged(
        on_call, sam, priya, ahmed_req, ahmed_call):
    callbacks.claim(ahmed_call, sam)
    callbacks.log_attempt(ahmed_call, by=sam, outcome="reached")  # the queue sends him to triage
    url = _request_page(ahmed_req)
    assert "Milk and bread" in _text(on_call.post(url, {"field": "details", "reason": "Triage"}))
    services.transition(ahmed_req, "triage", actor=sam)
    assert AHMED_ADDRESS in _text(on_call.post(url, {"field": "address", "reason": "Triage"}))
    services.transition(HelpRequest.objects.get(pk=ahmed_req.pk), "start_matching", actor=priya)
    done = on_call.post(url, {"field": "address", "reason": "One more look"})
    assert done.status_code == 403 and REFUSAL in _text(done)
    assert PersonalDataAccess.objects.filter(viewer=sam).count() == 2


def test_it_opens_a_phone_request_he_took_for_one_shift(on_call, sam, street):
    req = take_request(street, channel="phone", acting_user=sam, triage=True,
                       contact=Contact(name="Mr Okoro", phone="+447911000111",
                                       address="9 Wornington Road, London W10 5QQ"),
                       need=Need(service="shopping")).request
    assert req.state == "triaged"
    url = _request_page(req)
    assert "9 Wornington Road" in _text(on_call.post(url, {"field": "address", "reason": "Triage"}))
    HelpRequest.objects.filter(pk=req.pk).update(
        created_at=timezone.now() - callbacks.TRIAGE_WINDOW - timedelta(minutes=1))
    late = on_call.post(url, {"field": "address", "reason": "Triage"})
    assert late.status_code == 403 and REFUSAL in _text(late)


def test_it_does_not_open_a_phone_request_someone_else_took(client, sam, priya, street):
    req = take_request(street, channel="phone", acting_user=priya, triage=True,
                       contact=Contact(name="Mr Okoro", phone="+447911000111",
                                       address="9 Wornington Road, London W10 5QQ"),
                       need=Need(service="shopping")).request
    enable_totp(sam)
    with pytest.raises(NeedToKnowDenied, match=REFUSAL):
        reveal(req.resident, "address", viewer=sam, group=street, reason="Triage")


# --- roles that open every resident, as before ---------------------------------------------

@pytest.mark.parametrize("role", ["coordinator", "safeguarding_lead"])
def test_it_opens_any_resident_to_coordinators_and_safeguarding_leads(street, lewis_req, role):
    lead = _member(street, "lena@example.org", "Lena Fischer", **{role: True})
    enable_totp(lead)
    assert reveal(lewis_req.resident, "address", viewer=lead, group=street,
                  reason="Following up") == LEWIS_ADDRESS
    assert PersonalDataAccess.objects.filter(viewer=lead).count() == 1


def test_it_asks_a_coordinator_about_no_call(monkeypatch, priya, street, lewis_req):
    """in_hand() is for roles narrower than residents.reveal_any: a coordinator's look never
    depends on the queue (nor pays for its queries)."""
    def no_queue(*args, **kwargs):
        raise AssertionError("in_hand() asked about a coordinator")

    monkeypatch.setattr(callbacks, "in_hand", no_queue)
    enable_totp(priya)
    assert reveal(lewis_req.resident, "address", viewer=priya, group=street,
                  reason="Following up") == LEWIS_ADDRESS


def test_it_tells_a_call_handler_the_rule_instead_of_offering_a_box(on_call, sam, ahmed_req,
                                                                    ahmed_call):
    text = _text(on_call.get(_resident_page(ahmed_req)))
    assert REFUSAL in text and 'name="reason"' not in text
    callbacks.claim(ahmed_call, sam)
    text = _text(on_call.get(_resident_page(ahmed_req)))
    assert REFUSAL not in text and 'id="reason-phone"' in text
    assert not PersonalDataAccess.objects.exists()
