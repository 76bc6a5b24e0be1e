"""Hand-over safety: when a volunteer's role changes, the work they may no longer hold goes
back, in the same transaction as the change.

The ways out, each of which calls take_back_work() once its own change is made (so the rules
see the new state): a coordinator removes them or drops their volunteer role
(groups.services), they leave or take a break, a check is withdrawn, their approval is
withdrawn or the group's policy asks for a check they lack (volunteers.services), or they are
excluded (exclusions.exclude_volunteer).

take_back_work() asks `volunteers.policy.may_hold()` for each task, offer and route they
have, and returns only what fails it, so a break or a lost check takes back exactly what it
touches (a DBS check withdrawn returns prescriptions, not the shopping):

- a task they hold goes back to matching: a "take_back" move with `why` on the timeline, its
  audit row, and the coordinators emailed once it commits (the sweep's release, reused);
- an open offer is withdrawn (if it was the last one open in its round, the round widens);
- a route on a run not yet delivered is vacated and flagged on the run's page, where a
  coordinator swaps someone in;
- task and route grants end by themselves: the task page, the route page, its sheet and the
  offer page ask may_hold() on every request, so even a path that forgets this cannot leak.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from kith.requests.models import Assignment

if TYPE_CHECKING:
    from kith.volunteers.policy import Facts


@dataclass
class TakenBack:
    """What went back: request references, offers withdrawn and routes vacated."""

    tasks: list[str] = field(default_factory=list)
    offers: int = 0
    routes: int = 0
    regulars: int = 0  # regular help (series) no longer theirs

    def __bool__(self) -> bool:
        return bool(self.tasks or self.offers or self.routes or self.regulars)


class _Standing:
    """may_hold() for one person, reading each group's facts once."""

    def __init__(self, person):
        self.person = person
        self.facts: dict[int, Facts] = {}
        self.today = timezone.localdate()

    def holds(self, group, service: str) -> bool:
        from kith.volunteers.policy import facts_for, reasons_not_to_hold

        if group.pk not in self.facts:
            self.facts[group.pk] = facts_for(self.person, group)
        return not reasons_not_to_hold(self.facts[group.pk], service, self.today)


@transaction.atomic
def take_back_work(person, group=None, *, why: str, acting_user, now=None) -> TakenBack:
    """Take back whatever `person` may no longer hold, in `group` (or in every group when
    None; the rules decide per item, so a wider look only costs time). `why` is a sentence
    for the timeline, the run's page and the audit rows ("George Hill left Golborne Road.").
    Call it inside the transaction that changed their role, after the change."""
    from kith.matching import offers
    from kith.matching.models import Offer
    from kith.requests import services
    from kith.runs import services as runs

    now = now or timezone.now()
    standing, taken = _Standing(person), TakenBack()
    group_ids = None if group is None else [group.pk]
    held = Assignment.objects.filter(volunteer=person, ended_at__isnull=True)
    open_offers = Offer.objects.filter(volunteer=person, state=Offer.State.OPEN)
    if group_ids is not None:
        held = held.filter(request__group_id__in=group_ids)
        open_offers = open_offers.filter(request__group_id__in=group_ids)
    for assignment in held.select_related("request__group").order_by("pk"):
        req = assignment.request
        if not standing.holds(req.group, req.service) and services.take_back(
                req, assignment, actor=acting_user, note=why, now=now):
            taken.tasks.append(req.reference)
    for offer in open_offers.select_related("request__group").order_by("pk"):
        req = offer.request
        if not standing.holds(req.group, req.service) and offers.withdraw(
                offer, why=why, acting_user=acting_user, now=now):
            taken.offers += 1
    for route in runs.routes_to_vacate(person, group_ids).order_by("pk"):
        if not standing.holds(route.run.group, route.run.service) and runs.vacate_route(
                route, why=why, acting_user=acting_user):
            taken.routes += 1
    for series in _regular_for(person, group_ids):
        if not standing.holds(series.group, series.service):
            _clear_regular(series, why=why, acting_user=acting_user)
            taken.regulars += 1
    return taken


def _regular_for(person, group_ids):
    from kith.requests.models import Series

    series = Series.objects.filter(volunteer=person).select_related("group")
    return (series if group_ids is None else series.filter(group_id__in=group_ids)).order_by("pk")


def _clear_regular(series, *, why: str, acting_user) -> None:
    """The series no longer names them as its regular volunteer (its next visit would
    otherwise be assigned straight back to them): audited, and said on the timeline of each
    visit still open."""
    from kith.core.audit import log_action
    from kith.requests import lifecycle
    from kith.requests.moves import add_event

    old = series.volunteer_id
    series.volunteer = None
    series.save(update_fields=["volunteer"])
    log_action("kith.series.volunteer_cleared", actor=acting_user, group=series.group,
               obj=series, old={"volunteer": old}, new={"volunteer": None, "reason": why})
    for req in series.occurrences.exclude(state__in=lifecycle.FINAL):
        add_event(req, "regular_cleared", actor=acting_user,
                  note=f"No longer their regular volunteer: {why}")


def holders_in(group) -> set[int]:
    """Everyone holding a task, an open offer or a route not yet delivered in `group` (for
    a change that touches the whole group: its vetting policy)."""
    from kith.matching.models import Offer
    from kith.runs.models import Route, Stop
    from kith.runs.services import UNDELIVERED

    return (set(Assignment.objects.filter(request__group=group, ended_at__isnull=True)
                .values_list("volunteer_id", flat=True))
            | set(Offer.objects.filter(request__group=group, state=Offer.State.OPEN)
                  .values_list("volunteer_id", flat=True))
            | set(Route.objects.filter(run__group=group, run__state__in=UNDELIVERED,
                                       volunteer__isnull=False,
                                       stops__outcome=Stop.Outcome.PENDING)
                  .values_list("volunteer_id", flat=True)))
