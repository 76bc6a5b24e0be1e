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


def _said_yes(street, service, ask, form=None) -> dict:
    """A "they said yes" post for the words shown on the preview (the digest it carries)."""
    form = form or FORM
    words = referrals.consent_words(service, street, form["shared"], form["why"])
    return {**form, "step": "send", "consented": "on",
            "shown": referrals.words_digest(service, ask, words)}


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
    said = _said_yes(street, food_bank, ask)
    del said["consented"]
    response = client.post(_url(street, food_bank, ask), said)
    assert response.status_code == 400
    assert "Ask them first" in response.content.decode()
    assert 'value="A food parcel this week"' in response.content.decode()  # kept as typed
    assert not Referral.objects.exists()
    assert not ask.events.filter(action="referral_sent").exists()


def test_a_referral_is_recorded_with_the_words_agreed_and_on_the_timeline(
        client, street, sam, ask, food_bank):
    client.force_login(sam)
    response = client.post(_url(street, food_bank, ask), _said_yes(street, food_bank, ask))
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


def test_the_words_shown_carry_their_digest_to_the_yes(client, street, sam, ask, food_bank):
    client.force_login(sam)
    page = client.post(_url(street, food_bank, ask), {**FORM, "step": "preview"}
                       ).content.decode()
    digest = _said_yes(street, food_bank, ask)["shown"]
    assert f'name="shown" value="{digest}"' in page


def test_a_yes_to_other_words_records_nothing(client, street, sam, ask, food_bank):
    """The words were read for name and phone and "Help with a bill"; then the address was
    ticked and why changed before "they said yes"."""
    client.force_login(sam)
    shown = _said_yes(street, food_bank, ask, {"shared": ["name", "phone"],
                                               "why": "Help with a bill"})["shown"]
    response = client.post(_url(street, food_bank, ask), {
        "shared": ["name", "phone", "address", "need"], "why": "Debt and rent arrears",
        "step": "send", "consented": "on", "shown": shown})
    page = response.content.decode()
    assert response.status_code == 400
    assert not Referral.objects.exists()
    assert "changed after they heard the words" in page
    # The words as they are now, to read again; what was typed kept; the yes cleared.
    assert "your name, your phone number, your address and what you need help with" in page
    assert 'value="Debt and rent arrears"' in page
    assert 'value="address" id="id_shared_2" checked' in page
    assert 'name="consented" id="id_consented" checked' not in page
    assert 'name="consented"' in page
    # Without any digest (the words never shown) is refused the same way.
    said = _said_yes(street, food_bank, ask)
    del said["shown"]
    assert client.post(_url(street, food_bank, ask), said).status_code == 400
    assert not Referral.objects.exists()


def test_a_double_press_makes_one_referral(client, street, sam, ask, food_bank):
    client.force_login(sam)
    first = client.post(_url(street, food_bank, ask), _said_yes(street, food_bank, ask))
    second = client.post(_url(street, food_bank, ask), _said_yes(street, food_bank, ask),
                         follow=True)
    referral = Referral.objects.get()
    assert first.url == second.redirect_chain[0][0] == reverse(
        "signposting:referral", args=[street.slug, referral.pk])
    assert "recorded a few minutes ago" in second.content.decode()
    assert ask.events.filter(action="referral_sent").count() == 1
    assert AuditEvent.objects.filter(action="kith.referral.sent").count() == 1


def test_the_same_referral_can_be_made_again_later_or_with_other_words(street, sam, ask,
                                                                       food_bank):
    from datetime import timedelta

    first = referrals.send(street, food_bank, ask, shared=["name"], why="Food",
                           consented=True, acting_user=sam)
    with pytest.raises(referrals.AlreadyReferred) as again:
        referrals.send(street, food_bank, ask, shared=["name"], why="Food", consented=True,
                       acting_user=sam)
    assert again.value.referral == first
    referrals.send(street, food_bank, ask, shared=["name", "phone"], why="Food",
                   consented=True, acting_user=sam)
    Referral.objects.update(sent_at=first.sent_at - timedelta(minutes=11))
    referrals.send(street, food_bank, ask, shared=["name"], why="Food", consented=True,
                   acting_user=sam)
    assert Referral.objects.count() == 3


@pytest.mark.parametrize("why, word", [
    ("She has diabetes and needs insulin", "diabetes"),
    ("Just out of hospital after a STROKE", "STROKE"),
    ("Pregnant, needs baby clothes", "Pregnant"),
])
def test_health_words_in_why_are_refused_and_what_was_typed_kept(client, street, sam, ask,
                                                                 food_bank, why, word):
    client.force_login(sam)
    response = client.post(_url(street, food_bank, ask), {**FORM, "why": why,
                                                          "step": "preview"})
    page = response.content.decode()
    assert response.status_code == 400
    assert f"Leave out “{word}”: nothing about their health" in page
    assert f'value="{why}"' in page
    assert "Read them these words" not in page


@pytest.mark.parametrize("why", ["A food parcel this week", "Help with care at home",
                                 "Hearing aids battery and a lift to the surgery",
                                 "Help filling in a benefits form"])
def test_everyday_words_in_why_are_welcome(client, street, sam, ask, food_bank, why):
    client.force_login(sam)
    response = client.post(_url(street, food_bank, ask), {**FORM, "why": why,
                                                          "step": "preview"})
    assert response.status_code == 200


def test_the_call_screen_leads_to_finding_a_service_for_the_request(client, street, sam, tom,
                                                                   ask):
    from kith.requests import callbacks
    from kith.requests.models import Callback

    call = Callback.objects.get(request=ask)
    callbacks.claim(call, sam)
    client.force_login(sam)
    page = client.get(reverse("requests:callback", args=[street.slug, call.pk])).content.decode()
    find = reverse("signposting:find", args=[street.slug]) + f"?request={ask.reference}"
    assert "Find a local service to refer them to" in page and find in page


def test_finding_and_referring_lead_back_to_the_call_in_hand(client, street, sam, priya,
                                                             food_bank, ask):
    """A call handler who left the call screen for the finder can go back to the call; someone
    who holds no call about the request is offered no such link."""
    from kith.requests import callbacks
    from kith.requests.models import Callback

    call = Callback.objects.get(request=ask)
    callbacks.claim(call, sam)
    back = reverse("requests:callback", args=[street.slug, call.pk])
    find = reverse("signposting:find", args=[street.slug]) + f"?request={ask.reference}"
    for person, shown in ((sam, True), (priya, False)):
        client.force_login(person)
        for page in (find, _url(street, food_bank, ask)):
            body = client.get(page).content.decode()
            assert (f'href="{back}"' in body) is shown, (person, page)


def test_the_request_page_leads_to_finding_a_service_for_it(client, street, sam, tom, priya,
                                                            ask):
    find = reverse("signposting:find", args=[street.slug]) + f"?request={ask.reference}"
    page = reverse("requests:detail", args=[street.slug, ask.reference])
    for person in (sam, priya):
        client.force_login(person)
        body = client.get(page).content.decode()
        assert "Find a local service to refer them to" in body and find in body
    client.force_login(tom)  # a volunteer: no referrals.send
    assert "Find a local service to refer them to" not in client.get(page).content.decode()


def test_no_way_to_refer_from_a_closed_or_cancelled_request(client, street, sam, ask):
    from kith.requests.models import HelpRequest

    page = reverse("requests:detail", args=[street.slug, ask.reference])
    client.force_login(sam)
    for state in ("closed", "cancelled"):
        HelpRequest.objects.filter(pk=ask.pk).update(state=state)
        assert "Find a local service to refer them to" not in client.get(page).content.decode()
    HelpRequest.objects.filter(pk=ask.pk).update(state="could_not_help")
    assert "Find a local service to refer them to" in client.get(page).content.decode()


def test_opened_for_a_request_the_find_page_starts_from_where_they_live(
        client, street, sam, ask, food_bank, kitchen):
    client.force_login(sam)
    url = reverse("signposting:find", args=[street.slug])
    page = client.get(url, {"request": ask.reference}).content.decode()
    # Sam holds no call for Mrs Ahmed, so her sealed postcode stays shut: the plain sector.
    assert 'name="q" value="W10 5"' in page
    assert "Portobello Food Bank" in page and _url(street, food_bank, ask) in page
    # A search they typed is theirs, even an empty one.
    assert 'name="q" value=""' in client.get(url, {"request": ask.reference, "q": ""}
                                             ).content.decode()


def test_a_coordinator_who_may_open_it_starts_from_their_full_postcode(
        client, street, priya, mrs_ahmed, ask, food_bank):
    from kith.core.models import PersonalDataAccess
    from tests.conftest import confirm_two_factor, enable_totp

    mrs_ahmed.postcode = "W10 5NW"
    mrs_ahmed.save()
    enable_totp(priya)
    client.force_login(priya)
    confirm_two_factor(client)
    page = client.get(reverse("signposting:find", args=[street.slug]),
                      {"request": ask.reference}).content.decode()
    assert 'name="q" value="W10 5NW"' in page
    look = PersonalDataAccess.objects.get(field="postcode")
    assert (look.viewer, look.reason) == (priya, f"Finding a local service for request "
                                                 f"{ask.reference}")
