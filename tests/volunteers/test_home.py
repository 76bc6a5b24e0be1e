"""Kasia's volunteer page on her phone: duty, offers, a break, her details, consents, leaving."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.volunteers import services
from kith.volunteers.models import VolunteerProfile

pytestmark = pytest.mark.django_db

HOME = "/volunteer/"


@pytest.fixture
def as_kasia(client, kasia):
    client.force_login(kasia)
    return client


def _text(response) -> str:
    return response.content.decode()


def _profile(person) -> VolunteerProfile:
    return VolunteerProfile.objects.get(person=person)


def test_it_says_plainly_that_there_are_no_tasks_or_offers_yet(as_kasia, kasia_membership, priya):
    text = _text(as_kasia.get(HOME))
    assert "You have no tasks right now." in text
    assert "Once a coordinator has checked and approved you" in text
    assert "What you've done" in text and "Nothing yet." in text
    services.approve(kasia_membership, acting_user=priya)
    text = _text(as_kasia.get(HOME))
    assert "Go on duty to see offers near you." in text
    assert "You can take tasks for: Shopping, Dog walking." in text


def test_it_goes_on_and_off_duty_without_javascript(as_kasia, kasia, kasia_membership, priya):
    services.approve(kasia_membership, acting_user=priya)
    response = as_kasia.post("/volunteer/duty/", {"on_duty": "1"}, follow=True)
    assert _profile(kasia).on_duty
    text = _text(response)
    assert "You&#x27;re on duty. Thank you!" in text
    assert "No offers right now." in text
    assert "shopping, dog walking, within 1.2 miles of W10 5, bike" in text
    as_kasia.post("/volunteer/duty/", {"on_duty": "0"})
    assert not _profile(kasia).on_duty
    assert as_kasia.post("/volunteer/duty/", {"on_duty": "maybe"}).status_code == 302
    assert AuditEvent.objects.filter(action="kith.volunteer.duty_changed").count() == 2


def test_it_takes_a_break_and_welcomes_her_back(as_kasia, kasia):
    until = timezone.localdate() + timedelta(days=10)
    response = as_kasia.post("/volunteer/break/", {"until": until.isoformat()}, follow=True)
    assert "Enjoy your break." in _text(response)
    assert "No offers while you're on a break." in _text(response)
    assert _profile(kasia).status == "on_break"
    VolunteerProfile.objects.filter(person=kasia).update(break_until=timezone.localdate())
    text = _text(as_kasia.get(HOME))
    assert "Welcome back, Kasia Nowak!" in text
    assert _profile(kasia).status == "active"


def test_it_ends_a_break_early(as_kasia, kasia):
    services.take_break(_profile(kasia), acting_user=kasia,
                        until=timezone.localdate() + timedelta(days=3))
    as_kasia.post("/volunteer/back/")
    assert _profile(kasia).status == "active"


@pytest.mark.parametrize("until, error", [
    ("", "Give the day you&#x27;ll be back."),
    ("next week", "Give a date like 31/12/2026."),
    ("2001-01-01", "Choose a day after today."),
])
def test_it_explains_a_bad_return_date(as_kasia, kasia, until, error):
    response = as_kasia.post("/volunteer/break/", {"until": until})
    assert response.status_code == 200
    assert error in _text(response)
    assert _profile(kasia).status == "active"


def test_it_edits_details_keeping_what_was_typed(as_kasia, kasia):
    page = _text(as_kasia.get("/volunteer/details/"))
    assert 'value="English, Polish"' in page
    assert "W10 5NW" not in page  # the full postcode is never shown back
    bad = {"services": ["shopping"], "availability": ["tue_pm"], "languages": "Welsh",
           "transport": "car", "radius_km": "10", "weekly_cap": "99", "postcode": "W10 6DA"}
    response = as_kasia.post("/volunteer/details/", bad)
    assert "Give a number from 1 to 20." in _text(response)
    assert 'value="tue_pm" id="id_availability_tue_pm" checked' in _text(response)
    as_kasia.post("/volunteer/details/", {**bad, "weekly_cap": "2"})
    profile = _profile(kasia)
    kasia.refresh_from_db()
    assert (profile.services, profile.transport, profile.weekly_cap, kasia.postcode_sector) == (
        ["shopping"], "car", 2, "W10 6")


def test_it_asks_an_imported_volunteer_to_confirm_consents(as_kasia, kasia):
    VolunteerProfile.objects.filter(person=kasia).update(reconfirm_consent=True)
    assert "Please confirm your consents" in _text(as_kasia.get(HOME))
    response = as_kasia.post("/volunteer/consents/", {"consent_data": "on"})
    assert "Tick this to volunteer with us." in _text(response)
    as_kasia.post("/volunteer/consents/", {f"consent_{k}": "on"
                                           for k in ("data", "adult", "unpaid", "safety")})
    assert not _profile(kasia).reconfirm_consent
    assert "Your consents are up to date." in _text(as_kasia.get("/volunteer/consents/"))


def test_it_lets_her_leave_and_offers_to_delete_her_account(as_kasia, kasia, street):
    assert "Leave volunteering" in _text(as_kasia.get("/volunteer/leave/"))
    response = as_kasia.post("/volunteer/leave/", follow=True)
    text = _text(response)
    assert "You've left volunteering" in text
    assert "Delete my account and details" in text  # erasure (kith.erasure)
    # When retention deletes her (30 days by default), in words, so she can come back first.
    from django.utils import dateformat, timezone

    from kith.core.models import AuditEvent

    left_at = AuditEvent.objects.get(action="kith.volunteer.left").created_at
    gone = dateformat.format(timezone.localtime(left_at + timedelta(days=30)), "l j F Y")
    assert f"On {gone} they are deleted for good" in text
    assert not street.memberships.filter(person=kasia).exists()
    assert as_kasia.get("/volunteer/details/").url == HOME
    assert as_kasia.post("/volunteer/duty/", {"on_duty": "1"}).url == HOME
    assert as_kasia.get("/volunteer/join/").status_code == 200  # she may come back


def test_it_needs_csrf_on_every_change(kasia):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(kasia)
    assert strict.post("/volunteer/duty/", {"on_duty": "1"}).status_code == 403
    assert strict.post("/volunteer/leave/").status_code == 403
    assert not _profile(kasia).on_duty
