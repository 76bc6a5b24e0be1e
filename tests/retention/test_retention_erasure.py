"""The sweep's erasure steps, through kith.erasure: a resident with nothing open for the
group's months and a volunteer who left the group's days ago are erased; one held (an open
safeguarding case) is counted as held and left alone; and a second run finds nobody."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import QuerySet
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.erasure.models import Erasure
from kith.requests.models import HelpRequest
from kith.residents.models import Resident
from kith.retention.sweeps import apply
from kith.safeguarding.models import Case
from kith.volunteers.models import VolunteerProfile
from tests.retention.test_retention import closed_request

pytestmark = pytest.mark.django_db


def backdate_resident(resident, days):
    Resident.objects.filter(pk=resident.pk).update(
        created_at=timezone.now() - timedelta(days=days))


def backdate_left(profile, days):
    """The audit row is append-only to the ORM; only a test may move its time."""
    QuerySet(AuditEvent).filter(action="kith.volunteer.left", object_id=str(profile.pk)).update(
        created_at=timezone.now() - timedelta(days=days))


def test_a_resident_with_nothing_open_for_a_year_is_erased_once(street, mrs_ahmed):
    closed_request(street, mrs_ahmed, days_ago=400)
    backdate_resident(mrs_ahmed, 500)
    first = apply()
    assert first["retention_residents_erased"] == 1
    assert Erasure.objects.filter(kind="resident", subject_id=mrs_ahmed.pk,
                                  why=Erasure.Why.RETENTION, by=None).count() == 1
    assert Resident.objects.get(pk=mrs_ahmed.pk).name != "Mrs Ahmed"
    assert HelpRequest.objects.filter(resident=mrs_ahmed).count() == 1  # counts stay right
    audits = AuditEvent.objects.count()
    second = apply()
    assert second["retention_residents_erased"] == 0
    assert AuditEvent.objects.count() == audits
    assert Erasure.objects.count() == 1


def test_a_resident_who_asked_recently_is_kept(street, mrs_ahmed):
    closed_request(street, mrs_ahmed, days_ago=200)
    backdate_resident(mrs_ahmed, 500)
    assert apply()["retention_residents_erased"] == 0
    assert Resident.objects.get(pk=mrs_ahmed.pk).name == "Mrs Ahmed"


def test_a_resident_with_an_open_case_is_held_and_counted_and_nothing_changes(street,
                                                                               mrs_ahmed):
    from tests.safeguarding.conftest import report_case

    closed_request(street, mrs_ahmed, days_ago=400)
    backdate_resident(mrs_ahmed, 500)
    case = report_case(street)
    Case.objects.filter(pk=case.pk).update(resident=mrs_ahmed)
    first = apply()
    assert (first["retention_residents_erased"], first["retention_residents_held"]) == (0, 1)
    assert Resident.objects.get(pk=mrs_ahmed.pk).name == "Mrs Ahmed"
    audits = AuditEvent.objects.count()
    assert apply()["retention_residents_held"] == 1
    assert AuditEvent.objects.count() == audits  # held is not a change: no audit row each run


def test_a_volunteer_who_left_a_month_ago_is_erased(street, tom, priya):
    from kith.volunteers import services
    from tests.money.conftest import cleared

    cleared(tom, street, priya)
    profile = VolunteerProfile.objects.get(person=tom)
    services.leave(profile, acting_user=tom)
    backdate_left(profile, 20)
    assert apply()["retention_volunteers_erased"] == 0
    backdate_left(profile, 31)
    assert apply()["retention_volunteers_erased"] == 1
    assert Erasure.objects.filter(kind="volunteer", subject_id=tom.pk).exists()
    assert apply()["retention_volunteers_erased"] == 0


def test_a_volunteer_who_left_but_still_coordinates_is_kept(street, priya):
    from kith.groups.models import Membership
    from kith.volunteers import services
    from tests.money.conftest import cleared

    Membership.objects.filter(person=priya).update(is_volunteer=True)
    cleared(priya, street, priya)
    profile = VolunteerProfile.objects.get(person=priya)
    services.leave(profile, acting_user=priya)
    backdate_left(profile, 60)
    assert apply()["retention_volunteers_erased"] == 0
    assert not Erasure.objects.exists()


def test_the_preview_says_who_is_kept_for_now_and_why(client, street, mrs_ahmed, priya):
    from django.urls import reverse

    from tests.safeguarding.conftest import report_case

    closed_request(street, mrs_ahmed, days_ago=400)
    backdate_resident(mrs_ahmed, 500)
    case = report_case(street)
    Case.objects.filter(pk=case.pk).update(resident=mrs_ahmed)
    client.force_login(priya)
    html = client.get(reverse("retention:preview", args=[street.slug])).content.decode()
    assert f"Resident {mrs_ahmed.pk}" in html
    assert "Kept for now" in html and "safeguarding case" in html
    assert "Ahmed" not in html
