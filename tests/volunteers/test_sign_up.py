"""Kasia signs up on her phone: the form, the emailed code, and landing on her volunteer page."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from kith.core.models import AuditEvent
from kith.volunteers.models import VolunteerProfile
from kith.volunteers.views import PENDING, SIGNUP_LIMIT
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

JOIN = "/volunteer/join/"
CONFIRM = "/accounts/login/code/confirm/"
FORM = {
    "display_name": "Kasia Nowak", "email": "Kasia@Example.org", "phone": "07911 123456",
    "services": ["shopping", "befriending"], "availability": ["mon_eve", "sat_am"],
    "on_duty": "on", "languages": "english, Polish,  ", "transport": "bike",
    "radius_km": "5", "weekly_cap": "4", "postcode": "w10 5nw",
    "consent_data": "on", "consent_adult": "on", "consent_unpaid": "on", "consent_safety": "on",
}


def _code() -> str:
    body = mail.outbox[-1].body
    match = re.search(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})*)\s*$", body, re.MULTILINE)
    assert match, body
    return match.group(1)


def _confirm(client, code: str):
    return client.post(f"{CONFIRM}?next=/volunteer/join/finish/",
                       {"code": code, "next": "/volunteer/join/finish/"})


def test_it_signs_kasia_up_with_an_emailed_code(client, street, priya,
                                                django_capture_on_commit_callbacks):
    response = client.post(JOIN, FORM)
    assert response.status_code == 302
    assert response.url.startswith(CONFIRM)
    kasia = get_user_model().objects.get(email="kasia@example.org")
    assert not VolunteerProfile.objects.filter(person=kasia).exists()  # not until the code
    assert "W10 5NW" not in str(client.session[PENDING])  # postcode and phone encrypted
    assert mail.outbox[-1].to == ["kasia@example.org"]

    response = _confirm(client, _code())
    assert response.status_code == 302 and response.url == "/volunteer/join/finish/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(response.url)
    assert response.url == "/volunteer/"
    assert EmailAddress.objects.get(user=kasia).verified
    profile = VolunteerProfile.objects.get(person=kasia)
    assert (profile.services, profile.availability, profile.languages, profile.transport,
            profile.radius_km, profile.weekly_cap, profile.on_duty) == (
        ["shopping", "befriending"], ["mon_eve", "sat_am"], ["English", "Polish"], "bike", 5, 4,
        True)
    kasia.refresh_from_db()
    assert (kasia.display_name, kasia.postcode_sector, bool(kasia.phone)) == (
        "Kasia Nowak", "W10 5", True)
    assert street.memberships.get(person=kasia).is_volunteer
    assert {e.action for e in AuditEvent.objects.filter(actor=kasia)} >= {
        "kith.volunteer.signed_up", "kith.volunteer.joined"}

    home = client.get("/volunteer/")
    text = home.content.decode()
    assert "Welcome, Kasia Nowak! You&#x27;ve joined Golborne Road Neighbours." in text
    assert "Waiting for checks" in text
    assert any("New volunteer in Golborne Road Neighbours" in m.subject for m in mail.outbox)


def test_it_keeps_what_was_typed_and_says_what_is_wrong(client, street):
    bad = {**FORM, "postcode": "W1O 5NW", "weekly_cap": "lots", "languages": "English, 42"}
    del bad["consent_safety"]
    del bad["services"]
    response = client.post(JOIN, bad)
    text = response.content.decode()
    assert response.status_code == 200
    assert "Did you mean W10 5NW?" in text
    assert "Give a number from 1 to 20." in text
    assert "Choose at least one way you can help." in text
    assert "Tick this to volunteer with us." in text
    assert escape("“42” doesn't look like a language.") in text
    assert 'value="Kasia Nowak"' in text and 'value="Kasia@Example.org"' in text
    assert 'value="mon_eve" id="id_availability_mon_eve" checked' in text
    assert not get_user_model().objects.filter(email="kasia@example.org").exists()
    assert mail.outbox == []


def test_it_answers_an_existing_address_the_same_way_and_signs_its_owner_in_by_code(
        client, olu, street):
    response = client.post(JOIN, {**FORM, "email": "olu@example.org", "display_name": "Not Olu"})
    assert response.status_code == 302 and response.url.startswith(CONFIRM)
    assert get_user_model().objects.filter(email="olu@example.org").count() == 1
    assert not VolunteerProfile.objects.filter(person=olu).exists()
    client.get(_confirm(client, _code()).url)
    olu.refresh_from_db()
    assert olu.display_name == "Olu Adeyemi"  # the name he had is kept
    assert VolunteerProfile.objects.filter(person=olu).exists()


def test_it_does_nothing_with_a_wrong_code(client, street):
    client.post(JOIN, FORM)
    response = _confirm(client, "WRONG1")
    assert response.status_code == 200
    assert not VolunteerProfile.objects.exists()
    assert client.get("/volunteer/join/finish/").status_code == 302  # not signed in


def test_it_signs_up_someone_already_signed_in_without_a_code(
        client, olu, street, priya, django_capture_on_commit_callbacks):
    EmailAddress.objects.filter(user=olu).update(verified=True)
    client.force_login(olu)
    form = {k: v for k, v in FORM.items() if k not in ("display_name", "email", "phone")}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(JOIN, form)
    assert response.url == "/volunteer/"
    assert VolunteerProfile.objects.filter(person=olu).exists()
    assert mail.outbox[-1].subject.endswith("New volunteer in Golborne Road Neighbours")
    assert client.get(JOIN).url == "/volunteer/"  # nothing to sign up for twice


def test_it_asks_someone_signed_in_to_confirm_their_address_first(client, olu, street):
    client.force_login(olu)
    assert "isn't confirmed yet" in client.get(JOIN).content.decode()
    form = {k: v for k, v in FORM.items() if k not in ("display_name", "email", "phone")}
    response = client.post(JOIN, {**form, "weekly_cap": "0"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Confirm your email address first" in text
    assert "Give a number from 1 to 20." in text
    assert not VolunteerProfile.objects.filter(person=olu).exists()


def test_it_ignores_a_pending_sign_up_for_another_address(client, olu, street):
    client.post(JOIN, FORM)
    client.force_login(olu)
    response = client.get("/volunteer/join/finish/")
    assert response.url == JOIN
    assert not VolunteerProfile.objects.exists()


def test_it_limits_sign_ups_from_one_address(client, street):
    for n in range(SIGNUP_LIMIT):
        client.post(JOIN, {**FORM, "email": f"v{n}@example.org"})
        client.cookies.clear()
    response = client.post(JOIN, {**FORM, "email": "one-too-many@example.org"})
    assert response.status_code == 429
    assert "try again in an hour" in response.content.decode()
    assert 'value="one-too-many@example.org"' in response.content.decode()
    assert not get_user_model().objects.filter(email="one-too-many@example.org").exists()


def test_it_does_not_count_a_form_with_mistakes(client, street):
    for _ in range(SIGNUP_LIMIT + 2):
        client.post(JOIN, {**FORM, "postcode": ""})
    assert client.post(JOIN, FORM).status_code == 302


def test_it_shows_the_safety_guidance_to_anyone(client):
    response = client.get(reverse("volunteers:safety"))
    assert response.status_code == 200
    assert "Staying safe when you help" in response.content.decode()


def test_it_sends_people_without_a_profile_to_sign_up(client, tom):
    assert client.get("/volunteer/").url == JOIN
    client.force_login(tom)
    assert client.get("/volunteer/").url == JOIN
    assert client.get("/volunteer/details/").url == JOIN


def test_it_ignores_a_stale_finish(client):
    person = PersonFactory()
    client.force_login(person)
    assert client.get("/volunteer/join/finish/").url == JOIN
