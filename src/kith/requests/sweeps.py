"""The scheduled sweep (`kith tick`, every few minutes from cron or a systemd timer).

Each step is idempotent and does its own transactions, so a sweep that stops half way, or
two that overlap, leave nothing half done: reminders for overdue tasks, then their return to
matching; work still held by someone whose role has ended; missed check-ups to coordinators;
check-in calls for residents at risk (both in check_ups.py); the next visits of regular help;
volunteers' missed safety check-ins and risk assessments due for review (kith.safety); last,
personal data past its group's retention schedule (kith.retention).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.requests import check_ups, notify
from kith.requests.models import Assignment, RequestPolicy
from kith.requests.moves import add_event


def remind_and_release(now) -> tuple[int, int]:
    from kith.requests.services import release

    reminded = released = 0
    overdue = Assignment.objects.filter(ended_at__isnull=True, due_by__lt=now).select_related(
        "request__group", "request__resident", "volunteer")
    for assignment in overdue:
        req = assignment.request
        grace = timedelta(hours=RequestPolicy.for_group(req.group).reminder_grace_hours)
        if assignment.reminded_at is None:
            with transaction.atomic():
                if Assignment.objects.filter(pk=assignment.pk, reminded_at__isnull=True).update(
                        reminded_at=now):
                    add_event(req, "reminder_sent", actor=None, note=str(assignment.volunteer))
                    notify.reminder(assignment)
                    reminded += 1
        elif assignment.reminded_at + grace <= now and release(req, assignment, now):
            released += 1
    return reminded, released


def take_back_stranded(now) -> int:
    """Work still held by someone who no longer stands in the role: no volunteer membership in
    its group any more, left, or on a break. Every service that ends a role takes the work back
    itself (handover.py); this catches what a race or a path that forgot left behind (the pages
    are shut already: the grants ask on each request). Returns the people it acted for."""
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef, Q

    from kith.groups.models import Group, Membership
    from kith.matching.models import Offer
    from kith.requests.handover import take_back_work
    from kith.runs.models import Route, Stop
    from kith.runs.services import UNDELIVERED
    from kith.volunteers.models import VolunteerProfile

    def stranded(queryset, person: str, group: str):
        in_role = Exists(Membership.objects.filter(person=OuterRef(person), group=OuterRef(group),
                                                   is_volunteer=True))
        status = f"{person}__volunteer__status"
        paused = Q(**{status: VolunteerProfile.Status.ON_BREAK}) & (
            Q(**{f"{person}__volunteer__break_until__isnull": True})
            | Q(**{f"{person}__volunteer__break_until__gt": timezone.localdate(now)}))
        return set(queryset.filter(~in_role | Q(**{status: VolunteerProfile.Status.LEFT}) | paused)
                   .values_list(person, group))

    pairs = (stranded(Assignment.objects.filter(ended_at__isnull=True), "volunteer",
                      "request__group")
             | stranded(Offer.objects.filter(state=Offer.State.OPEN), "volunteer", "request__group")
             | stranded(Route.objects.filter(run__state__in=UNDELIVERED, volunteer__isnull=False,
                                             stops__outcome=Stop.Outcome.PENDING),
                        "volunteer", "run__group"))
    people = get_user_model().objects.in_bulk({person for person, _group in pairs})
    groups = Group.objects.in_bulk({group for _person, group in pairs})
    acted = 0
    for person_id, group_id in sorted(pairs):
        person, group = people[person_id], groups[group_id]
        with transaction.atomic():
            acted += bool(take_back_work(person, group, acting_user=None, now=now, why=_(
                "%(person)s no longer stands in the role this needs in %(group)s.") % {
                "person": person, "group": group.name}))
    return acted


def tick(now=None) -> dict[str, int]:
    from kith.matching.offers import expire_offers, offer_waiting
    from kith.messaging.log import report_failures
    from kith.messaging.outbox import recover
    from kith.money.sweeps import delete_old_receipts, flag_non_payment
    from kith.requests.series import make_due_occurrences
    from kith.retention.sweeps import apply as apply_retention
    from kith.safeguarding.sweeps import remind_breaches
    from kith.safety import checkins, risk
    from kith.transparency.services import empty_stale_copies

    now = now or timezone.now()
    reminded, released = remind_and_release(now)
    return {
        # Volunteers out on their own first: asked, then coordinators, then safeguarding.
        **checkins.sweep(now),
        "risk_reviews_reminded": risk.remind_reviews(now),
        "reminded": reminded,
        "released": released,
        "stranded_work_taken_back": take_back_stranded(now),
        "offers_expired": expire_offers(now),
        "requests_offered": offer_waiting(now),
        "check_ups_escalated": check_ups.escalate_missed(now),
        "check_ins_booked": check_ups.book_check_ins(now),
        "occurrences_made": make_due_occurrences(now),
        # Safeguarding: a data breach with a day left of the ICO's 72 hours, once each.
        "breach_reminders": remind_breaches(now),
        # The outbox: messages a dead worker left, and failures the coordinators must hear of.
        "messages_handed_on": recover(),
        "failures_reported": report_failures(now),
        # Money: unpaid shopping to a coordinator's review; receipt photos past retention.
        "non_payment_flagged": flag_non_payment(now),
        "receipts_deleted": delete_old_receipts(now),
        # Copies of a resident's data: none kept sealed past their link's use or expiry.
        "data_copies_emptied": empty_stale_copies(now),
        # Retention: what each group's schedule says is no longer kept (kith.retention).
        **apply_retention(now),
    }
