"""Batch matching in a group: propose a volunteer for every waiting request at once (the
least total distance within everyone's weekly limit, batch.py), let a coordinator review it,
then offer each request to its proposed volunteer.

The proposal is not stored: the page carries the ticked pairs back, and each is checked
again (still waiting, volunteer still allowed) as it is offered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from kith.groups.catalogue import SERVICE_LABELS
from kith.matching import batch, core, offers
from kith.matching.adapter import group_volunteers
from kith.requests import lifecycle, visits
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import HelpRequest, RequestPolicy
from kith.volunteers.policy import reason_text, request_reasons

WAITING = (lifecycle.TRIAGED, lifecycle.MATCHING)


@dataclass
class Row:
    req: HelpRequest
    candidate: core.Candidate | None = None
    why: str = ""
    fix_url: str = ""  # where to add what is missing (the resident's edit page)

    @property
    def pair(self) -> str:
        return f"{self.req.pk}:{self.candidate.volunteer.id}" if self.candidate else ""


@dataclass
class Proposal:
    rows: list[Row] = field(default_factory=list)
    total_km: float = 0.0
    method: str = ""

    @property
    def matched(self) -> list[Row]:
        return [row for row in self.rows if row.candidate]

    @property
    def unmatched(self) -> list[Row]:
        return [row for row in self.rows if not row.candidate]


def _waiting(group):
    return list(HelpRequest.objects.filter(group=group, state__in=WAITING)
                .select_related("resident", "group").order_by("created_at"))


def propose(group) -> Proposal:
    now = timezone.now()
    policy = RequestPolicy.for_group(group)
    rows, needs = [], {}
    for req in _waiting(group):
        if visits.missing_for_visit(req):
            # Help at the door with no address: not proposed until one is added.
            rows.append(Row(req, why=visits.missing_words(req), fix_url=visits.edit_url(req)))
            continue
        need = offers.need_for(req, policy)
        rows.append(Row(req, why="" if need else "Kith doesn't know where this is: add the "
                                                  "resident's postcode.",
                        fix_url="" if need else visits.edit_url(req, "postcode")))
        if need:
            needs[req.pk] = need
    if not needs:
        return Proposal(rows)
    volunteers = group_volunteers([group.pk], now)
    result = batch.assign_batch(list(needs.values()), volunteers, weights=policy.weights(),
                                service_labels=SERVICE_LABELS)
    by_id = {v.id: v for v in volunteers}
    asked = _asked_already([row.req.pk for row in rows])
    for row in rows:
        need = needs.get(row.req.pk)
        if need is None:
            continue
        chosen = by_id.get(result.pairs.get(need.id, -1))
        if chosen is None:
            row.why = result.unassigned.get(need.id, "Nobody can take this.")
            continue
        if chosen.id in asked.get(row.req.pk, ()):
            row.why = (f"The nearest free volunteer, {chosen.name}, was asked before: offer it "
                       "from its own page, which goes to the next few.")
            continue
        held_back = request_reasons(_person(chosen.id), row.req)
        if held_back:  # this request's own rule (a prescription's collection policy)
            row.why = f"{chosen.name} {reason_text(held_back[0])}: assign it by hand."
            continue
        km = core.distance_km(chosen.home, need.place) or 0.0
        row.candidate = core.Candidate(chosen, round(km, 3), 0.0, core.explain(chosen, need, km))
    return Proposal(rows, round(result.total_m / 1000, 1), result.method)


def _asked_already(request_ids: list[int]) -> dict[int, set[int]]:
    """offers.asked_already for many requests in two queries, not two per request."""
    from kith.matching.models import Offer
    from kith.requests.models import Assignment

    asked: dict[int, set[int]] = {}
    for model in (Offer, Assignment):
        for req_id, person_id in model.objects.filter(request_id__in=request_ids).values_list(
                "request_id", "volunteer_id"):
            asked.setdefault(req_id, set()).add(person_id)
    return asked


def _person(pk: int):
    from kith.accounts.models import Person

    return Person.objects.get(pk=pk)


def _parse(pairs) -> dict[int, int]:
    chosen: dict[int, int] = {}
    for pair in pairs:
        req_id, _, person_id = str(pair).partition(":")
        if not (req_id.isascii() and req_id.isdigit() and person_id.isascii()
                and person_id.isdigit()):
            raise IllegalMove("That list was not one Kith made. Look at the proposal again.")
        chosen[int(req_id)] = int(person_id)
    return chosen


def send(group, pairs, *, actor) -> tuple[int, int]:
    """Offer each ticked request to its proposed volunteer. Returns (offered, skipped)."""
    chosen = _parse(pairs)
    if not chosen:
        raise IllegalMove("Tick at least one request to offer.")
    proposal = {row.req.pk: row for row in propose(group).matched}
    made = skipped = 0
    for req_id, person_id in chosen.items():
        row = proposal.get(req_id)
        if row is None or row.candidate is None or row.candidate.volunteer.id != person_id:
            skipped += 1  # it changed since the page was shown
            continue
        try:
            suggestion = offers.offer_round(row.req, actor=actor, chosen=[row.candidate])
        except IllegalMove:
            skipped += 1
            continue
        made += bool(suggestion.candidates)
        skipped += not suggestion.candidates
    return made, skipped
