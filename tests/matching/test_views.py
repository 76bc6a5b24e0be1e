"""The offer page, the coordinator's offer button and the batch page, through Django's client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kith.matching import offers
from kith.matching.models import Offer
from kith.requests import lifecycle

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def sent(crew, waiting, priya):
    offers.offer_round(waiting, actor=priya)
    return {o.volunteer.display_name: o for o in waiting.offers.all()}


def test_an_offer_is_only_its_volunteers_page(client, sent, crew):
    client.force_login(crew[-1])  # Eve was not offered it
    assert client.get(sent["Ann"].get_absolute_url()).status_code == 404
    assert client.get("/volunteer/offers/999999/").status_code == 404


def test_an_offer_shows_what_and_roughly_where_but_no_address(client, sent, crew, waiting):
    client.force_login(crew[0])
    page = text(client.get(sent["Ann"].get_absolute_url()))
    assert "Can you help? Shopping" in page and "in W10 5" in page
    assert "W10 5NW" not in page and "Mrs Ahmed" not in page


def test_accepting_leads_to_the_task(client, sent, crew, waiting):
    client.force_login(crew[0])
    response = client.post(sent["Ann"].get_absolute_url(), {"action": "accept"})
    assert response.status_code == 302 and response.url == f"/volunteer/tasks/{waiting.reference}/"
    client.force_login(crew[1])
    page = text(client.post(sent["Ben"].get_absolute_url(), {"action": "accept"}))
    assert "Already taken, thank you" in page


def test_saying_no_without_a_reason_keeps_the_offer_open(client, sent, crew):
    client.force_login(crew[0])
    response = client.post(sent["Ann"].get_absolute_url(), {"action": "decline", "reason": ""})
    assert response.status_code == 400 and "Choose a reason from the list." in text(response)
    assert Offer.objects.get(pk=sent["Ann"].pk).state == Offer.State.OPEN
    response = client.post(sent["Ann"].get_absolute_url(), {"action": "decline", "reason": "busy"})
    assert "You said no to this one" in text(response)
    assert Offer.objects.get(pk=sent["Ann"].pk).reason == "busy"


def test_an_unknown_button_is_a_clear_400(client, sent, crew):
    client.force_login(crew[0])
    response = client.post(sent["Ann"].get_absolute_url(), {"action": "grab"})
    assert response.status_code == 400 and "Choose one of the buttons." in text(response)


def test_an_expired_offer_says_so(client, sent, crew):
    Offer.objects.filter(pk=sent["Ann"].pk).update(expires_at=timezone.now() - timedelta(1))
    client.force_login(crew[0])
    assert "This offer has run out" in text(client.get(sent["Ann"].get_absolute_url()))


def test_the_volunteer_home_lists_open_offers(client, sent, crew):
    client.force_login(crew[0])
    page = text(client.get("/volunteer/"))
    assert "Can you help? Shopping" in page and sent["Ann"].get_absolute_url() in page


def test_the_coordinator_offers_from_the_request_page(client, crew, waiting, priya):
    from tests.conftest import confirm_two_factor, enable_totp

    enable_totp(priya)
    client.force_login(priya)
    confirm_two_factor(client)
    page = text(client.get(waiting.get_absolute_url()))
    assert "Kith would offer it next to:" in page and "Offer it to these 3" in page
    response = client.post(f"/g/golborne-road/requests/{waiting.reference}/offer/")
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.state == lifecycle.OFFERED and waiting.offers.count() == 3
    again = client.post(f"/g/golborne-road/requests/{waiting.reference}/offer/", follow=True)
    assert "Only a request that is waiting for a volunteer can be offered." in text(again)
    assert client.post("/g/golborne-road/requests/NOPE-123/offer/").status_code == 404


def test_a_tampered_batch_is_refused_and_changes_nothing(client, crew, waiting, priya):
    client.force_login(priya)
    response = client.post("/g/golborne-road/matching/", {"pair": ["1:x"]}, follow=True)
    assert "That list was not one Kith made." in text(response)
    response = client.post("/g/golborne-road/matching/", {"pair": [f"{waiting.pk}:{crew[-1].pk}"]},
                           follow=True)
    assert "0 requests" in text(response) or "could not be offered" in text(response)
    assert not waiting.offers.exists()


def test_odd_digits_in_a_batch_are_refused_not_a_500(client, crew, waiting, priya):
    client.force_login(priya)
    response = client.post("/g/golborne-road/matching/", {"pair": ["²:1"]}, follow=True)
    assert response.status_code == 200 and "That list was not one Kith made." in text(response)


@pytest.mark.parametrize("action", ["offer", "accept"])
def test_offer_moves_are_not_made_from_the_move_form(client, waiting, priya, action):
    client.force_login(priya)
    response = client.post(f"/g/golborne-road/requests/{waiting.reference}/move/",
                           {"action": action, "note": ""})
    assert response.status_code in (400, 403)
    assert waiting.offers.count() == 0
