"""The retention step of the scheduled sweep (requests/sweeps.tick calls `apply`).

Idempotent: each record is acted on in its own transaction, only while it still holds
something the schedule says must go (plan.py's conditions, asked again under a row lock), so
a second run finds nothing and writes nothing. What it did is audited per group as counts,
never as names or references: the audit trail must not become a list of the people it forgot.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from kith.core.audit import log_action
from kith.retention import plan
from kith.retention.schedule import Cache

# The keys of the counts tick() reports and the audit row holds.
ANONYMISED = "requests_anonymised"
RESIDENTS_ERASED = "residents_erased"
RESIDENTS_HELD = "residents_held"
VOLUNTEERS_ERASED = "volunteers_erased"
VOLUNTEERS_HELD = "volunteers_held"
CASES_ANONYMISED = "cases_anonymised"
ACCESS_DELETED = "access_log_lines_deleted"
KEYS = (ANONYMISED, RESIDENTS_ERASED, RESIDENTS_HELD, VOLUNTEERS_ERASED, VOLUNTEERS_HELD,
        CASES_ANONYMISED, ACCESS_DELETED)
# Held people are counted but are not a change: a run that finds only them writes nothing.
CHANGES = frozenset(KEYS) - {RESIDENTS_HELD, VOLUNTEERS_HELD}


def anonymise_request(pk: int) -> bool:
    """Blank a closed request's sealed and free-text details, and those of its finished
    calls, timeline notes, partner referral and prescription bag; keep the row, its state,
    service, dates and timeline's moves, so every count and figure stays right. False if
    nothing was left to blank."""
    from kith.partners.models import PartnerReferral
    from kith.requests.lifecycle import FINAL
    from kith.requests.models import CallAttempt, Callback, HelpRequest, RequestEvent
    from kith.safety.models import Collection

    req = (HelpRequest.objects.select_for_update().filter(pk=pk, state__in=FINAL)
           .filter(plan.request_details_left()).first())
    if req is None:  # blanked already, or reopened since the plan was made
        return False
    req.details = None
    req.when = ""
    req.asked_by = ""
    req.partner_contact = None
    req.save(update_fields=["details", "when", "asked_by", "partner_contact"])
    Callback.objects.filter(request=req, closed_at__isnull=False).update(phone=None, note=None)
    # The timeline's and the calls' notes are append-only evidence, so the ORM refuses to edit
    # them; retention blanks their words here (the moves, who and when stay), past the period.
    QuerySet(model=RequestEvent).filter(request=req).exclude(note="").update(note="")
    QuerySet(model=CallAttempt).filter(callback__request=req).exclude(note="").update(note="")
    PartnerReferral.objects.filter(request=req).update(
        details=None, referrer_name=None, referrer_contact=None, consent_given_by_name=None)
    Collection.objects.filter(request=req).update(bag_reference=None)
    return True


def anonymise_case(pk: int) -> bool:
    """Blank a closed case's details; its kind, dates, risk and who acted stay, so the
    safeguarding figures and the ICO's dates stay right."""
    from kith.safeguarding.models import Case, CaseAction, CaseTold

    case = (Case.objects.select_for_update().filter(pk=pk, state=Case.State.CLOSED)
            .filter(plan.case_details_left()).first())
    if case is None:
        return False
    case.what_happened = case.contact = case.victim = None
    # Sealed: None is empty. Who sees to the prevention is written freely too (a name).
    case.triage_note = case.outcome = case.prevention = case.prevention_owner = None
    case.ico_why_not = ""
    case.save(update_fields=["what_happened", "contact", "victim", "triage_note", "outcome",
                             "prevention", "prevention_owner", "ico_why_not"])
    CaseAction.objects.filter(case=case).update(what=None)
    CaseTold.objects.filter(case=case).update(note="")
    return True


def delete_access_lines(group_id: int, before) -> int:
    """The access log is append-only evidence, so the ORM refuses to delete it; retention is the
    one place that may, by the schedule and only past it."""
    from kith.core.models import PersonalDataAccess

    old = PersonalDataAccess.objects.filter(group_id=group_id, created_at__lte=before)
    return old._raw_delete(old.db)


def _erase(kind: str, pk: int) -> str:
    """'erased', 'held' or 'gone'. The erasure app does the erasing, everywhere, and says
    when a legal hold (an open safeguarding case, money still owed) stops it."""
    from kith.erasure import services as erasure
    from kith.erasure.models import Erasure

    why = Erasure.Why.RETENTION
    try:
        if kind == plan.RESIDENT:
            from kith.residents.models import Resident

            resident = plan.erasable_residents().filter(pk=pk).first()
            if not isinstance(resident, Resident):
                return "gone"
            erasure.erase_resident(resident, by=None, why=why)
        else:
            profile = plan.erasable_volunteers().filter(pk=pk).select_related("person").first()
            if profile is None:
                return "gone"
            erasure.erase_volunteer(profile.person, by=None, why=why)
    except erasure.OnHold:
        return "held"
    return "erased"


def apply(now=None) -> dict[str, int]:
    """Everything due by `now`, group by group; one audit row of counts per group that
    changed."""
    now = now or timezone.now()
    periods = Cache()
    per_group: dict[int | None, Counter] = defaultdict(Counter)
    for due in plan.requests_due(now, periods):
        with transaction.atomic():
            if anonymise_request(due.pk):
                per_group[due.group_id][ANONYMISED] += 1
    for due in plan.cases_due(now, periods):
        with transaction.atomic():
            if anonymise_case(due.pk):
                per_group[due.group_id][CASES_ANONYMISED] += 1
    for due in [*plan.residents_due(now, periods), *plan.volunteers_due(now, periods)]:
        resident = due.kind == plan.RESIDENT
        outcome = _erase(due.kind, due.pk)
        if outcome == "erased":
            per_group[due.group_id][RESIDENTS_ERASED if resident else VOLUNTEERS_ERASED] += 1
        elif outcome == "held":  # an open case, money owed: kept, and counted, until settled
            per_group[due.group_id][RESIDENTS_HELD if resident else VOLUNTEERS_HELD] += 1
    for group_id, (_n, _why) in plan.access_log_due(now, periods).items():
        from kith.groups.models import Group

        group = Group.objects.get(pk=group_id)
        with transaction.atomic():
            per_group[group_id][ACCESS_DELETED] += delete_access_lines(
                group_id, now - periods(group)["access_log_months"].length)
    return _audit(per_group)


def _audit(per_group: dict[int | None, Counter]) -> dict[str, int]:
    from kith.groups.models import Group

    totals: Counter = Counter()
    groups = Group.objects.in_bulk([g for g in per_group if g is not None])
    for group_id, counts in per_group.items():
        totals.update(counts)
        if not any(counts[key] for key in CHANGES):
            continue
        with transaction.atomic():
            log_action("kith.retention.swept", actor=None, group=groups.get(group_id),
                       new={key: counts[key] for key in KEYS if counts[key]})
    return {f"retention_{key}": totals[key] for key in KEYS}

