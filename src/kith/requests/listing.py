"""The coordinators' request list as a working tool: filters, search, sort and the rows.

Filters arrive as a cleaned form (`RequestFilterForm`); the state comes from the tabs.
Everything here is a query on the group's own requests; the view only pages and draws it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from kith.requests import lifecycle
from kith.requests.intake import normalise_reference
from kith.requests.models import Assignment, HelpRequest

# How the list can be ordered; soonest deadline first by default, requests with no deadline
# after those with one, oldest first among equals.
SORTS = {
    "deadline": [F("needed_by").asc(nulls_last=True), "created_at", "id"],
    "newest": ["-created_at", "-id"],
    "oldest": ["created_at", "id"],
}


def _filters(data: dict) -> Q:
    q = Q()
    for field in ("service", "urgency", "channel"):
        if data.get(field):
            q &= Q(**{field: data[field]})
    if data.get("area"):
        q &= Q(resident__postcode_sector=data["area"])
    if data.get("volunteer"):
        q &= Q(assignments__volunteer_id=data["volunteer"])
    if data.get("holder") == "nobody":  # the today page's "nobody has it yet"
        q &= Q(state__in=lifecycle.UNASSIGNED)
    if data.get("offers"):
        q &= stalled(data["offers"])
    return q


def stalled(why: str) -> Q:
    """Requests Kith has stopped offering by itself, by why (the today page counts the same):
    "ran_out" offered and nobody took it; "no_address" help at the door with no address, so
    never offered; "nobody" never offered, nobody suitable."""
    from kith.groups.catalogue import AT_HOME
    from kith.matching.offers import ROUNDS

    q = Q(state=lifecycle.MATCHING, offer_rounds__gte=ROUNDS)
    offered = Q(offers__isnull=False)
    no_address = Q(service__in=AT_HOME, resident__address__isnull=True)
    if why == "ran_out":
        return q & Q(pk__in=HelpRequest.objects.filter(offered).values("pk"))
    never = q & ~Q(pk__in=HelpRequest.objects.filter(offered).values("pk"))
    return never & (no_address if why == "no_address" else ~no_address)


def matching(group, data: dict, term: str) -> QuerySet[HelpRequest]:
    """The group's requests that pass every filter but the state (the tabs count by state)."""
    base = HelpRequest.objects.filter(group=group).filter(_filters(data))
    if term:
        base = base.filter(Q(reference=normalise_reference(term)) | Q(resident__name__icontains=term))
    return base.distinct() if data.get("volunteer") else base


def _helpers() -> Prefetch:
    """Who has it, or who did it: open assignments and finished ones, newest first."""
    kept = Assignment.objects.filter(Q(ended_at__isnull=True) | Q(end=Assignment.End.DONE))
    return Prefetch("assignments", to_attr="helpers",
                    queryset=kept.select_related("volunteer").order_by("-assigned_at"))


@dataclass(frozen=True)
class Row:
    """What one line of the table shows, worked out here: the template draws fifty of these
    a page, and each lookup, filter and tag it runs per row costs more than doing it once in
    Python (bench/load_site.py: the rows were most of the page's time)."""

    request: HelpRequest
    href: str
    first_name: str
    service: str
    area: str
    state_label: str
    needed_iso: str  # "" when the resident said any time
    needed_text: str
    volunteer: str


def rows_for(queryset: QuerySet[HelpRequest], states, sort: str) -> QuerySet[HelpRequest]:
    return (queryset.filter(state__in=states).select_related("resident")
            .prefetch_related(_helpers()).order_by(*SORTS.get(sort, SORTS["deadline"])))


TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr"}


def short_name(name: str) -> str:
    """The name a list needs: "Amina" for "Amina Ahmed", but "Mrs Ahmed" stays whole."""
    words = name.split()
    if not words:
        return ""
    return " ".join(words[:2]) if words[0].rstrip(".").casefold() in TITLES else words[0]


def row(req: HelpRequest, group_slug: str) -> Row:
    helper = req.helpers[0].volunteer if req.helpers else None
    needed = timezone.localtime(req.needed_by) if req.needed_by else None
    return Row(req, reverse("requests:detail", args=[group_slug, req.reference]),
               short_name(req.resident.name), req.get_service_display(),
               req.resident.postcode_sector, lifecycle.STATE_LABELS.get(req.state, req.state),
               needed.isoformat() if needed else "",
               date_format(needed, "D j M H:i") if needed else "", str(helper) if helper else "")
