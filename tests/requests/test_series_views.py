"""Regular help pages: the list, starting a series, and pausing, resuming or ending one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.requests import series as series_services
from kith.requests.models import Series
from tests.factories import MembershipFactory, PersonFactory, ResidentFactory

pytestmark = pytest.mark.django_db

SLUG = "golborne-road"


def _url(name, *args):
    return reverse(f"requests:{name}", args=[SLUG, *args])


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def weekly(street, mrs_ahmed, priya, tom):
    return series_services.start_series(street, resident=mrs_ahmed, service="shopping",
                                        cadence="weekly", first_date=timezone.localdate(),
                                        when="Tuesday mornings", volunteer=tom, actor=priya)


@pytest.fixture
def lena(street):
    """A safeguarding lead: sees requests, but does not triage them."""
    person = PersonFactory(email="lena@example.org", display_name="Lena Haddad")
    MembershipFactory(person=person, group=street, is_safeguarding_lead=True)
    return person


def _form(resident, **changes):
    return {"resident": resident.pk, "service": "shopping", "cadence": "fortnightly",
            "first_date": (timezone.localdate() + timedelta(days=2)).isoformat(),
            "when": "After 2pm", "details": "Semi-skimmed milk", "volunteer": "", **changes}


def test_it_lists_the_groups_series(client, sam, weekly, other_street, nadia):
    series_services.start_series(other_street, resident=ResidentFactory(group=other_street, name="Mr Lots"),
                                 service="posting", cadence="weekly",
                                 first_date=timezone.localdate(), actor=nadia)
    client.force_login(sam)
    page = _text(client.get(_url("series_list")))
    assert "Mrs Ahmed" in page and "Every week, Tuesday mornings" in page and "Tom Brennan" in page
    assert "Active" in page and "Mr Lots" not in page
    assert "Start regular help" in page


def test_it_starts_a_series_for_a_chosen_resident(client, sam, street, mrs_ahmed, tom):
    client.force_login(sam)
    form = _text(client.get(_url("series_new"), {"resident": mrs_ahmed.pk}))
    assert f'<option value="{mrs_ahmed.pk}" selected>Mrs Ahmed</option>' in form
    assert client.get(_url("series_new"), {"resident": "99999999999999999999999"}).status_code == 200
    response = client.post(_url("series_new"), _form(mrs_ahmed, volunteer=tom.pk))
    made = Series.objects.get()
    assert response.status_code == 302 and response.url == _url("series", made.pk)
    assert (made.resident, made.cadence, made.volunteer, made.created_by) == (
        mrs_ahmed, "fortnightly", tom, sam)
    assert made.details._open() == "Semi-skimmed milk"
    assert AuditEvent.objects.filter(action="kith.series.started", actor=sam).exists()
    page = _text(client.get(response.url))
    assert "Regular help started" in page and "Semi-skimmed milk" not in page


def test_it_refuses_a_past_date_another_groups_resident_or_volunteer(client, priya, street, other_street,
                                                                    mrs_ahmed, nadia):
    theirs = ResidentFactory(group=other_street, name="Mr Lots")
    client.force_login(priya)
    past = client.post(_url("series_new"), _form(
        mrs_ahmed, first_date=(timezone.localdate() - timedelta(days=1)).isoformat()))
    assert past.status_code == 400
    assert "The first visit can&#x27;t be in the past. Choose today or a later date." in _text(past)
    assert 'value="After 2pm"' in _text(past)
    other = client.post(_url("series_new"), _form(theirs))
    assert "Choose one of this group&#x27;s residents." in _text(other)
    stranger = client.post(_url("series_new"), _form(mrs_ahmed, volunteer=nadia.pk))
    assert "Choose one of this group&#x27;s volunteers." in _text(stranger)
    junk = client.post(_url("series_new"), {**_form(mrs_ahmed), "first_date": "next tuesday",
                                            "resident": "x", "cadence": "daily"})
    assert junk.status_code == 400 and "Give a date like 31/12/2026." in _text(junk)
    assert not Series.objects.exists()


def test_it_shows_a_series_with_its_visits(client, sam, weekly):
    visit = series_services.make_occurrence(weekly)
    client.force_login(sam)
    page = _text(client.get(_url("series", weekly.pk)))
    assert visit.reference in page and reverse("requests:detail", args=[SLUG, visit.reference]) in page
    assert "Tuesday mornings" in page
    assert "Pause" in page and "End for good" in page and "Resume" not in page


def test_it_pauses_resumes_and_ends_a_series(client, sam, weekly):
    client.force_login(sam)
    url = _url("series", weekly.pk)
    assert client.post(url, {"action": "pause", "note": "In hospital"}).status_code == 302
    weekly.refresh_from_db()
    assert weekly.state == Series.State.PAUSED
    assert AuditEvent.objects.get(action="kith.series.paused").new["reason"] == "In hospital"
    assert "Resume" in _text(client.get(url))
    client.post(url, {"action": "resume"})
    weekly.refresh_from_db()
    assert weekly.state == Series.State.ACTIVE
    client.post(url, {"action": "end", "note": "Moved away"})
    weekly.refresh_from_db()
    assert weekly.state == Series.State.ENDED
    assert AuditEvent.objects.filter(action="kith.series.ended").count() == 1
    assert "End for good" not in _text(client.get(url))


def test_it_explains_a_change_that_cannot_happen(client, priya, weekly):
    client.force_login(priya)
    url = _url("series", weekly.pk)
    response = client.post(url, {"action": "resume", "note": "Back from hospital"})
    assert response.status_code == 400
    assert "This series is active, so it cannot be resumed now." in _text(response)
    assert "Back from hospital" in _text(response)
    junk = client.post(url, {"action": "explode"})
    assert junk.status_code == 400 and "Choose pause, resume or end." in _text(junk)
    weekly.refresh_from_db()
    assert weekly.state == Series.State.ACTIVE


def test_it_lets_only_those_who_triage_change_a_series(client, lena, tom, weekly):
    client.force_login(lena)
    url = _url("series", weekly.pk)
    assert client.get(url).status_code == 200
    assert "End for good" not in _text(client.get(url))
    assert client.post(url, {"action": "end"}).status_code == 403
    client.force_login(tom)
    assert client.get(url).status_code == 403
    weekly.refresh_from_db()
    assert weekly.state == Series.State.ACTIVE


def test_it_gives_404_for_another_groups_series(client, priya, other_street, nadia):
    theirs = series_services.start_series(
        other_street, resident=ResidentFactory(group=other_street, name="Mr Lots"), service="posting",
        cadence="weekly", first_date=timezone.localdate(), actor=nadia)
    client.force_login(priya)
    assert client.get(_url("series", theirs.pk)).status_code == 404
    assert client.post(_url("series", theirs.pk), {"action": "end"}).status_code == 404
    assert client.get(_url("series", 999999)).status_code == 404
