"""Risk assessments: Kith's starting points, saving and signing off, reminders once per
review date, and a volunteer reading one before their first task of that kind."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.messaging.models import Message
from kith.requests.sweeps import tick
from kith.safety import risk
from kith.safety.models import Activity, RiskAssessment, RiskReading
from kith.safety.starting_points import STARTING_POINTS

pytestmark = pytest.mark.django_db


def test_every_activity_has_a_starting_point():
    assert set(STARTING_POINTS) == set(Activity.values)


def _form(assessment, **changes):
    return {"hazards": assessment.hazards, "who_harmed": assessment.who_harmed,
            "controls": assessment.controls, "remaining_risk": assessment.remaining_risk,
            "owner": str(assessment.owner_id or ""), "review_by": assessment.review_by.isoformat(),
            **changes}


def test_a_coordinator_writes_from_the_starting_point_and_signs_off(client, street, priya):
    client.force_login(priya)
    url = reverse("safety:risk_edit", args=[street.slug, "shopping"])
    page = client.get(url).content.decode()
    assert "Kith&#x27;s starting point" in page or "Kith's starting point" in page
    start = risk.draft(street, "shopping")
    assert client.post(url, _form(start, owner=str(priya.pk))).status_code == 302
    saved = RiskAssessment.objects.get()
    assert saved.owner == priya and not saved.signed_off
    client.post(reverse("safety:risk_sign_off", args=[street.slug, "shopping"]))
    saved.refresh_from_db()
    assert saved.signed_off_by == priya
    # Changing what it says needs signing off again; a new review date alone does not.
    client.post(url, _form(saved, review_by="2030-01-01"))
    saved.refresh_from_db()
    assert saved.signed_off
    client.post(url, _form(saved, controls="Leave bags at the door."))
    saved.refresh_from_db()
    assert not saved.signed_off
    assert AuditEvent.objects.filter(action="kith.risk.saved").count() == 3


def test_bad_input_keeps_what_was_typed(client, street, priya):
    client.force_login(priya)
    url = reverse("safety:risk_edit", args=[street.slug, "events"])
    response = client.post(url, {"hazards": "Trips over cables", "who_harmed": "",
                                 "controls": "", "remaining_risk": "low", "owner": "",
                                 "review_by": "not a date"})
    assert response.status_code == 400
    assert "Trips over cables" in response.content.decode()
    assert not RiskAssessment.objects.exists()


def test_an_unknown_activity_is_not_found(client, street, priya):
    client.force_login(priya)
    assert client.get(reverse("safety:risk_edit", args=[street.slug, "juggling"])
                      ).status_code == 404


def _assessment(street, priya, *, activity="shopping", review_by=None, signed=True):
    return RiskAssessment.objects.create(
        group=street, activity=activity, hazards="Heavy bags", who_harmed="The volunteer",
        controls="Two bags at most", owner=priya,
        review_by=review_by or date(2030, 1, 1),
        signed_off_by=priya if signed else None, signed_off_at=timezone.now() if signed else None)


def test_the_sweep_reminds_once_per_review_date(street, priya):
    assessment = _assessment(street, priya, review_by=timezone.localdate())
    assert tick()["risk_reviews_reminded"] == 1
    assert tick()["risk_reviews_reminded"] == 0
    assert Message.objects.filter(template="safety/email/risk_review.txt").count() == 1
    # Reviewed and given a new date, which comes round in its turn.
    assessment.review_by = timezone.localdate() - timedelta(days=1)
    assessment.save()
    assert tick()["risk_reviews_reminded"] == 1
    assert AuditEvent.objects.filter(action="kith.risk.review_reminded").count() == 2


def test_a_volunteer_reads_it_before_their_first_task_of_that_kind(client, street, priya, tom):
    from tests.safety.conftest import make_task

    _assessment(street, priya)
    _assessment(street, priya, activity="visits", signed=False)  # not signed off: not shown
    req = make_task(street, priya, tom)
    client.force_login(tom)
    url = reverse("requests:task", args=[req.reference])
    page = client.get(url).content.decode()
    assert "Two bags at most" in page and "I have read this" in page
    # "On my way" waits until they have read it.
    response = client.post(url, {"action": "start"})
    assert response.status_code == 400
    req.refresh_from_db()
    assert req.state == "assigned"
    client.post(reverse("safety:risk_read", args=[req.reference]))
    assert RiskReading.objects.filter(person=tom).count() == 1
    assert "I have read this" not in client.get(url).content.decode()
    assert client.post(url, {"action": "start"}).status_code == 302
    # The next task of the same kind does not ask again.
    second = make_task(street, priya, tom, service="errands",  # a shopping kind too
                       name="Mr Cole", phone="07911 654321")
    assert "I have read this" not in client.get(
        reverse("requests:task", args=[second.reference])).content.decode()
    assert AuditEvent.objects.filter(action="kith.risk.read").count() == 1


def test_a_volunteer_reads_the_list_but_cannot_edit(client, street, priya, tom):
    _assessment(street, priya)
    client.force_login(tom)
    text = client.get(reverse("safety:risks", args=[street.slug])).content.decode()
    assert "Two bags at most" in text and "Review or change" not in text
    assert client.get(reverse("safety:risk_edit", args=[street.slug, "shopping"])
                      ).status_code == 403


def test_a_changed_assessment_is_read_again_after_its_new_sign_off(client, street, priya, tom):
    from kith.requests import services
    from tests.safety.conftest import make_task

    assessment = _assessment(street, priya)
    first = make_task(street, priya, tom)
    client.force_login(tom)
    client.post(reverse("safety:risk_read", args=[first.reference]))
    # Not asked again once out, and the task done.
    url = reverse("requests:task", args=[first.reference])
    client.post(url, {"action": "start"})
    services.complete(first, actor=tom)
    risk.do_save_assessment(street, "shopping", acting_user=priya, hazards="Heavy bags, dogs")
    risk.do_sign_off(RiskAssessment.objects.get(pk=assessment.pk), acting_user=priya)
    second = make_task(street, priya, tom, name="Mr Cole", phone="07911 654321")
    page = client.get(reverse("requests:task", args=[second.reference])).content.decode()
    assert "Heavy bags, dogs" in page and "I have read this" in page
    assert "Before your first" not in page  # they have done one before
    client.post(reverse("safety:risk_read", args=[second.reference]))
    assert RiskReading.objects.get(person=tom).version is not None
    assert "I have read this" not in client.get(
        reverse("requests:task", args=[second.reference])).content.decode()


def test_read_this_first_is_not_shown_once_they_are_out(client, street, priya, tom):
    from kith.safety import checkins
    from tests.safety.conftest import make_task

    _assessment(street, priya)
    req = make_task(street, priya, tom)
    client.force_login(tom)
    client.post(reverse("safety:risk_read", args=[req.reference]))
    checkins.do_start_visit(req, acting_user=tom, minutes=30)  # out, then a new sign-off
    risk.do_save_assessment(street, "shopping", acting_user=priya, hazards="Changed")
    risk.do_sign_off(RiskAssessment.objects.get(group=street), acting_user=priya)
    page = client.get(reverse("requests:task", args=[req.reference])).content.decode()
    assert "I have read this" not in page
