"""The copy reads in words (findings 3 and 6): no bitmasks or keys on the page, UK phone
numbers, states and actions in words, who looked near the top, empty sections on one line.
The JSON stays complete: what is stored as a code is kept, labelled "as stored"."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kith.matching.models import MatchCard
from kith.residents.models import Resident
from kith.transparency.catalogue import RESIDENT
from kith.transparency.export import build

pytestmark = pytest.mark.django_db


def _may_read(client, person):
    client.force_login(person)
    session = client.session
    session["transparency_own_until"] = (timezone.now() + timedelta(hours=1)).timestamp()
    session.save()


def _page(client) -> str:
    response = client.get(reverse("transparency:own_copy"))
    assert response.status_code == 200
    return response.content.decode()


def _between(page: str, start: str, end: str) -> str:
    return page[page.index(start):page.index(end, page.index(start))]


def test_a_volunteers_copy_shows_matching_in_words_not_bitmasks(client, world):
    tom = world.people["volunteer"]
    profile = tom.volunteer
    profile.services, profile.availability = ["shopping", "dog_walking"], ["sun_pm", "mon_pm"]
    profile.languages = ["english", "bengali"]
    profile.save()
    tom.phone = "07700 900123"
    tom.save()
    card = MatchCard.objects.get(person=tom)
    _may_read(client, tom)

    page = _page(client)

    card_part = _between(page, 'id="match_cards"', "</section>")
    assert "Shopping, Dog walking" in card_part
    assert "Monday afternoon, Sunday afternoon" in card_part
    assert "Bengali, English" in card_part
    assert f"<dd>{card.slots}</dd>" not in card_part and "|english|" not in card_part
    assert "as stored" not in page
    profile_part = _between(page, 'id="volunteer_profile"', "</section>")
    assert "mon_pm" not in profile_part and "dog_walking" not in profile_part
    assert "07700 900123" in page and "+447700900123" not in page
    data = json.loads(client.get(reverse("transparency:own_copy_json")).content)
    (cards,) = [s for s in data["sections"] if s["key"] == "match_cards"]
    assert cards["rows"][0]["Slots (as stored)"] == card.slots  # complete, and labelled
    assert "Slots (as stored)" in cards["codes"]


def test_who_looked_comes_first_and_empty_sections_fold_into_one_line(client, world):
    tom = world.people["volunteer"]
    _may_read(client, tom)

    page = _page(client)

    assert page.index('id="access-log"') < page.index('id="account"')
    assert re.search(r"Nothing held about: [^<]*Two-factor sign-in", page)
    assert 'id="two_factor"' not in page
    assert "<p>Nothing.</p>" not in page


def test_a_residents_copy_reads_states_actions_and_phones_in_words(world):
    mrs_ahmed = world.resident
    Resident.objects.filter(pk=mrs_ahmed.pk).update(phone=None)
    mrs_ahmed.refresh_from_db()
    mrs_ahmed.phone = "020 7946 0100"
    mrs_ahmed.save()

    document = build(mrs_ahmed, RESIDENT).document

    (resident,) = [s for s in document["sections"] if s["key"] == "resident"]
    assert resident["rows"][0]["Phone"] == "020 7946 0100"
    (timeline,) = [s for s in document["sections"] if s["key"] == "timeline"]
    words = {row["What happened"] for row in timeline["rows"]}
    assert words and not words & {"created", "triage", "assign", "complete"}
    assert all(row["To"] and row["To"] != row["To state (as stored)"] for row in timeline["rows"])
    (series,) = [s for s in document["sections"] if s["key"] == "regular_help"]
    assert series["rows"][0]["How often"] == "Every week"


def test_money_reads_in_pounds_with_the_pence_kept_in_the_file(world):
    document = build(world.resident, RESIDENT).document
    (lines,) = [s for s in document["sections"] if s["key"] == "money_lines"]
    assert lines["rows"][0]["Amount"] == "£4.20"
    assert lines["rows"][0]["Pence (as stored)"] == 420


def test_what_a_referral_passed_on_reads_in_words(world):
    document = build(world.resident, RESIDENT).document
    (referrals,) = [s for s in document["sections"] if s["key"] == "referrals"]
    assert referrals["rows"][0]["What was passed on"] == ["your name", "your phone number"]
    assert referrals["rows"][0]["Shared (as stored)"] == ["name", "phone"]
