"""The public directory: anyone with a postcode finds their local group."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kith.groups import services
from kith.groups.models import Group
from tests.factories import MembershipFactory, PersonFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def covered(borough, ward, street, other_street):
    """Golborne Road covers W10 5, its ward W10 5 and W10 6, the borough all of W10 and W11."""
    services.update_group(borough, acting_user=None, coverage=["W10", "W11"])
    services.update_group(ward, acting_user=None, coverage=["W10 5", "W10 6"])
    services.update_group(street, acting_user=None, coverage=["W10 5"],
                          phone="+442079460001", whatsapp_url="https://chat.whatsapp.com/AbCdEf123456")
    services.update_group(other_street, acting_user=None, coverage=["W10 6"])
    return street


def _names(response) -> list[str]:
    return [m.group.name for m in response.context["matches"]]


def test_it_puts_the_street_group_first_then_ward_then_borough(client, covered):
    response = client.get(reverse("directory:find"), {"q": "w105nw"})
    assert response.status_code == 200
    assert _names(response) == ["Golborne Road Neighbours", "Golborne Ward",
                                "Kensington & Chelsea Mutual Aid"]
    assert response.context["place"].label == "W10 5NW"
    assert "m away" in response.content.decode() or "miles away" in response.content.decode()
    assert "020 7946 0001" in response.content.decode()


def test_it_finds_groups_for_a_sector_or_district(client, covered):
    assert _names(client.get(reverse("directory:find"), {"q": "W10 6"}))[0] == "Lots Road Helpers"
    assert "Kensington & Chelsea Mutual Aid" in _names(
        client.get(reverse("directory:find"), {"q": "W11"}))


@pytest.mark.parametrize("query, message", [
    ("SW1A 1A", "missing"),
    ("1234 AB", "Dutch"),
    ("QQ1 1QQ", ""),
])
def test_it_explains_a_bad_postcode(client, covered, query, message):
    response = client.get(reverse("directory:find"), {"q": query})
    assert response.status_code == 200
    assert response.context["error"]
    assert message in response.context["error"]


@pytest.mark.parametrize("query", ["", "   ", "🏠🏠🏠", "<script>alert(1)</script>", "x" * 5000,
                                   "nul\x00byte", "W1O 5NW"])
def test_it_never_fails_on_odd_input(client, covered, query):
    response = client.get(reverse("directory:find"), {"q": query})
    assert response.status_code == 200
    assert b"<script>alert(1)" not in response.content


def test_it_searches_place_names(client, covered):
    assert "Golborne Road Neighbours" in _names(client.get(reverse("directory:find"), {"q": "golborne"}))


def test_it_says_so_when_nobody_covers_a_postcode(client, covered):
    response = client.get(reverse("directory:find"), {"q": "NW11 7HB"})
    assert response.context["matches"] == []
    assert "No group covers NW11 7HB yet" in response.content.decode()


def test_it_shows_a_public_page_per_group_and_a_list_per_borough(client, covered):
    page = client.get(reverse("directory:group", args=["golborne-road"]))
    assert page.status_code == 200 and "Join the WhatsApp group" in page.content.decode()
    borough = client.get(reverse("directory:borough", args=["kensington-chelsea"]))
    assert "Golborne Road Neighbours" in borough.content.decode()
    assert client.get(reverse("directory:borough", args=["golborne-road"])).status_code == 404
    assert client.get(reverse("directory:group", args=["nope"])).status_code == 404


def test_it_answers_the_json_api(client, covered):
    response = client.get("/api/groups", {"postcode": "W10 5NW"})
    assert response.status_code == 200
    body = response.json()
    assert body["postcode"] == "W10 5NW"
    assert [g["name"] for g in body["groups"]][0] == "Golborne Road Neighbours"
    assert body["groups"][0]["whatsapp"].startswith("https://chat.whatsapp.com/")
    assert "Crown copyright" in body["attribution"]


@pytest.mark.parametrize("params, reason", [
    ({}, "Give a postcode"), ({"postcode": "hello"}, ""), ({"postcode": "1234 AB"}, "Dutch"),
    ({"postcode": "W" * 200}, "too long"),
])
def test_it_answers_400_with_a_reason(client, covered, params, reason):
    response = client.get("/api/groups", params)
    assert response.status_code == 400
    assert reason in response.json()["error"]


def test_it_caches_api_answers(client, covered, django_assert_max_num_queries):
    client.get("/api/groups", {"postcode": "W10 5NW"})
    with django_assert_max_num_queries(0):
        assert client.get("/api/groups", {"postcode": "w10 5nw"}).status_code == 200


def test_it_rate_limits_the_api(client, covered, monkeypatch):
    # One minute's window for all 61: a slow run must not straddle two windows.
    from kith.core import throttle

    monkeypatch.setattr(throttle, "time", type("Clock", (), {"time": staticmethod(lambda: 6e8)}))
    statuses = [client.get("/api/groups", {"postcode": "W10 5NW"}).status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60
    assert statuses[60] == 429


def test_it_lets_other_sites_embed_the_widget(client, covered):
    response = client.get(reverse("directory:widget"), {"q": "W10 5NW"})
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    assert "Golborne Road Neighbours" in response.content.decode()
    assert client.get(reverse("directory:find")).headers["X-Frame-Options"] == "DENY"


def _volunteers_in(group, sector, n):
    for _ in range(n):
        MembershipFactory(group=group, person=PersonFactory(postcode_sector=sector), is_volunteer=True)


def test_it_never_shows_a_hexagon_of_fewer_than_five_volunteers(client, covered, other_street):
    _volunteers_in(covered, "W10 5", 7)
    _volunteers_in(other_street, "NW11 7", 3)  # far away: alone in its cells at every level
    data = client.get(reverse("directory:map_data")).json()
    counts = [f["properties"]["count"] for f in data["volunteers"]["features"]]
    assert counts and min(counts) >= 5
    assert sum(counts) == 7
    assert {f["properties"]["name"] for f in data["groups"]["features"]} >= {"Golborne Road Neighbours"}


def test_it_serves_a_blank_tile_so_maps_work_offline(client):
    response = client.get(reverse("directory:blank_tile", args=[12, 2046, 1361]))
    assert response.status_code == 200 and response.content.startswith(b"\x89PNG")


def test_it_lists_sectors_with_residents_but_no_local_group(client, covered, borough):
    dev = PersonFactory(email="dev@example.org")
    MembershipFactory(group=borough, person=dev, is_coordinator=True)
    ResidentFactory(group=borough, postcode_sector="SW3 5")
    ResidentFactory(group=borough, postcode_sector="SW3 5")
    ResidentFactory(group=covered, postcode_sector="W10 5")
    client.force_login(dev)
    response = client.get(reverse("directory:gaps", args=["kensington-chelsea"]))
    assert response.status_code == 200
    assert [(g["sector"], g["residents"]) for g in response.context["gaps"]] == [("SW3 5", 2)]


def test_it_keeps_coverage_rows_in_step_with_the_group(covered):
    services.update_group(covered, acting_user=None, coverage=["W10 5", "W10 4"])
    assert sorted(covered.areas.values_list("area", flat=True)) == ["W10 4", "W10 5"]
    services.update_group(covered, acting_user=None, coverage=[])
    assert not Group.objects.get(pk=covered.pk).areas.exists()


def test_it_finds_sector_groups_when_searching_a_whole_district(client, covered):
    names = _names(client.get(reverse("directory:find"), {"q": "W10"}))
    assert names[:2] == ["Golborne Road Neighbours", "Lots Road Helpers"] or \
        set(names[:2]) == {"Golborne Road Neighbours", "Lots Road Helpers"}
    assert "Kensington & Chelsea Mutual Aid" in names


def test_it_refuses_coverage_that_breaks_the_postcode_rules():
    from kith.groups.coverage import CoverageError, parse_coverage

    with pytest.raises(CoverageError):
        parse_coverage("QX1")
    assert parse_coverage("w10 5, sw3") == ["W10 5", "SW3"]


def test_it_keeps_only_the_sector_of_a_volunteers_postcode(client, tom):
    from kith.core.models import AuditEvent

    client.force_login(tom)
    response = client.post(reverse("accounts:profile"),
                           {"display_name": "Tom Brennan", "phone": "", "postcode": "w10 5nw"})
    assert response.status_code == 302
    tom.refresh_from_db()
    assert tom.postcode_sector == "W10 5"
    event = AuditEvent.objects.get(action="kith.person.updated")
    assert event.new["postcode_sector"] == "W10 5"
    bad = client.post(reverse("accounts:profile"),
                      {"display_name": "Tom Brennan", "phone": "", "postcode": "W10"})
    assert "first part and the next digit" in bad.content.decode()
