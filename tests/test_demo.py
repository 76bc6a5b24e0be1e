"""The demo borough: its shape, that loading it twice adds nothing, and that it seals phones.

Loading takes a few seconds, so it happens once for this module inside a transaction that
is rolled back afterwards; each test then runs in its own savepoint on top.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from kith.core.fields import Sealed
from kith.core.models import AuditEvent
from kith.demo.loader import load_demo
from kith.groups.models import Group, Membership
from kith.requests.lifecycle import STATES, replay
from kith.requests.models import Callback, HelpRequest, Series
from kith.residents.models import Resident
from kith.volunteers.models import Consent, Vetting, VolunteerProfile
from kith.volunteers.policy import can_take

pytestmark = pytest.mark.django_db

MODELS = [Group, get_user_model(), Membership, Resident, AuditEvent, VolunteerProfile, Consent,
          Vetting, HelpRequest, Callback, Series]


def _counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        summary = load_demo()
        yield summary
        transaction.set_rollback(True)


def test_it_reports_each_step(demo):
    assert demo == ["18 groups", "8 personas", "300 volunteers",
                    "302 volunteer profiles, 101 approved", "120 residents",
                    "1 registration waiting, 1 listing report",
                    "37 help requests, 22 callbacks waiting",
                    "1 pharmacy run ready to split (20 stops, 1 unknown postcode)",
                    "5 local services (5 new)", "3 safeguarding cases",
                    "1 partner with an API token (1 new)",
                    "6 risk assessments, 1 volunteer out on a task",
                    "4 spending claims, a donation and a grant"]


@pytest.mark.parametrize("kind, expected", [
    ("network", 1), ("borough", 1), ("ward", 4), ("street", 12),
])
def test_it_builds_the_borough(demo, kind, expected):
    assert Group.objects.filter(kind=kind).count() == expected


def test_it_enrols_the_volunteers_and_residents(demo):
    volunteers = Membership.objects.with_role("volunteer")
    assert volunteers.filter(person__email__startswith="volunteer").count() == 300
    # 120 on record, and 33 more who asked for help through the demo's requests.
    assert Resident.objects.count() == 153
    assert Resident.objects.filter(group__slug="golborne-road", name="Mrs Ahmed").exists()


def test_it_gives_every_street_a_coordinator(demo):
    headless = Group.objects.filter(kind="street").exclude(
        memberships__is_coordinator=True)
    assert list(headless) == []


def test_it_creates_nothing_on_a_second_run(demo):
    before = _counts()
    load_demo()
    assert _counts() == before


def test_it_seals_every_residents_phone(demo):
    assert all(isinstance(r.phone, Sealed) for r in Resident.objects.all())
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM residents_resident")
        stored = [phone for (phone,) in cursor.fetchall()]
    assert len(stored) == 153
    assert not any(phone.startswith("+44") or "7946" in phone for phone in stored)


def test_it_masks_residents_details_in_its_audit_rows(demo):
    event = AuditEvent.objects.filter(action="kith.resident.registered").first()
    assert event.new["phone"] == "***"
    assert event.new["address"] == "***"


def test_it_gives_volunteers_profiles_consents_and_some_checks(demo):
    profiles = VolunteerProfile.objects.all()
    assert all(p.services and isinstance(p.postcode, Sealed) for p in profiles)
    assert Consent.objects.count() == profiles.count() * 4
    assert profiles.filter(on_duty=True).exists()
    assert profiles.filter(status="on_break").exists()
    assert profiles.filter(reconfirm_consent=True).exists()
    # The borough's 101, and East Barnet's seven (for the pharmacy run).
    assert AuditEvent.objects.filter(action="kith.volunteer.approved").count() == 108


def test_it_lets_tom_collect_prescriptions(demo):
    tom = get_user_model().objects.get(email__startswith="tom@")
    golborne = Group.objects.get(slug="golborne-road")
    assert tom.volunteer.transport == "bike"
    assert can_take(tom, golborne, "prescriptions")


def test_it_has_requests_in_every_state_each_explained_by_its_history(demo):
    assert set(HelpRequest.objects.values_list("state", flat=True)) == {s for s, _ in STATES}
    for req in HelpRequest.objects.all():
        assert replay(list(req.events.values_list("action", "from_state", "to_state"))) == req.state


def test_it_has_a_busy_queue_with_overdue_calls_and_check_ups(demo):
    from kith.requests.callbacks import figures

    queue = figures(Group.objects.get(slug="golborne-road"))
    assert queue.waiting >= 10 and queue.overdue >= 1 and queue.median_minutes is not None
    assert Callback.objects.filter(kind="check_up", outcome="").exists()
    assert Callback.objects.filter(kind="missed_call", outcome="").count() == 2


def test_it_has_a_weekly_shop_with_tom(demo):
    shop = Series.objects.get(resident__name="Mrs Ahmed")
    assert shop.volunteer.email.startswith("tom@")
    states = list(shop.occurrences.order_by("needed_by").values_list("state", flat=True))
    assert states[:3] == ["done", "done", "done"] and states[3] == "assigned"


def test_tom_has_a_live_offer_waiting_when_he_signs_in(demo):
    from django.utils import timezone

    from kith.matching.models import Offer

    tom = get_user_model().objects.get(email="tom@demo.kith.invalid")
    live = Offer.objects.filter(volunteer=tom, state=Offer.State.OPEN,
                                expires_at__gt=timezone.now() + timezone.timedelta(days=5))
    assert live.count() == 1


def test_the_weekly_shop_falls_on_the_day_it_names(demo):
    shop = Series.objects.get(resident__name="Mrs Ahmed")
    assert shop.next_date.weekday() == 3  # Thursday
    assert all(r.needed_by.astimezone().weekday() == 3 for r in shop.occurrences.all())


def test_it_has_safeguarding_cases_for_the_borough_lead(demo):
    from kith.safeguarding.models import Case
    from kith.safeguarding.routing import handling_group

    street = Group.objects.get(slug="golborne-road")
    cases = Case.objects.filter(group=street)
    assert cases.filter(source="public", reporter__isnull=True).exists()
    assert cases.get(kind="data_breach").ico_hours_left() in (51, 52)
    assert cases.filter(source="escalation").exists()  # the demo's escalated request
    assert handling_group(street).slug == "kensington-chelsea"  # Dev, the borough's lead


def test_it_has_risk_assessments_and_a_volunteer_out_on_a_task(demo):
    from kith.safety.models import CheckIn, RiskAssessment

    street = Group.objects.get(slug="golborne-road")
    assessments = RiskAssessment.objects.filter(group=street)
    assert assessments.count() == 6
    assert assessments.filter(signed_off_at__isnull=True).count() == 1
    check_in = CheckIn.objects.get(group=street)
    assert check_in.state == "open" and check_in.assignment.request.state == "in_progress"


def test_retention_has_something_to_show_from_the_first_day(demo):
    """Albert's request ended 100 days ago: the first sweep blanks it. Violet's passes its 90
    days within the week: the coordinators' preview names it (by reference, never her name)."""
    from django.utils import timezone

    from kith.retention import plan
    from kith.retention.schedule import Cache

    albert = HelpRequest.objects.get(resident__name="Albert")
    violet = HelpRequest.objects.get(resident__name="Violet")
    now = timezone.now()
    due_now = {d.pk for d in plan.requests_due(now, Cache())}
    due_next_week = {d.pk for d in plan.requests_due(now + timedelta(days=7), Cache())}
    assert albert.state == violet.state == "closed"
    assert albert.pk in due_now and violet.pk not in due_now
    assert violet.pk in due_next_week
