"""From the database to the pure core and back: find the best volunteers for one need.

The search widens in rings of hexagons around the need (cards.py indexes each volunteer's
hexagon), so a group of a million volunteers costs what its nearest few hundred cost. The
database filters what it can on its index (group, hexagon, services, clearance, breaks); the
core applies the rest and scores. Distances are first measured from hexagon centres; only the
short list has its sealed points opened, for the exact distance the offer shows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

import h3.api.basic_int as h3
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from kith.matching import cards, core
from kith.matching.models import MatchCard
from kith.places.geo import LatLon

# Search rings, in km: most needs are settled by the first; nobody travels beyond the last.
BANDS_KM = (1.5, 3.0, 6.0, 12.0, 20.0)
# Hexagon centres are up to one edge from the true point: allow for it before the exact check.
PAD_KM = 0.55  # the largest hexagon's edge in the UK is 0.541 km
SHORT_LIST = 4  # times k: how many at least have their exact distance measured
SHORT_LIST_MAX = 48  # and at most: opening a sealed point costs about 20 µs


# Each ring of resolution-8 hexagons reaches at least this much further out, measured across
# the UK (the textbook 1.5 edges is an average; the worst direction is nearer 0.71 km).
RING_STEP_KM = 0.69


def rings_for(radius_km: float) -> int:
    """How many rings of hexagons cover a disc of this radius around any point in the centre."""
    return math.ceil((radius_km + PAD_KM) / RING_STEP_KM)


def _cells(place: LatLon, radius_km: float) -> set[int]:
    return set(h3.grid_disk(cards.cell_for(place), rings_for(radius_km)))


def _card_rows(group_ids, need: core.Need, cells: set[int], today, exclude: set[int]):
    bit = cards.SERVICE_BITS.get(need.service, 0)
    rows = (MatchCard.objects.filter(group_id__in=group_ids, cell__in=cells)
            .alias(offers=F("services").bitand(bit), may=F("cleared").bitand(bit))
            .filter(offers__gt=0, may__gt=0)
            .filter(Q(paused_until__isnull=True) | Q(paused_until__lte=today)))
    if need.language_required and need.language:
        rows = rows.filter(languages__contains=f"|{need.language}|")
    return [row for row in rows.values_list("person_id", "person__display_name", "cell", "slots",
                                            "languages", "radius_km", "weekly_cap", "on_duty")
            if row[0] not in exclude]


IN_CHUNK = 5000  # ids per query: SQLite caps a statement's parameters


def _load_facts(person_ids: list[int], resident_id: int | None, now: datetime) -> dict[int, dict]:
    """Recent tasks, the last one, tasks for this resident, and declines, per volunteer."""
    facts: dict[int, dict] = {}
    for start in range(0, len(person_ids), IN_CHUNK):
        facts.update(_facts_chunk(person_ids[start:start + IN_CHUNK], resident_id, now))
    return facts


def start_of_week(now: datetime) -> datetime:
    """Monday 00:00, local time: weekly caps count from here."""
    local = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return local - timedelta(days=local.weekday())


def _facts_chunk(person_ids: list[int], resident_id: int | None, now: datetime) -> dict[int, dict]:
    from kith.matching.models import Offer
    from kith.requests.models import Assignment

    week_start = start_of_week(now)
    month = now - timedelta(days=30)
    facts: dict[int, dict] = {pk: {} for pk in person_ids}
    done = Q(end=Assignment.End.DONE)
    rows = (Assignment.objects.filter(volunteer_id__in=person_ids).values("volunteer_id")
            .annotate(week=Count("id", filter=Q(assigned_at__gte=week_start)),
                      month=Count("id", filter=Q(assigned_at__gte=month)),
                      last=Max("assigned_at"),
                      helped=Count("id", filter=done & Q(request__resident_id=resident_id))))
    for row in rows:
        facts[row["volunteer_id"]].update(row)
    declines = (Offer.objects.filter(volunteer_id__in=person_ids, state=Offer.State.DECLINED,
                                     answered_at__gte=month)
                .values_list("volunteer_id").annotate(n=Count("id")))
    for volunteer_id, n in declines:
        facts[volunteer_id]["declined"] = n
    return facts


def _history(facts: dict, resident_id: int | None, now) -> dict:
    """The core's fairness and continuity facts, from `_load_facts`."""
    last = facts.get("last")
    return {
        "tasks_this_week": facts.get("week", 0), "tasks_30_days": facts.get("month", 0),
        "days_since_last_task": None if last is None else (now - last).total_seconds() / 86400,
        "helped": {resident_id: facts["helped"]} if resident_id and facts.get("helped") else {},
        "declined_recently": facts.get("declined", 0),
    }


def _languages(text: str) -> frozenset[str]:
    return frozenset(x for x in text.split("|") if x)


def _volunteer(row, service: str, facts: dict, resident_id: int | None, now) -> core.Volunteer:
    """A card found by the ring search: placed at its hexagon's centre, its reach padded."""
    person_id, name, cell, slots, languages, radius, cap, on_duty = row
    lat, lon = h3.cell_to_latlng(cell)
    return core.Volunteer(
        id=person_id, name=name or "A volunteer", home=LatLon(lat, lon),
        services=frozenset({service}), cleared=frozenset({service}),
        radius_km=radius + PAD_KM, weekly_cap=cap, slots=cards.slots_of(slots), on_duty=on_duty,
        languages=_languages(languages), **_history(facts, resident_id, now))


def _exact(short: list[core.Candidate], need: core.Need, weights: core.Weights,
           k: int) -> list[core.Candidate]:
    """Open the sealed points of the short list and rank it again on true distances."""
    homes = dict(MatchCard.objects.filter(person_id__in=[c.volunteer.id for c in short])
                 .values_list("person_id", "home"))
    exact = [replace(c.volunteer, home=cards.open_point(homes.get(c.volunteer.id)),
                     radius_km=c.volunteer.radius_km - PAD_KM) for c in short]
    return core.rank(need, exact, weights, k=k).candidates


def rank_need(group_ids: Iterable[int], need: core.Need, weights: core.Weights | None = None, *,
              k: int | None = None, exclude: Iterable[int] = (), now=None) -> core.Ranking:
    """The best k volunteers of these groups for `need`; when there are none, the ranking's
    `left_out` counts why, over every volunteer of the groups (see `explain_nobody`)."""
    w = weights or core.Weights()
    k = w.k if k is None else k
    now = now or timezone.now()
    group_ids, excluded = list(group_ids), set(exclude)
    reach = min(BANDS_KM[-1], need.max_km or BANDS_KM[-1])
    padded = replace(need, max_km=None if need.max_km is None else need.max_km + PAD_KM)
    seen: set[int] = set()
    pool: list[core.Volunteer] = []
    for band in [b for b in BANDS_KM if b < reach] + [reach]:
        cells = _cells(need.place, band) - seen
        seen |= cells
        rows = _card_rows(group_ids, need, cells, timezone.localdate(now), excluded)
        facts = _load_facts([r[0] for r in rows], need.resident_id, now)
        pool += [_volunteer(r, need.service, facts[r[0]], need.resident_id, now) for r in rows]
        coarse = core.rank(padded, pool, w, k=SHORT_LIST_MAX)
        if _settled(coarse, k, band, w):
            break
    short = _short_list(coarse.candidates, k, w)
    candidates = _exact(short, need, w, k) if short else []
    if candidates:
        return core.Ranking(need, candidates, coarse.left_out)
    return explain_nobody(group_ids, need, replace(w, k=k), excluded, now, cells=seen)


def _short_list(ranked: list[core.Candidate], k: int, w: core.Weights) -> list[core.Candidate]:
    """Everyone whose exact score could still beat the k-th: hexagon centres are up to a
    hexagon's edge from the truth, for both of two volunteers compared."""
    if len(ranked) <= k * SHORT_LIST:
        return ranked
    reach = ranked[k - 1].score + 2 * w.distance * PAD_KM
    return [c for i, c in enumerate(ranked) if i < k * SHORT_LIST or c.score <= reach]


def _settled(coarse: core.Ranking, k: int, band_km: float, w: core.Weights) -> bool:
    """Could anyone beyond this ring still beat the k-th best? Their distance is at least
    the ring's radius less a hexagon, and no bonus is worth more than all bonuses together."""
    if len(coarse.candidates) < k:
        return False
    best_bonus = w.idle + w.continuity + w.language
    beyond = w.distance * (band_km - 2 * PAD_KM) - best_bonus
    return coarse.candidates[k - 1].score <= beyond


def explain_nobody(group_ids, need: core.Need, w: core.Weights, excluded: set[int],
                   now, cells: set[int]) -> core.Ranking:
    """Nobody passed: run the core over every volunteer searched (within the request's reach)
    so the coordinator hears why (2 are on a break; 3 live too far away)."""
    everyone = group_volunteers(group_ids, now, resident_id=need.resident_id, exclude=excluded,
                                cells=cells)
    ranking = core.rank(need, everyone, w, k=w.k)
    ranking.reach_km = min(BANDS_KM[-1], need.max_km or BANDS_KM[-1])
    if excluded and not ranking.candidates:
        ranking.left_out["asked"] += len(excluded)
    return ranking


def group_volunteers(group_ids, now, *, resident_id: int | None = None,
                     exclude: Iterable[int] = (), cells: set[int] | None = None
                     ) -> list[core.Volunteer]:
    """Every volunteer of the groups (in these hexagons) as the core sees them, exact points
    opened: for the reasons nobody can help, and for batch matching in a group."""
    today = timezone.localdate(now)
    cards_here = MatchCard.objects.filter(group_id__in=group_ids)
    if cells is not None:
        cards_here = cards_here.filter(cell__in=cells)
    rows = list(cards_here.exclude(person_id__in=exclude)
                .values_list("person_id", "person__display_name", "home", "services", "cleared",
                             "slots", "languages", "radius_km", "weekly_cap", "on_duty",
                             "paused_until"))
    facts = _load_facts([r[0] for r in rows], resident_id, now)
    return [_everyone(r, facts[r[0]], resident_id, today, now) for r in rows]


def _everyone(row, facts: dict, resident_id: int | None, today, now) -> core.Volunteer:
    """A whole card, its exact point opened: every filter is the core's to apply."""
    (person_id, name, home, services, cleared, slots, languages, radius, cap, on_duty,
     paused_until) = row
    return core.Volunteer(
        id=person_id, name=name or "A volunteer", home=cards.open_point(home),
        services=cards.services_of(services), cleared=cards.services_of(cleared),
        radius_km=radius, weekly_cap=cap, slots=cards.slots_of(slots), on_duty=on_duty,
        paused=paused_until is not None and paused_until > today,
        languages=_languages(languages), **_history(facts, resident_id, now))


def rank_for(group, service: str, place: LatLon, *, k: int, exclude: Iterable[int] = (),
             resident_id: int | None = None, weights: core.Weights | None = None,
             max_km: float | None = None) -> core.Ranking:
    """The k best volunteers of `group` for a `service` task at `place` (runs use this)."""
    need = core.Need(id=0, service=service, place=place, resident_id=resident_id or 0,
                     max_km=max_km)
    return rank_need([group.pk], need, weights, k=k, exclude=exclude)

