"""The demo's safety: Golborne Road's risk assessments (from Kith's starting points, most
signed off by Priya, dog walking due for review, events still a draft), its prescription rule,
and Frank's dog walk under way with an open check-in, so the today page shows a volunteer out."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from kith.requests.lifecycle import ASSIGNED
from kith.safety import checkins, risk
from kith.safety.models import Activity, CheckIn, Collectors, RiskAssessment
from kith.safety.policy import do_save_policy

GROUP = "golborne-road"


def _assessments(group, priya) -> None:
    today = timezone.localdate()
    for activity in Activity.values:
        start = risk.draft(group, activity)
        review_by = today - timedelta(days=3) if activity == Activity.DOG_WALKING else (
            today + timedelta(days=300))
        assessment = risk.do_save_assessment(
            group, activity, acting_user=priya, hazards=start.hazards,
            who_harmed=start.who_harmed, controls=start.controls,
            remaining_risk=start.remaining_risk, owner=priya, review_by=review_by)
        if activity != Activity.EVENTS:
            risk.do_sign_off(assessment, acting_user=priya)


def _out_on_a_task(group) -> int:
    """Frank's dog walk: its volunteer set off ten minutes ago, back within the hour."""
    req = group.requests.filter(resident__name="Frank", state=ASSIGNED).first()
    if req is None or req.current_assignment is None:
        return 0
    volunteer = req.current_assignment.volunteer
    checkins.do_start_visit(req, acting_user=volunteer, minutes=60,
                            now=timezone.now() - timedelta(minutes=10))
    return 1


def load_safety(ctx) -> str:
    group, priya = ctx.groups[GROUP], ctx.people["priya"]
    if RiskAssessment.objects.filter(group=group).exists():
        return "safety already there"
    _assessments(group, priya)
    do_save_policy(group, acting_user=priya, visit_minutes=60, grace_minutes=20,
                   prescriptions=Collectors.VETTED, controlled_drugs=Collectors.KNOWN)
    out = _out_on_a_task(group)
    count = RiskAssessment.objects.filter(group=group).count()
    return (f"{count} risk assessments, "
            f"{CheckIn.objects.filter(group=group).count() if out else 0} volunteer out on a task")
