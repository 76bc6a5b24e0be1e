"""Correcting a resident's record (residents.services.correct_resident and its page).

Priya corrects anyone in Golborne Road; Sam only the resident whose call is in his hands.
Sealed values are replaced without being shown; the trail says old → new with personal values
masked; saving unchanged writes nothing.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kith.core.digest import phone_digest
from kith.core.models import AuditEvent, PersonalDataAccess
from kith.core.privacy import CorrectionDenied
from kith.requests import callbacks
from kith.requests.intake import Contact, Need, find_resident, take_request
from kith.requests.models import Callback
from kith.residents.services import CorrectionRefused, correct_resident
from tests.conftest import confirm_two_factor, enable_totp

pytestmark = pytest.mark.django_db

NEW_ADDRESS = "Flat 2, 31 Golborne Road, London"


def _edit(resident, **query):
    url = reverse("residents:edit", args=[resident.group.slug, resident.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _form(resident, **changes):
    """What the page posts when nothing is typed: the plain fields as they are."""
    return {"name": resident.name, "postcode_sector": resident.postcode_sector,
            "language": resident.language, "check_in_days": resident.check_in_days or "",
            **({"at_risk": "on"} if resident.at_risk else {}), **changes}


def _confirmed(client, person):
    """Signed in with two-factor proved this session: changing contact details asks for it
    (tests/test_two_factor_changes.py)."""
    enable_totp(person)
    client.force_login(person)
    confirm_two_factor(client)


def _opened(resident, field):
    return getattr(type(resident).objects.get(pk=resident.pk), field)._open()


# --- the service ----------------------------------------------------------------------------

def test_it_replaces_the_address_and_trails_it_masked(priya, mrs_ahmed):
    done = correct_resident(mrs_ahmed, acting_user=priya, address=NEW_ADDRESS)
    assert done.changed == ["address"]
    assert _opened(mrs_ahmed, "address") == NEW_ADDRESS
    row = AuditEvent.objects.get(action="kith.resident.corrected")
    assert (row.old, row.new) == ({"address": "***"}, {"address": "***"})
    assert "Golborne" not in json.dumps([row.old, row.new])
    assert row.actor == priya and row.group == mrs_ahmed.group


def test_it_writes_nothing_when_nothing_differs(priya, mrs_ahmed):
    same = correct_resident(mrs_ahmed, acting_user=priya, name=" Mrs  Ahmed ",
                            address=_opened(mrs_ahmed, "address"), phone="+442079460100",
                            language="", at_risk=False, check_in_days=None)
    assert same.changed == []
    assert not AuditEvent.objects.filter(action="kith.resident.corrected").exists()


def test_it_recomputes_the_phone_digest_so_a_returning_caller_is_found(priya, street, mrs_ahmed):
    old_digest = mrs_ahmed.phone_digest
    correct_resident(mrs_ahmed, acting_user=priya, phone="+447911123999")
    mrs_ahmed.refresh_from_db()
    assert mrs_ahmed.phone_digest == phone_digest("07911 123999") != old_digest
    assert find_resident(street, "07911 123999") == mrs_ahmed
    assert find_resident(street, "020 7946 0100") is None


def test_it_records_a_plain_old_value_beside_the_new(priya, mrs_ahmed):
    correct_resident(mrs_ahmed, acting_user=priya, name="Mrs Aisha Ahmed", language="Urdu",
                     at_risk=True, email="aisha@example.org")
    row = AuditEvent.objects.get(action="kith.resident.corrected")
    assert row.old == {"name": "Mrs Ahmed", "email": None, "language": "", "at_risk": False}
    assert row.new == {"name": "Mrs Aisha Ahmed", "email": "***", "language": "Urdu",
                       "at_risk": True}
    mrs_ahmed.refresh_from_db()
    assert mrs_ahmed.has_email


def test_it_sets_the_sector_from_a_new_full_postcode(priya, mrs_ahmed):
    correct_resident(mrs_ahmed, acting_user=priya, postcode="w10 6aa", postcode_sector="W10 5")
    mrs_ahmed.refresh_from_db()
    assert (mrs_ahmed.postcode_sector, _opened(mrs_ahmed, "postcode")) == ("W10 6", "W10 6AA")


def test_it_refuses_to_remove_the_last_way_to_reach_them(priya, mrs_ahmed):
    with pytest.raises(CorrectionRefused, match="Keep a phone number, an email or an address"):
        correct_resident(mrs_ahmed, acting_user=priya, phone="", address="")
    assert _opened(mrs_ahmed, "address")
    assert not AuditEvent.objects.filter(action="kith.resident.corrected").exists()


def test_it_lets_a_call_handler_correct_only_the_resident_whose_call_he_holds(sam, street):
    req = take_request(street, channel="web", contact=Contact(name="Joan", phone="+447911123456"),
                       need=Need(service="shopping")).request
    with pytest.raises(CorrectionDenied, match="only while you hold their call"):
        correct_resident(req.resident, acting_user=sam, address=NEW_ADDRESS)
    assert callbacks.claim(req.callbacks.get(), sam)
    assert correct_resident(req.resident, acting_user=sam, address=NEW_ADDRESS).changed == [
        "address"]


def test_it_refuses_a_volunteer_and_an_outsider(tom, olu, mrs_ahmed):
    for person in (tom, olu):
        with pytest.raises(CorrectionDenied):
            correct_resident(mrs_ahmed, acting_user=person, address=NEW_ADDRESS)


def test_a_new_postcode_sends_a_request_kith_had_stopped_offering_back_to_be_offered(
        priya, street, mrs_ahmed):
    from kith.matching.offers import ROUNDS, place_of
    from kith.requests import services

    mrs_ahmed.postcode = None
    mrs_ahmed.postcode_sector = ""
    mrs_ahmed.save()
    req = take_request(street, channel="phone", contact=Contact(name="Mrs Ahmed"),
                       need=Need(service="shopping"), acting_user=priya, resident=mrs_ahmed,
                       triage=True).request
    services.transition(req, "start_matching", actor=priya)
    type(req).objects.filter(pk=req.pk).update(offer_rounds=ROUNDS)  # "doesn't know where"
    assert place_of(req) is None

    correct_resident(mrs_ahmed, acting_user=priya, postcode="W10 5NW")
    req.refresh_from_db()
    assert req.offer_rounds == 0  # the sweep offers it again, from the new place
    assert place_of(req) is not None
    note = req.events.get(action="resident_corrected")
    assert note.note == "The resident's postcode was corrected"  # which, never the value


def test_at_risk_brings_a_waiting_call_forward(priya, street):
    req = take_request(street, channel="web", contact=Contact(name="Joan", phone="+447911123456"),
                       need=Need(service="shopping")).request
    call = req.callbacks.get()
    correct_resident(req.resident, acting_user=priya, at_risk=True)
    moved = Callback.objects.get(pk=call.pk)
    assert moved.urgent and moved.due_at == call.created_at + timedelta(hours=12)
    assert moved.due_at < call.due_at


# --- the page -------------------------------------------------------------------------------

def test_the_page_says_what_is_recorded_and_shows_none_of_it(client, priya, mrs_ahmed):
    _confirmed(client, priya)
    response = client.get(_edit(mrs_ahmed))
    text = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"].count("no-store")
    assert "14 Golborne Road" not in text and "7946" not in text
    assert text.count("Sealed. Type a new one only to replace it.") == 2  # phone, address
    assert "Not recorded" in text and "Type it to add it." in text
    assert not PersonalDataAccess.objects.exists()


def test_saving_a_new_address_goes_back_and_is_in_the_trail_as_a_sentence(client, priya,
                                                                           mrs_ahmed):
    _confirmed(client, priya)
    response = client.post(_edit(mrs_ahmed), _form(mrs_ahmed, address=NEW_ADDRESS))
    assert response.status_code == 302 and response.url == mrs_ahmed.get_absolute_url()
    assert _opened(mrs_ahmed, "address") == NEW_ADDRESS
    trail = client.get(reverse("groups:audit", args=[mrs_ahmed.group.slug])).content.decode()
    assert "Priya Shah corrected the details of Mrs Ahmed" in trail
    assert "(hidden: personal)" in trail and "31 Golborne" not in trail


def test_saving_unchanged_says_so_and_writes_nothing(client, priya, mrs_ahmed):
    _confirmed(client, priya)
    response = client.post(_edit(mrs_ahmed), _form(mrs_ahmed), follow=True)
    assert "Nothing was changed." in response.content.decode()
    assert not AuditEvent.objects.filter(action="kith.resident.corrected").exists()


def test_a_bad_postcode_keeps_what_was_typed(client, priya, mrs_ahmed):
    _confirmed(client, priya)
    response = client.post(_edit(mrs_ahmed), _form(mrs_ahmed, address=NEW_ADDRESS,
                                                   postcode="W1O 5NW", name="Mrs A Ahmed"))
    text = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in text and "W10 5NW" in text  # "Did you mean W10 5NW?"
    assert NEW_ADDRESS in text and 'value="Mrs A Ahmed"' in text
    assert not AuditEvent.objects.filter(action="kith.resident.corrected").exists()


def test_typing_and_ticking_remove_together_is_refused(client, priya, mrs_ahmed):
    _confirmed(client, priya)
    response = client.post(_edit(mrs_ahmed), _form(mrs_ahmed, address=NEW_ADDRESS,
                                                   remove_address="on"))
    assert response.status_code == 400
    assert "Either type a new one or tick “remove”, not both." in response.content.decode()


def test_removing_the_last_way_to_reach_them_is_refused_on_the_page(client, priya, mrs_ahmed):
    _confirmed(client, priya)
    response = client.post(_edit(mrs_ahmed), _form(mrs_ahmed, remove_phone="on",
                                                   remove_address="on"))
    assert response.status_code == 400
    assert "Keep a phone number, an email or an address" in response.content.decode()


def test_a_sector_that_disagrees_with_the_full_postcode_is_refused(client, priya, mrs_ahmed):
    correct_resident(mrs_ahmed, acting_user=priya, postcode="W10 5NW")
    _confirmed(client, priya)
    response = client.post(_edit(mrs_ahmed), _form(mrs_ahmed, postcode_sector="W10 6"))
    assert response.status_code == 400
    assert "The full postcode recorded is in W10 5." in response.content.decode()


def test_it_goes_back_to_the_request_that_sent_them_but_never_elsewhere(client, priya,
                                                                         mrs_ahmed):
    _confirmed(client, priya)
    back = f"/g/{mrs_ahmed.group.slug}/requests/ACD-EFH/"
    response = client.post(_edit(mrs_ahmed, next=back), _form(mrs_ahmed, language="Urdu"))
    assert response.url == back
    response = client.post(_edit(mrs_ahmed, next="https://evil.example/"),
                           _form(mrs_ahmed, language="Bengali"))
    assert response.url == mrs_ahmed.get_absolute_url()


def test_a_call_handler_without_the_call_is_told_why(client, sam, mrs_ahmed):
    _confirmed(client, sam)
    response = client.get(_edit(mrs_ahmed))
    assert response.status_code == 403
    assert "only while you hold their call" in response.content.decode()
    detail = client.get(mrs_ahmed.get_absolute_url()).content.decode()
    assert "Correct their details" not in detail


def test_a_call_handler_holding_the_call_corrects_from_the_page(client, sam, street):
    req = take_request(street, channel="web", contact=Contact(name="Joan", phone="+447911123456"),
                       need=Need(service="shopping")).request
    assert callbacks.claim(req.callbacks.get(), sam, now=timezone.now())
    _confirmed(client, sam)
    assert "Correct their details" in client.get(req.resident.get_absolute_url()).content.decode()
    response = client.post(_edit(req.resident), _form(req.resident, address=NEW_ADDRESS,
                                                      postcode="W10 5NW"))
    assert response.status_code == 302
    req.resident.refresh_from_db()
    assert req.resident.postcode_sector == "W10 5" and req.resident.address is not None
