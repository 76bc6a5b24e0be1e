"""Referrals out: Sam, mid-call, refers Mrs Ahmed to the food bank. The caution note comes
first, the words read to her name what goes, to whom and why, nothing is recorded without
her yes, only what she agreed to is listed, and the referral is followed to closed, each
step audited and on the request's timeline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kith.core.models import AuditEvent
from kith.requests.intake import Contact, Need, take_request
from kith.signposting import referrals
from kith.signposting.models import Referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def ask(street, mrs_ahmed):
    return take_request(street, channel="web", contact=Contact(name="Mrs Ahmed"),
                        need=Need(service="shopping"), resident=mrs_ahmed).request


def _url(street, service, ask) -> str:
    return reverse("signposting:refer", args=[street.slug, service.pk, ask.reference])


FORM = {"shared": ["name", "phone"], "why": "A food parcel this week"}


def test_the_caution_note_comes_before_anything_else_on_the_page(client, street, sam, ask,
                                                                   food_bank):
    client.force_login(sam)
    page = client.get(_url(street, food_bank, ask)).content.decode()
    assert page.index("Asks to see ID at the door.") < page.index('name="shared"')
    # The least is ticked to start with: name and phone, not the address.
    assert 'value="phone" id="id_shared_1" checked' in page and 'value="address" id' in page
    assert 'value="address" id="id_shared_2" checked' not in page


def test_the_words_say_what_goes_to_whom_and_why(client, street, sam, ask, food_bank):
    client.force_login(sam)
    page = client.post(_url(street, food_bank, ask), {**FORM, "step": "preview"}
                       ).content.decode()
    assert ("We would like to give your name and your phone number to North Kensington "
            "Pantry Trust, who run Portobello Food Bank, so they can help you with this: "
            "A food parcel this week.") in page
    assert "You can say no" in page
    assert not Referral.objects.exists()


def test_nothing_is_recorded_without_their_yes(client, street, sam, ask, food_bank):
    client.force_login(sam)
    response = client.post(_url(street, food_bank, ask), {**FORM, "step": "send"})
    assert response.status_code == 400
    assert "Ask them first" in response.content.decode()
    assert 'value="A food parcel this week"' in response.content.decode()  # kept as typed
    assert not Referral.objects.exists()
    assert not ask.events.filter(action="referral_sent").exists()


def test_a_referral_is_recorded_with_the_words_agreed_and_on_the_timeline(
        client, street, sam, ask, food_bank):
    client.force_login(sam)
    response = client.post(_url(street, food_bank, ask),
                           {**FORM, "step": "send", "consented": "on"})
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert (referral.shared, referral.consent_version, referral.state) == (
        ["name", "phone"], referrals.CONSENT_VERSION, "sent")
    assert "your name and your phone number" in referral.consent_text
    event = ask.events.get(action="referral_sent")
    assert event.note == ("Referred to Portobello Food Bank (North Kensington Pantry Trust), "
                          "with their consent")
    audit = AuditEvent.objects.get(action="kith.referral.sent")
    assert audit.new["shared"] == ["name", "phone"] and audit.group == street


def test_nothing_beyond_the_list_can_be_shared(street, sam, ask, food_bank):
    with pytest.raises(referrals.ReferralRefused):
        referrals.send(street, food_bank, ask, shared=["name", "health"], why="x",
                       consented=True, acting_user=sam)
    assert not Referral.objects.exists()


def test_it_is_followed_from_sent_to_accepted_to_closed(client, street, sam, ask, food_bank):
    referral = referrals.send(street, food_bank, ask, shared=["name"], why="Food",
                              consented=True, acting_user=sam)
    client.force_login(sam)
    url = reverse("signposting:referral", args=[street.slug, referral.pk])
    assert client.post(url, {"to": "accepted"}).status_code == 302
    assert client.post(url, {"to": "closed", "outcome": "Parcel collected"}).status_code == 302
    again = client.post(url, {"to": "accepted"})
    assert again.status_code == 400 and "already moved on" in again.content.decode()
    referral.refresh_from_db()
    assert (referral.state, referral.outcome) == ("closed", "Parcel collected")
    assert list(ask.events.filter(action__startswith="referral").values_list("action", flat=True)
                ) == ["referral_sent", "referral_accepted", "referral_closed"]
    assert AuditEvent.objects.filter(action__startswith="kith.referral.").count() == 3


def test_another_groups_request_or_service_is_not_found(client, street, sam, ask, far_pantry,
                                                       food_bank, other_street, nadia):
    client.force_login(sam)
    assert client.get(_url(street, far_pantry, ask)).status_code == 404
    theirs = take_request(other_street, channel="web", contact=Contact(name="Mr Lee"),
                          need=Need(service="shopping")).request
    assert client.get(_url(street, food_bank, theirs)).status_code == 404
    referral = referrals.send(other_street, far_pantry, theirs, shared=["name"], why="Food",
                              consented=True, acting_user=nadia)
    assert client.get(reverse("signposting:referral", args=[street.slug, referral.pk])
                      ).status_code == 404


def test_the_find_page_offers_to_refer_for_the_request_in_hand(client, street, sam, ask,
                                                                food_bank):
    client.force_login(sam)
    page = client.get(reverse("signposting:find", args=[street.slug]),
                      {"q": "W10 5NW", "request": ask.reference.lower()}).content.decode()
    assert _url(street, food_bank, ask) in page
