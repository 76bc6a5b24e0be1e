"""Finding a service by need and postcode: nearest first, only those serving the place; and
the public directory's few public services where no group covers a postcode."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kith.directory.geocoding import place_for
from kith.signposting import services
from kith.signposting.finding import find_services, public_services_near

pytestmark = pytest.mark.django_db


def _names(found) -> list[str]:
    return [f.service.name for f in found]


def test_it_puts_the_nearest_first_and_phone_lines_after(street, food_bank, advice_line,
                                                          kitchen):
    found = find_services(street, place_for("W10 5NW"))
    assert _names(found) == ["Community kitchen", "Portobello Food Bank", "Befriending line"]
    assert found[0].distance_m < found[1].distance_m and found[2].distance_m is None


def test_it_finds_by_need(street, food_bank, advice_line, kitchen):
    assert _names(find_services(street, place_for("W10 5NW"), "company")) == [
        "Community kitchen", "Befriending line"]


def test_it_leaves_out_services_that_do_not_serve_the_place(street, food_bank, kitchen):
    # The kitchen serves W10 5 only; the food bank three miles round W10 5AA.
    assert _names(find_services(street, place_for("W11 1AB"))) == ["Portobello Food Bank"]
    assert _names(find_services(street, place_for("SW10 0AB"))) == []


def test_it_leaves_out_services_that_have_closed(street, priya, kitchen):
    services.update_service(kitchen, acting_user=priya, status="defunct")
    assert find_services(street, place_for("W10 5NW")) == []


def test_the_page_says_what_is_wrong_with_a_postcode(client, street, sam, food_bank):
    client.force_login(sam)
    response = client.get(reverse("signposting:find", args=[street.slug]), {"q": "W1O 5NW"})
    assert response.status_code == 400
    assert "Did you mean" in response.content.decode()


def test_the_page_shows_distances_in_miles(client, street, sam, food_bank):
    client.force_login(sam)
    page = client.get(reverse("signposting:find", args=[street.slug]),
                      {"q": "w10 5nw", "need": "food"}).content.decode()
    assert "0.4 miles away" in page and "Asks to see ID at the door." in page


def test_an_unknown_need_is_read_as_anything(client, street, sam, food_bank):
    client.force_login(sam)
    response = client.get(reverse("signposting:find", args=[street.slug]),
                          {"q": "W10 5NW", "need": "<script>"})
    assert response.status_code == 200 and "Portobello Food Bank" in response.content.decode()


def test_only_public_running_services_near_the_place_reach_the_public(
        street, priya, food_bank, advice_line, kitchen, far_pantry):
    place = place_for("W2 5NA")  # Bayswater: no group covers it
    # The kitchen is not public, the line has no place; Lots Road's pantry serves anyone.
    assert _names(public_services_near(place)) == ["Portobello Food Bank", "Pantry"]
    services.update_service(food_bank, acting_user=priya, status="temporarily closed")
    services.update_service(far_pantry, acting_user=priya, coverage=["SW10"])
    assert public_services_near(place) == []


def test_the_public_directory_shows_them_without_the_caution_notes(client, food_bank):
    page = client.get(reverse("directory:find"), {"q": "W2 5NA"}).content.decode()
    assert "Other help near W2 5NA" in page and "Portobello Food Bank" in page
    assert "Asks to see ID" not in page


def test_the_public_directory_shows_none_where_a_group_covers(client, street, food_bank):
    page = client.get(reverse("directory:find"), {"q": "W10 5NW"}).content.decode()
    assert "Portobello Food Bank" not in page
