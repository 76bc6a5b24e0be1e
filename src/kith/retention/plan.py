"""What the schedule says must go by a given moment: the one list both the sweep and the
coordinators' preview read, so the preview shows exactly what the sweep will do.

Each `Due` names its record by reference only (a request's reference, "Resident 12",
"Case S-4"): never a name, a number or an address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, Max, OuterRef, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kith.retention.schedule import RULES, Cache

REQUEST, RESIDENT, VOLUNTEER, CASE, ACCESS_LOG = ("request", "resident", "volunteer", "case",
                                                   "access_log")


@dataclass(frozen=True)
class Due:
    kind: str
    group_id: int | None
    pk: int
    reference: str
    why: str
    due_at: datetime


def _day(moment: datetime) -> str:
    """As the preview's other dates read ("8 Sep 2026"), in the reader's language."""
    return date_format(timezone.localtime(moment), "j M Y")


def _shortest(field: str):
    return next(r for r in RULES if r.field == field)


def request_details_left() -> Q:
    """A closed request still holding something to blank (so a blanked one is never due)."""
    return (Q(details__isnull=False) | ~Q(when="") | ~Q(asked_by="")
            | Q(partner_contact__isnull=False)
            | Q(Exists(_closed_callbacks_with_text()))
            | Q(Exists(_timeline_notes())) | Q(Exists(_call_notes()))
            | Q(Exists(_referrals_with_text()))
            | Q(Exists(_bags())))


def _bags():
    # A subquery, not a join: PostgreSQL will not lock rows on the nullable side of an outer
    # join, and the sweep asks this again under select_for_update.
    from kith.safety.models import Collection

    return Collection.objects.filter(request=OuterRef("pk"), bag_reference__isnull=False)


def _timeline_notes():
    """A note on the timeline: free text a handler typed, which may name the resident or say
    how they are ("her son is staying", "sounded confused")."""
    from kith.requests.models import RequestEvent

    return RequestEvent.objects.filter(request=OuterRef("pk")).exclude(note="")


def _call_notes():
    from kith.requests.models import CallAttempt

    return CallAttempt.objects.filter(callback__request=OuterRef("pk")).exclude(note="")


def _closed_callbacks_with_text():
    from kith.requests.models import Callback

    return Callback.objects.filter(request=OuterRef("pk"), closed_at__isnull=False).filter(
        Q(phone__isnull=False) | Q(note__isnull=False))


def _referrals_with_text():
    from kith.partners.models import PartnerReferral

    return PartnerReferral.objects.filter(request=OuterRef("pk")).filter(
        Q(details__isnull=False) | Q(referrer_name__isnull=False)
        | Q(referrer_contact__isnull=False) | Q(consent_given_by_name__isnull=False))


def requests_due(until, periods: Cache, group_ids=None) -> list[Due]:
    from kith.requests.lifecycle import FINAL
    from kith.requests.models import HelpRequest

    floor = until - _min_length("request_details_days")
    found = (HelpRequest.objects.filter(state__in=FINAL, state_changed_at__lte=floor)
             .filter(request_details_left()).select_related("group").order_by("state_changed_at",
                                                                             "pk"))
    if group_ids is not None:
        found = found.filter(group_id__in=group_ids)
    out = []
    for req in found:
        period = periods(req.group)["request_details_days"]
        due_at = req.state_changed_at + period.length
        if due_at <= until:
            out.append(Due(REQUEST, req.group_id, req.pk, req.reference, _(
                "Ended (%(state)s) on %(day)s; details are kept %(period)s after that.") % {
                "state": req.get_state_display().lower(), "day": _day(req.state_changed_at),
                "period": period.words}, due_at))
    return out


def residents_due(until, periods: Cache, group_ids=None) -> list[Due]:
    """Residents with nothing open (no open request, no callback waiting) whose last sign of
    life (recorded, a request made or moved, a call) is older than the group's period."""
    from kith.requests.lifecycle import OPEN
    from kith.requests.models import Callback, HelpRequest

    open_request = HelpRequest.objects.filter(resident=OuterRef("pk"), state__in=OPEN)
    waiting_call = Callback.objects.filter(resident=OuterRef("pk"), closed_at__isnull=True)
    found = (erasable_residents().filter(~Exists(open_request), ~Exists(waiting_call))
             .annotate(last_request=Max("requests__state_changed_at"),
                       last_call=Max("callbacks__created_at"))
             .select_related("group").order_by("pk"))
    if group_ids is not None:
        found = found.filter(group_id__in=group_ids)
    floor = until - _min_length("resident_months")
    # Coalesced: SQLite's GREATEST of anything with a NULL is NULL, PostgreSQL's skips it.
    found = found.annotate(last=Greatest("created_at", Coalesce("last_request", "created_at"),
                                         Coalesce("last_call", "created_at"))).filter(
        last__lte=floor)
    out = []
    for resident in found:
        last = max(t for t in (resident.created_at, resident.last_request, resident.last_call)
                   if t is not None)
        period = periods(resident.group)["resident_months"]
        due_at = last + period.length
        if due_at <= until:
            out.append(Due(RESIDENT, resident.group_id, resident.pk,
                           _("Resident %(id)s") % {"id": resident.pk}, _(
                "Nothing open since %(day)s; residents are kept %(period)s after that.") % {
                "day": _day(last), "period": period.words}, due_at))
    return out


def volunteers_due(until, periods: Cache, group_ids=None) -> list[Due]:
    """People who left volunteering and hold no role anywhere now, from the day they left
    (the audit row `kith.volunteer.left`; the group it names sets the period)."""
    from kith.core.models import AuditEvent
    from kith.groups.models import Group, Membership

    left = (AuditEvent.objects.filter(action="kith.volunteer.left",
                                      object_type="volunteers.volunteerprofile")
            .values("object_id").annotate(at=Max("created_at")))
    at_by_profile = {int(row["object_id"]): row["at"] for row in left}
    profiles = (erasable_volunteers().filter(pk__in=at_by_profile)
                .exclude(Exists(Membership.objects.filter(person=OuterRef("person"))))
                .order_by("pk"))
    groups_by_profile: dict[int, set[int]] = {}
    for object_id, group_id in AuditEvent.objects.filter(
            action="kith.volunteer.left", object_type="volunteers.volunteerprofile",
            object_id__in=[str(p.pk) for p in profiles]).values_list("object_id", "group_id"):
        if group_id is not None:
            groups_by_profile.setdefault(int(object_id), set()).add(group_id)
    groups = Group.objects.in_bulk({g for gs in groups_by_profile.values() for g in gs})
    out = []
    for profile in profiles:
        left_groups = [groups[g] for g in sorted(groups_by_profile.get(profile.pk, ()))]
        if group_ids is not None and not set(g.pk for g in left_groups) & set(group_ids):
            continue
        period = _kept_after_leaving(left_groups, periods)
        due_at = at_by_profile[profile.pk] + period.length
        if due_at <= until:
            out.append(Due(VOLUNTEER, left_groups[0].pk if left_groups else None, profile.pk,
                           _("Volunteer %(id)s") % {"id": profile.pk}, _(
                "Left on %(day)s; volunteers who left are kept %(period)s.") % {
                "day": _day(at_by_profile[profile.pk]), "period": period.words},
                due_at))
    return out


def _kept_after_leaving(left_groups, periods: Cache):
    """Left several groups at once: the longest of their periods, so none is cut short."""
    from kith.retention.schedule import Period

    candidates = [periods(g)["volunteer_days"] for g in left_groups]
    if not candidates:
        rule = _shortest("volunteer_days")
        candidates = [Period(rule, rule.default, None)]
    return max(candidates, key=lambda p: p.length)


def volunteer_erased_after(profile) -> datetime | None:
    """When the sweep will erase a volunteer who left (None if they have not left), for
    telling them on the page they see after leaving."""
    from kith.core.models import AuditEvent
    from kith.groups.models import Group

    left = AuditEvent.objects.filter(action="kith.volunteer.left",
                                     object_type="volunteers.volunteerprofile",
                                     object_id=str(profile.pk))
    at = left.aggregate(at=Max("created_at"))["at"]
    if at is None:
        return None
    groups = list(Group.objects.filter(pk__in=left.values("group_id")).order_by("pk"))
    return at + _kept_after_leaving(groups, Cache()).length


def case_details_left() -> Q:
    from kith.safeguarding.models import CaseAction, CaseTold

    return (Q(what_happened__isnull=False) | Q(contact__isnull=False) | Q(victim__isnull=False)
            | Q(triage_note__isnull=False) | Q(outcome__isnull=False)
            | Q(prevention__isnull=False) | Q(prevention_owner__isnull=False)
            | ~Q(ico_why_not="")
            | Q(Exists(CaseAction.objects.filter(case=OuterRef("pk"), what__isnull=False)))
            | Q(Exists(CaseTold.objects.filter(case=OuterRef("pk")).exclude(note=""))))


def cases_due(until, periods: Cache, group_ids=None) -> list[Due]:
    from kith.safeguarding.models import Case

    floor = until - _min_length("safeguarding_years")
    found = (Case.objects.filter(state=Case.State.CLOSED, closed_at__lte=floor)
             .filter(case_details_left()).select_related("group").order_by("closed_at", "pk"))
    if group_ids is not None:
        found = found.filter(group_id__in=group_ids)
    out = []
    for case in found:
        if case.closed_at is None:  # a closed case always has its time (a constraint)
            continue
        period = periods(case.group)["safeguarding_years"]
        due_at = case.closed_at + period.length
        if due_at <= until:
            out.append(Due(CASE, case.group_id, case.pk, f"S-{case.pk}", _(
                "Closed on %(day)s; the group's policy keeps case details %(period)s.") % {
                "day": _day(case.closed_at), "period": period.words}, due_at))
    return out


def access_log_due(until, periods: Cache, group_ids=None) -> dict[int, tuple[int, str]]:
    """{group id: (lines, why)} of the access log past the group's period."""
    from kith.core.models import PersonalDataAccess
    from kith.groups.models import Group

    floor = until - _min_length("access_log_months")
    group_pks = set(PersonalDataAccess.objects.filter(created_at__lte=floor)
                    .values_list("group_id", flat=True).distinct())
    if group_ids is not None:
        group_pks &= set(group_ids)
    out = {}
    for group in Group.objects.filter(pk__in=group_pks):
        period = periods(group)["access_log_months"]
        n = PersonalDataAccess.objects.filter(group=group,
                                              created_at__lte=until - period.length).count()
        if n:
            out[group.pk] = (n, _("Lines older than %(period)s.") % {"period": period.words})
    return out


def _min_length(field: str):
    """The shortest period any group can choose: records younger than it are never due."""
    from kith.retention.schedule import as_timedelta

    rule = _shortest(field)
    return as_timedelta(rule, rule.low)


def erasable_residents():
    """Residents not erased yet: the erasure log names each one erased (by id), and the row
    stays, anonymised, so without this the sweep would find them again every run."""
    from kith.erasure.models import Erasure
    from kith.residents.models import Resident

    return Resident.objects.exclude(Exists(Erasure.objects.filter(
        kind=Erasure.Kind.RESIDENT, subject_id=OuterRef("pk"))))


def erasable_volunteers():
    from kith.erasure.models import Erasure
    from kith.volunteers.models import VolunteerProfile

    return VolunteerProfile.objects.filter(status=VolunteerProfile.Status.LEFT).exclude(
        Exists(Erasure.objects.filter(kind=Erasure.Kind.VOLUNTEER,
                                      subject_id=OuterRef("person_id"))))
