"""Risk assessments: written and signed off by a group's coordinators or safeguarding leads,
reviewed when due (the sweep reminds once per review date), and read by each volunteer
before their first task of that kind."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core.audit import log_action
from kith.core.links import site_url
from kith.requests import notify
from kith.requests.lifecycle import IllegalMove
from kith.safety.models import ACTIVITY_OF_SERVICE, RiskAssessment, RiskReading
from kith.safety.starting_points import STARTING_POINTS

FIELDS = ("hazards", "who_harmed", "controls", "remaining_risk", "owner", "review_by")
REVIEW_AFTER = timedelta(days=365)


def draft(group, activity: str) -> RiskAssessment:
    """The group's assessment of `activity`, or Kith's starting point for it (unsaved)."""
    found = RiskAssessment.objects.filter(group=group, activity=activity).first()
    if found is not None:
        return found
    start = STARTING_POINTS[activity]
    return RiskAssessment(group=group, activity=activity, hazards=str(start.hazards),
                          who_harmed=str(start.who_harmed), controls=str(start.controls),
                          remaining_risk=start.remaining_risk,
                          review_by=timezone.localdate() + REVIEW_AFTER)


@transaction.atomic
def do_save_assessment(group, activity: str, *, acting_user, **values) -> RiskAssessment:
    """Save what was typed. A change to what it says needs signing off again."""
    found = (RiskAssessment.objects.select_for_update()
             .filter(group=group, activity=activity).first())
    assessment = found or RiskAssessment(group=group, activity=activity)
    old = {f: _plain(getattr(assessment, f, None)) for f in FIELDS} if found else None
    for name, value in values.items():
        setattr(assessment, name, value)
    new = {f: _plain(getattr(assessment, f)) for f in FIELDS}
    if old == new:
        return assessment
    if old is not None and old["review_by"] != new["review_by"]:
        assessment.reminded_for = None  # a new date earns a new reminder
    if old is None or {k: v for k, v in old.items() if k != "review_by"} != {
            k: v for k, v in new.items() if k != "review_by"}:
        assessment.signed_off_at, assessment.signed_off_by = None, None
    assessment.save()
    log_action("kith.risk.saved", actor=acting_user, group=group, obj=assessment, old=old,
               new=new)
    return assessment


def _plain(value):
    if hasattr(value, "pk"):
        return value.pk
    return value.isoformat() if hasattr(value, "isoformat") else value


@transaction.atomic
def do_sign_off(assessment: RiskAssessment, *, acting_user) -> RiskAssessment:
    """The person signing says the assessment is right as it stands."""
    assessment = RiskAssessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.signed_off:
        raise IllegalMove(_("It is signed off already."))
    assessment.signed_off_at, assessment.signed_off_by = timezone.now(), acting_user
    assessment.save(update_fields=["signed_off_at", "signed_off_by"])
    log_action("kith.risk.signed_off", actor=acting_user, group=assessment.group,
               obj=assessment, new={"activity": assessment.activity})
    return assessment


# --- volunteers


def to_read(person, req) -> RiskAssessment | None:
    """The signed-off assessment this volunteer must read before setting off on this task,
    or None: they read this signed-off version already, or they are out on it now (too late
    to ask them to read it first)."""
    from kith.requests.lifecycle import IN_PROGRESS

    activity = ACTIVITY_OF_SERVICE.get(req.service)
    if activity is None or req.state == IN_PROGRESS:
        return None
    assessment = RiskAssessment.objects.filter(group=req.group, activity=activity,
                                               signed_off_at__isnull=False).first()
    if assessment is None or assessment.readings.filter(
            person=person, version=assessment.signed_off_at).exists():
        return None
    return assessment


def first_of_kind(person, req) -> bool:
    """Has this volunteer never finished a task of this kind in this group?"""
    from kith.requests.models import Assignment

    activity = ACTIVITY_OF_SERVICE.get(req.service)
    services = [s for s, a in ACTIVITY_OF_SERVICE.items() if a == activity]
    return not Assignment.objects.filter(volunteer=person, request__group=req.group,
                                         request__service__in=services,
                                         end=Assignment.End.DONE).exists()


@transaction.atomic
def do_confirm_read(assessment: RiskAssessment, *, acting_user) -> RiskReading:
    """They read the version signed off now (one row per person, its version updated)."""
    reading, made = RiskReading.objects.select_for_update().get_or_create(
        assessment=assessment, person=acting_user,
        defaults={"version": assessment.signed_off_at})
    if made or reading.version != assessment.signed_off_at:
        old = None if made else {"version": _plain(reading.version)}
        reading.version, reading.read_at = assessment.signed_off_at, timezone.now()
        reading.save(update_fields=["version", "read_at"])
        log_action("kith.risk.read", actor=acting_user, group=assessment.group, obj=assessment,
                   old=old, new={"activity": assessment.activity,
                                 "version": _plain(assessment.signed_off_at)})
    return reading


# --- the sweep


def remind_reviews(now=None) -> int:
    """Tell the coordinators (and the owner) once per review date that it has come."""
    today = timezone.localdate(now or timezone.now())
    reminded = 0
    for assessment in RiskAssessment.objects.filter(review_by__lte=today).select_related(
            "group", "owner"):
        if assessment.reminded_for == assessment.review_by:
            continue
        with transaction.atomic():
            if not RiskAssessment.objects.filter(pk=assessment.pk).exclude(
                    reminded_for=assessment.review_by).update(reminded_for=assessment.review_by):
                continue  # another sweep got there first
            people = notify.people_with_roles(assessment.group, "coordinator")
            if assessment.owner and assessment.owner not in people:
                people.append(assessment.owner)
            notify.send_later(people, group=assessment.group,
                              subject=_("Time to review a risk assessment"),
                              template="safety/email/risk_review.txt",
                              context={"assessment": assessment, "link": site_url(reverse(
                                  "safety:risk_edit",
                                  args=[assessment.group.slug, assessment.activity]))})
            log_action("kith.risk.review_reminded", actor=None, group=assessment.group,
                       obj=assessment, new={"review_by": assessment.review_by.isoformat()})
            reminded += 1
    return reminded
