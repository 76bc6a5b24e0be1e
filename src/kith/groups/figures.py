"""Aggregate figures for dashboards: counts only, never anyone's details.

A parent sees each child's totals (the child and everything below it): one query per level
of the tree (at most five) plus four, however many groups there are.

"Signposted this month" counts the people (their requests) pointed to a local service
(signposting app) since the first of the month, local time, however many services each was
given; the group's own figures name its most used services, each counted once per time it
was named, and nothing else.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time

from django.db.models import Count, Q
from django.utils import timezone

from kith.groups.models import Group, Membership
from kith.groups.roles import ROLE_NAMES


@dataclass
class Figures:
    members: int = 0
    roles: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLE_NAMES, 0))
    residents: int = 0
    signposted: int = 0  # requests signposted this month: people, not services
    # The services signposted to most this month, (name, times), most first: own figures only.
    top_services: list[tuple[str, int]] = field(default_factory=list)

    def add(self, other: Figures) -> None:
        self.members += other.members
        self.residents += other.residents
        self.signposted += other.signposted
        for role, n in other.roles.items():
            self.roles[role] += n


def _own_figures(group_ids: list[int]) -> dict[int, Figures]:
    from kith.residents.models import Resident

    out = {gid: Figures() for gid in group_ids}
    role_counts = {f"n_{role}": Count("id", filter=Q(**{f"is_{role}": True})) for role in ROLE_NAMES}
    rows = (
        Membership.objects.filter(group_id__in=group_ids)
        .values("group_id")
        .annotate(n=Count("id"), **role_counts)
    )
    for row in rows:
        fig = out[row["group_id"]]
        fig.members = row["n"]
        fig.roles = {role: row[f"n_{role}"] for role in ROLE_NAMES}
    residents = Counter(
        dict(
            Resident.objects.filter(group_id__in=group_ids)
            .values_list("group_id")
            .annotate(n=Count("id"))
            .values_list("group_id", "n")
        )
    )
    for gid, n in residents.items():
        out[gid].residents = n
    for gid, n in _signposted(group_ids).items():
        out[gid].signposted = n
    return out


TOP_SERVICES = 5


def month_start(now: datetime | None = None) -> datetime:
    """Midnight on the first of this month, local time: "this month" on the dashboard."""
    today = timezone.localdate(now)
    return timezone.make_aware(datetime.combine(today.replace(day=1), time.min))


def _signposted(group_ids: list[int]) -> Counter:
    from kith.signposting.models import Signposting

    return Counter(dict(
        Signposting.objects.filter(group_id__in=group_ids, created_at__gte=month_start())
        .values_list("group_id").annotate(n=Count("request", distinct=True))
        .values_list("group_id", "n")))


def top_services(group: Group, limit: int = TOP_SERVICES) -> list[tuple[str, int]]:
    """The services this group signposted to most this month, most first, ties by name."""
    from kith.signposting.models import Signposting

    rows = (Signposting.objects.filter(group=group, created_at__gte=month_start())
            .values("service__name", "service__organisation")
            .annotate(n=Count("id")).order_by("-n", "service__name", "service__organisation"))
    return [(f"{r['service__name']} ({r['service__organisation']})", r["n"])
            for r in rows[:limit]]


def figures_with_children(group: Group) -> tuple[Figures, list[tuple[Group, Figures]]]:
    """This group's own figures, and one rolled-up row per direct child."""
    below = Group.objects.filter(pk__in=group.descendant_ids()).only("id", "parent_id", "name",
                                                                     "slug", "kind")
    nodes = {g.pk: g for g in below}
    own = _own_figures([group.pk, *nodes])
    totals = {gid: Figures() for gid in nodes}

    def child_of_group(gid: int) -> int:
        # Walk up until the parent is `group`: that's the child this row rolls into.
        node = nodes[gid]
        while node.parent_id != group.pk:
            node = nodes[node.parent_id]
        return node.pk

    for gid in nodes:
        totals[child_of_group(gid)].add(own[gid])
    own[group.pk].top_services = top_services(group) if own[group.pk].signposted else []
    children = sorted((nodes[gid] for gid in nodes if nodes[gid].parent_id == group.pk),
                      key=lambda g: g.name)
    return own[group.pk], [(child, totals[child.pk]) for child in children]
