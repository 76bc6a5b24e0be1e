"""The coordinators' map: residents at their postcodes, only with a reason and two-factor."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kith.core.models import PersonalDataAccess
from kith.residents.services import register_resident
from tests.conftest import confirm_two_factor, enable_totp

pytestmark = pytest.mark.django_db
URL = reverse("residents:map", args=["golborne-road"])


@pytest.fixture
def residents(street):
    return [
        register_resident(street, acting_user=None, name="Mrs Ahmed", phone="+442079460100",
                          postcode="w10 5nw"),
        register_resident(street, acting_user=None, name="Mr Lewis", postcode_sector="W10 5"),
    ]


def test_it_seals_the_full_postcode_and_keeps_the_sector_plain(residents):
    ahmed = residents[0]
    assert str(ahmed.postcode) == "•••• hidden"
    assert ahmed.postcode_sector == "W10 5"


def test_it_asks_for_a_reason_before_showing_anything(client, priya, residents):
    enable_totp(priya)
    client.force_login(priya)
    confirm_two_factor(client)
    response = client.post(URL, {"reason": ""})
    assert "Say why you need to see it." in response.content.decode()
    assert response.context["points"] is None
    assert not PersonalDataAccess.objects.exists()


def test_it_needs_two_factor_used_in_this_session(client, priya, residents):
    enable_totp(priya)
    client.force_login(priya)
    response = client.post(URL, {"reason": "Planning the shopping round"})
    assert "authenticator app first" in response.content.decode()
    assert response.context["points"] is None
    assert not PersonalDataAccess.objects.exists()


def test_it_places_residents_and_logs_each_one_seen(client, priya, residents):
    enable_totp(priya)
    client.force_login(priya)
    confirm_two_factor(client)
    response = client.post(URL, {"reason": "Planning the shopping round"})
    points = response.context["points"]
    assert [p["name"] for p in points] == ["Mrs Ahmed"]  # Mr Lewis gave only a sector
    assert 51.52 < points[0]["lat"] < 51.53 and -0.21 < points[0]["lon"] < -0.20
    rows = PersonalDataAccess.objects.all()
    assert [(r.subject_repr, r.field, r.reason, r.viewer) for r in rows] == [
        ("Mrs Ahmed", "postcode", "Planning the shopping round", priya)]
    assert "no-store" in response["Cache-Control"]


def test_it_refuses_a_call_handler_the_whole_map(client, sam, residents):
    """A call handler sees a resident only for the call in hand: never every home at once."""
    enable_totp(sam)
    client.force_login(sam)
    confirm_two_factor(client)
    response = client.post(URL, {"reason": "Planning the shopping round"})
    assert response.status_code == 403 and response.context["points"] is None
    assert "only while you hold their call" in response.content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_it_counts_volunteers_by_sector_without_placing_anyone(client, priya, tom, residents):
    tom.postcode_sector = "W10 5"
    tom.save()
    client.force_login(priya)
    volunteers = client.get(URL).context["volunteers"]
    assert [(v["sector"], v["count"]) for v in volunteers] == [("W10 5", None)]  # under 5: hidden


def test_it_refuses_volunteers_and_hides_from_outsiders(client, tom, olu, residents):
    client.force_login(tom)
    assert client.get(URL).status_code == 403
    client.force_login(olu)
    assert client.post(URL, {"reason": "curious"}).status_code == 404
    assert not PersonalDataAccess.objects.exists()
