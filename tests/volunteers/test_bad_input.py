"""Odd input on the volunteers' pages: plain words back, never a 500, nothing half-saved."""

from __future__ import annotations

import pytest

from kith.core.models import AuditEvent
from kith.volunteers.models import Vetting, VolunteerProfile

pytestmark = pytest.mark.django_db

ODD = {
    "display_name": "Nul\x00l", "email": "not an email", "phone": "call me", "services": ["<script>"],
    "availability": ["../../etc", "mon_eve"], "languages": "x" * 300, "transport": "rocket",
    "radius_km": "1e309", "weekly_cap": "-1", "postcode": "\x00",
    "consent_data": "maybe", "on_duty": "\x00",
}


def test_it_answers_a_sign_up_of_nonsense_with_plain_errors(client, street):
    response = client.post("/volunteer/join/", ODD)
    text = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in text
    for words in ["Enter an email address like name@example.com.",
                  "Choose from the list of ways to help.", "Choose times from the table.",
                  "Choose how you get about.", "Choose how far you will go.",
                  "Give a number from 1 to 20.", "Tick this to volunteer with us."]:
        assert words in text, words
    assert not VolunteerProfile.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize("query", [
    "service=%00", "area=%00&slot=zzz", "sort=DROP+TABLE", "page=abc", "page=99999999999999999999",
    "active=-1&vetting=maybe&status=%F0%9F%8D%B2",
])
def test_it_shrugs_off_odd_filters(client, priya, kasia, query):
    client.force_login(priya)
    assert client.get(f"/g/golborne-road/volunteers/?{query}").status_code == 200
    assert client.get(f"/g/golborne-road/volunteers/export.csv?{query}").status_code == 200


def test_it_refuses_odd_checks_field_by_field(client, priya, kasia_membership):
    client.force_login(priya)
    response = client.post(f"/g/golborne-road/volunteers/{kasia_membership.pk}/vetting/", {
        "id_seen_at": "99999-99-99", "dbs_level": "platinum", "references_at": "\x00"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Give a date like 31/12/2026." in text and "Choose a DBS level." in text
    assert not Vetting.objects.exists()


@pytest.mark.parametrize("path, data", [
    ("/volunteer/duty/", {"on_duty": "\x00"}),
    ("/volunteer/break/", {"until": "\x00"}),
    ("/volunteer/back/", {}),
    ("/volunteer/details/", {"services": "\x00", "weekly_cap": "x" * 1000}),
    ("/volunteer/consents/", {"consent_data": "\x00"}),
])
def test_it_never_fails_on_odd_posts_from_a_volunteer(client, kasia, path, data):
    client.force_login(kasia)
    response = client.post(path, data)
    assert response.status_code in (200, 302)
    assert VolunteerProfile.objects.get(person=kasia).status == "active"
