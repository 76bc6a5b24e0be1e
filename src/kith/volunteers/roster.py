"""The coordinators' list of a group's volunteers: rows, filters, load and sorting.

Filtering happens in Python over the group's own volunteers (a few hundred at most): the
services and availability are JSON lists, and "contains" on JSON is not portable to SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from kith.groups.catalogue import SERVICE_LABELS
from kith.groups.models import Group, Membership
from kith.volunteers.forms import SLOT_LABELS
from kith.volunteers.models import Vetting, VolunteerProfile
from kith.volunteers.policy import on_break

LOAD_DAYS = 30
IDLE_AFTER = timedelta(days=30)
NO_EMAIL = "no_email"  # the status filter's "No email yet": people to ring
NO_AREA = "none"  # the area filter's "Not known": no postcode yet (one the import could not place)


@dataclass
class Row:
    membership: Membership
    profile: VolunteerProfile | None
    vetting: Vetting | None
    load: int = 0  # tasks in the last LOAD_DAYS days

    @property
    def person(self):
        return self.membership.person

    @property
    def approved(self) -> bool:
        return self.vetting is not None and self.vetting.is_approved

    @property
    def status(self) -> str:
        """active, on_break, left or no_profile."""
        if self.profile is None:
            return "no_profile"
        if on_break(self.profile.status, self.profile.break_until, timezone.localdate()):
            return "on_break"
        if self.profile.status == VolunteerProfile.Status.LEFT:
            return "left"
        return "active"

    @property
    def status_label(self) -> str:
        return {"no_profile": "No profile yet", "on_break": "Taking a break", "left": "Left",
                "active": "Active"}[self.status]

    @property
    def waits_for_call(self) -> bool:
        """Imported with a phone number only: no email, no sign-in yet; a coordinator rings."""
        return not self.person.email

    @property
    def on_duty(self) -> bool:
        return self.status == "active" and self.profile is not None and self.profile.on_duty

    @property
    def last_active_at(self) -> datetime | None:
        return self.profile.last_active_at if self.profile else None

    @property
    def idle(self) -> bool:
        last = self.last_active_at
        return last is None or timezone.now() - last > IDLE_AFTER

    @property
    def overworked(self) -> bool:
        """More tasks in 30 days than their weekly most, kept up for the month."""
        return self.profile is not None and self.load > self.profile.weekly_cap * LOAD_DAYS / 7

    @property
    def services(self) -> list[str]:
        return [SERVICE_LABELS.get(s, s) for s in (self.profile.services if self.profile else [])]

    @property
    def availability(self) -> list[str]:
        return [SLOT_LABELS.get(s, s) for s in (self.profile.availability if self.profile else [])]


def load_last_30_days(group: Group, person_ids: list[int]) -> dict[int, int]:
    """How many tasks each volunteer took on for `group` in the last LOAD_DAYS days
    (assignments, whether done, in hand or given back: each was their time)."""
    from django.db.models import Count

    from kith.requests.models import Assignment

    since = timezone.now() - timedelta(days=LOAD_DAYS)
    counts = dict(Assignment.objects.filter(request__group=group, volunteer_id__in=person_ids,
                                            assigned_at__gte=since)
                  .values_list("volunteer_id").annotate(n=Count("id")).values_list("volunteer_id", "n"))
    return {pk: counts.get(pk, 0) for pk in person_ids}


def load_sort_key(row: Row) -> tuple:
    """Busiest first when sorted ascending: highest load, then longest since last active."""
    last = row.last_active_at
    return (-row.load, last.timestamp() if last else 0.0, str(row.person).casefold())


def idle_sort_key(row: Row) -> tuple:
    """Least busy first: lowest load, then longest since last active."""
    last = row.last_active_at
    return (row.load, last.timestamp() if last else 0.0, str(row.person).casefold())


def rows_for(group: Group) -> list[Row]:
    memberships = list(group.memberships.filter(is_volunteer=True)
                       .select_related("person", "person__volunteer"))
    vettings = {v.person_id: v for v in Vetting.objects.filter(group=group)}
    loads = load_last_30_days(group, [m.person_id for m in memberships])
    rows = []
    for membership in memberships:
        profile = getattr(membership.person, "volunteer", None)
        rows.append(Row(membership, profile, vettings.get(membership.person_id),
                        loads.get(membership.person_id, 0)))
    return rows


def areas(rows: list[Row]) -> list[str]:
    return sorted({r.person.postcode_sector for r in rows if r.person.postcode_sector})


def _in_status(row: Row, choice: str) -> bool:
    if choice == "on_duty":
        return row.on_duty
    if choice == NO_EMAIL:
        return row.waits_for_call
    return row.status == choice


def _active_within(row: Row, choice: str) -> bool:
    last = row.last_active_at
    if choice == "idle":
        return row.idle
    return last is not None and timezone.now() - last <= timedelta(days=int(choice))


def apply(rows: list[Row], filters: dict[str, str]) -> list[Row]:
    """Keep the rows matching every filter given; sort as asked (by name unless told)."""
    tests = {
        "service": lambda r, v: r.profile is not None and v in r.profile.services,
        "area": lambda r, v: r.person.postcode_sector == ("" if v == NO_AREA else v),
        "slot": lambda r, v: r.profile is not None and v in r.profile.availability,
        "vetting": lambda r, v: r.approved == (v == "approved"),
        "status": _in_status,
        "active": _active_within,
    }
    kept = [r for r in rows if all(tests[k](r, v) for k, v in filters.items() if k in tests)]
    by_name = sorted(kept, key=lambda r: str(r.person).casefold())
    sort = filters.get("sort", "name")
    if sort == "busiest":
        return sorted(by_name, key=load_sort_key)
    if sort == "idlest":
        return sorted(by_name, key=idle_sort_key)
    if sort == "recent":
        return sorted(by_name, key=lambda r: -(r.last_active_at.timestamp()
                                               if r.last_active_at else 0.0))
    return by_name
