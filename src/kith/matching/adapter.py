"""From the database to the pure core and back: find the best volunteers for one need.

The search visits hexagons nearest first (cards.py indexes each volunteer's hexagon) and
stops as soon as nobody further out could still beat the k-th best found (exactly), so a group
of a million volunteers costs what its nearest few hundred cost. The database filters what it can
on its index (group, hexagon, services, clearance, breaks) in one plain query per widening;
each card carries its volunteer's recent load (load.py), so no aggregate query runs per
search. The core applies the rest and scores. Distances are first measured from hexagon
centres; only those who could still make the best k have their sealed points opened, for the
exact distance the offer shows.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache

import h3.api.basic_int as h3
from django.db import connection
from django.utils import timezone

from kith.matching import cards, core, load
from kith.matching.load import start_of_week  # noqa: F401  (its old home; offers import it)
from kith.matching.models import MatchCard
from kith.places.geo import LatLon, haversine_m

REACH_KM = 20.0  # nobody travels beyond this
BANDS_KM = (REACH_KM,)  # kept for callers that read the furthest reach from here
FIRST_KM = 0.7  # the first query takes hexagons whose centres are this near; then it widens
# Hexagon centres are up to one edge from the true point: allow for it before the exact check.
PAD_KM = 0.55  # the largest hexagon's edge in the UK is 0.541 km
ROUNDING = 1e-9  # float sums in a different order: every bound allows for it


# Each ring of resolution-8 hexagons reaches at least this much further out, measured across
# the UK (the textbook 1.5 edges is an average; the worst direction is nearer 0.71 km).
RING_STEP_KM = 0.69


def rings_for(radius_km: float) -> int:
    """How many rings of hexagons cover a disc of this radius around any point in the centre."""
    return math.ceil((radius_km + PAD_KM) / RING_STEP_KM)


def _cells(place: LatLon, radius_km: float) -> set[int]:
    return set(h3.grid_disk(cards.cell_for(place), rings_for(radius_km)))


@lru_cache(maxsize=200_000)
def _centre(cell: int) -> LatLon:
    return LatLon(*h3.cell_to_latlng(cell))


_SLOT_CHUNK = 7  # slot bits read seven at a time: three small tables instead of 21 tests
_SLOT_TABLES = [[cards.slots_of(low << shift) for low in range(1 << _SLOT_CHUNK)]
                for shift in range(0, max(len(cards.SLOT_BITS), 1), _SLOT_CHUNK)]


def _slots(mask: int) -> frozenset[str]:
    """cards.slots_of, by table: it runs for every card a search reads."""
    found = frozenset[str]()
    for table in _SLOT_TABLES:
        found |= table[mask & 127]
        mask >>= _SLOT_CHUNK
    return found


@lru_cache(maxsize=4096)
def _languages(text: str) -> frozenset[str]:
    return frozenset(x for x in text.split("|") if x)


class _Hexagons:
    """The hexagons around a point, handed out nearest centre first.

    Rings are measured lazily: every hexagon beyond ring n has its centre further than
    n × RING_STEP_KM − PAD_KM away (rings_for), so a hexagon measured nearer than that bound
    is handed out before any unmeasured one could be nearer."""

    def __init__(self, place: LatLon):
        self.place, self.origin, self.ring = place, cards.cell_for(place), -1
        self.heap: list[tuple[float, int]] = []

    def _unmeasured_beyond_km(self) -> float:
        return self.ring * RING_STEP_KM - PAD_KM

    def _measure_next_ring(self) -> None:
        self.ring += 1
        ring = [self.origin] if self.ring == 0 else h3.grid_ring(self.origin, self.ring)
        for cell in ring:
            heapq.heappush(self.heap, (haversine_m(_centre(cell), self.place) / 1000, cell))

    def within(self, km: float) -> list[int]:
        """Every hexagon not yet handed out whose centre is within `km`."""
        while self._unmeasured_beyond_km() <= km:
            self._measure_next_ring()
        found = []
        while self.heap and self.heap[0][0] <= km:
            found.append(heapq.heappop(self.heap)[1])
        return found


# The sealed home comes with the rest: whoever _Exact opens needs no query of their own.
_COLUMNS = ("person_id", "cell", "slots", "languages", "radius_km", "weekly_cap", "on_duty",
            "task_times", "last_task", "decline_times", "home")
_HOME = MatchCard._meta.get_field("home")


def _card_rows(group_ids: list[int], need: core.Need, today, *, cells: Iterable[int] = (),
               people: Iterable[int] = ()) -> list[tuple]:
    """Cards in these hexagons (or of these people) that may take the need's service today.
    Plain SQL: it runs once or twice per search, and building it through the ORM cost more
    than running it."""
    cell_list, people_list = list(cells), list(people)
    if not (cell_list or people_list):
        return []
    where = [f"group_id IN ({', '.join(['%s'] * len(group_ids))})",
             "(services & %s) <> 0", "(cleared & %s) <> 0",
             "(paused_until IS NULL OR paused_until <= %s)"]
    bit = cards.SERVICE_BITS.get(need.service, 0)
    params: list = [*group_ids, bit, bit, connection.ops.adapt_datefield_value(today)]
    if need.language_required and need.language:
        where.append("languages LIKE %s")  # the core checks it again, exactly
        params.append(f"%|{need.language}|%")
    if cell_list:
        where.append(f"cell IN ({', '.join(['%s'] * len(cell_list))})")
        params += cell_list
    else:
        where.append(f"person_id IN ({', '.join(['%s'] * len(people_list))})")
        params += people_list
    # Every name in it is ours and every value a parameter.
    sql = (f"SELECT {', '.join(_COLUMNS)} FROM {MatchCard._meta.db_table} "  # noqa: S608
           f"WHERE {' AND '.join(where)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _volunteer(row, need: core.Need, window: load.Window, helped: dict[int, int]
               ) -> core.Volunteer:
    """A card found by the search: placed at its hexagon's centre, its reach padded. Their
    free times are read only when the need asks for a time (_Exact.open reads them for
    whoever it opens: the explanation names them)."""
    (person_id, cell, slots, languages, radius, cap, on_duty, task_times, last_task,
     decline_times, _sealed_home) = row
    return core.Volunteer(
        id=person_id, name="", home=None if cell is None else _centre(cell),
        services=frozenset({need.service}), cleared=frozenset({need.service}),
        radius_km=radius + PAD_KM, weekly_cap=cap,
        slots=_slots(slots) if need.slots else frozenset(), on_duty=bool(on_duty),
        languages=_languages(languages),
        **window.history(task_times, last_task, decline_times, helped.get(person_id, 0),
                         need.resident_id))


class _Exact:
    """The pool's best opened exactly, most promising first, as the search widens.

    Each opening costs a decryption, so it goes in order of the best each could still score
    (the coarse score less one hexagon's edge, as a home is at most that far from its
    hexagon's centre, and never nearer than 0 km) and stops once the next cannot beat the
    k-th exact score. That exact k-th score then bounds the search: nobody in an unread
    hexagon can beat it unless the hexagon's centre is within (k-th + bonus) / weight + one
    edge. A bound on the coarse k-th instead needs two edges (the k-th's own centre is an
    edge off too): in a dense city that disc holds three to four times as many volunteers.

    An opening is one decryption and one distance: the core's score is its distance term plus
    terms the home does not change, so the exact score is the coarse one moved from the
    hexagon's centre to the home, and the only filter the home can newly fail is "too far".
    Whole opened volunteers are made only for the few that could be the best k, and the core
    ranks those itself (candidates)."""

    def __init__(self, group_ids: list[int], need: core.Need, w: core.Weights, k: int):
        self.group_ids, self.need, self.w, self.k = group_ids, need, w, k
        self.per_km = max(w.distance, 0.0)
        self.opened: set[int] = set()
        self.slot_masks: dict[int, int] = {}  # person id -> the card's slots, as read
        self.homes: dict[int, str] = {}  # person id -> the card's sealed home, as read
        self.scores: list[float] = []  # exact scores of those who pass, best first
        self.passed: list[tuple[float, core.Volunteer, LatLon]] = []  # score, coarse, home

    def kth(self) -> float:
        return self.scores[self.k - 1] if len(self.scores) >= self.k else math.inf

    def _best_possible(self, coarse: float, coarse_km: float) -> float:
        """The lowest exact score someone could have whose hexagon's centre is coarse_km off:
        their home is within an edge of it, and no nearer than 0 km."""
        return coarse - self.per_km * min(coarse_km, PAD_KM)

    def settle(self, kept: list[tuple[float, int, core.Volunteer, float]]) -> float:
        """Open the pool, most promising first, until the rest cannot beat the k-th; its
        score."""
        todo = sorted((self._best_possible(coarse, km), pk, coarse, v, km)
                      for coarse, pk, v, km in kept if pk not in self.opened)
        for best, _pk, coarse, v, coarse_km in todo:
            if best > self.kth() + ROUNDING:
                break
            self._open(coarse, v, coarse_km)
        return self.kth()

    def _open(self, coarse: float, v: core.Volunteer, coarse_km: float) -> None:
        self.opened.add(v.id)
        home = cards.open_point(_HOME.from_db_value(self.homes.get(v.id), None, connection))
        km = core.distance_km(home, self.need.place)
        if km is None or km > _unpadded(v.radius_km) or (
                self.need.max_km is not None and km > self.need.max_km):
            return  # core.refusal's "far", on the exact distance
        assert home is not None
        exact = coarse + self.w.distance * (km - coarse_km)
        bisect.insort(self.scores, exact)
        self.passed.append((exact, v, home))

    def cutoff_km(self, bonus: float) -> float:
        """How near an unread hexagon's centre must be for someone in it to still beat the
        k-th exact score. Infinite until k are found."""
        kth = self.kth()
        if kth == math.inf or self.w.distance <= 0:
            return math.inf
        return (kth + bonus + ROUNDING) / self.w.distance + PAD_KM

    def candidates(self) -> list[core.Candidate]:
        """The best k, as the core ranks them, named (one query, for them alone). Only those
        within rounding of the k-th are made whole: the core breaks ties among them."""
        edge = self.kth() + ROUNDING
        whole = [replace(v, home=home, radius_km=_unpadded(v.radius_km),
                         slots=_slots(self.slot_masks.get(v.id, 0)))
                 for exact, v, home in self.passed if exact <= edge]
        best = core.rank(self.need, whole, self.w, k=self.k).candidates
        names = _names([c.volunteer.id for c in best])
        return [replace(c, volunteer=replace(c.volunteer, name=names.get(c.volunteer.id)
                                             or "A volunteer")) for c in best]


def _unpadded(radius_km: float) -> float:
    """Radii are whole km on the card: unpadded exactly, as the scan reads them."""
    return round(radius_km - PAD_KM, 6)


def _names(person_ids: list[int]) -> dict[int, str]:
    from kith.accounts.models import Person

    if not person_ids:
        return {}
    return dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "display_name"))


def _best_bonus_km(need: core.Need, w: core.Weights, helpers_read: bool) -> float:
    """The most any volunteer not yet read could take off their score, in the score's units:
    a long rest, the resident's language, no load (were its weight negative) and, unless the
    resident's past helpers were read already, continuity."""
    bonus = max(w.idle, 0.0) + max(-w.load, 0.0) * 1.5
    if need.language:
        bonus += max(w.language, 0.0)
    if not helpers_read:
        bonus += max(w.continuity, 0.0)
    return bonus


class _Pool:
    """Everyone read so far who passes the core's filters, with their coarse scores (the
    core's own `refusal` and `score`, on hexagon centres), and why the others were left out."""

    def __init__(self, need: core.Need, w: core.Weights):
        self.need, self.w = need, w
        self.kept: list[tuple[float, int, core.Volunteer, float]] = []  # score, id, v, km
        self.left_out: core.Counter = core.Counter()
        self.seen: set[int] = set()

    def add(self, volunteers: list[core.Volunteer]) -> None:
        for v in volunteers:
            d = core.distance_km(v.home, self.need.place)
            code = core.refusal(v, self.need, d)
            if code:
                self.left_out[code] += 1
            else:
                assert d is not None  # refusal() said "unplaced" otherwise
                self.kept.append((core.score(v, self.need, d, self.w), v.id, v, d))


def rank_need(group_ids: Iterable[int], need: core.Need, weights: core.Weights | None = None, *,
              k: int | None = None, exclude: Iterable[int] = (), now=None) -> core.Ranking:
    """The best k volunteers of these groups for `need`; when there are none, the ranking's
    `left_out` counts why, over every volunteer of the groups (see `explain_nobody`)."""
    w = weights or core.Weights()
    k = w.k if k is None else k
    now = now or timezone.now()
    group_ids, excluded = list(group_ids), set(exclude)
    today, window = timezone.localdate(now), load.Window(now)
    reach = min(REACH_KM, need.max_km or REACH_KM)
    padded = replace(need, max_km=None if need.max_km is None else need.max_km + PAD_KM)
    helped = load.helped_by(need.resident_id)
    pool, exact = _Pool(padded, w), _Exact(group_ids, need, w, k)

    def read(rows) -> None:
        fresh = [r for r in rows if r[0] not in excluded and r[0] not in pool.seen]
        pool.seen.update(r[0] for r in fresh)
        exact.slot_masks.update((r[0], r[2]) for r in fresh)
        exact.homes.update((r[0], r[10]) for r in fresh)
        pool.add([_volunteer(r, need, window, helped) for r in fresh])

    # The resident's past helpers first, wherever they live: then nobody further out can
    # carry a continuity bonus, and the search may stop sooner.
    read(_card_rows(group_ids, need, today, people=helped))
    bonus = _best_bonus_km(need, w, helpers_read=True)
    hexagons, searched = _Hexagons(need.place), set()
    limit_km, wanted_km = reach + PAD_KM, FIRST_KM
    while True:
        upto = min(wanted_km, limit_km)
        cells = hexagons.within(upto)
        searched.update(cells)
        read(_card_rows(group_ids, need, today, cells=cells))
        exact.settle(pool.kept)
        cutoff = min(exact.cutoff_km(bonus), limit_km)
        if cutoff <= upto:
            break
        wanted_km = cutoff if cutoff < math.inf else upto * 2
    candidates = exact.candidates()
    if candidates:
        return core.Ranking(need, candidates, pool.left_out)
    return explain_nobody(group_ids, need, replace(w, k=k), excluded, now,
                          cells=searched | _cells(need.place, reach))


def explain_nobody(group_ids, need: core.Need, w: core.Weights, excluded: set[int],
                   now, cells: set[int]) -> core.Ranking:
    """Nobody passed: run the core over every volunteer searched (within the request's reach)
    so the coordinator hears why (2 are on a break; 3 live too far away)."""
    everyone = group_volunteers(group_ids, now, resident_id=need.resident_id, exclude=excluded,
                                cells=cells)
    ranking = core.rank(need, everyone, w, k=w.k)
    ranking.reach_km = min(REACH_KM, need.max_km or REACH_KM)
    if excluded and not ranking.candidates:
        ranking.left_out["asked"] += len(excluded)
    return ranking


def group_volunteers(group_ids, now, *, resident_id: int | None = None,
                     exclude: Iterable[int] = (), cells: set[int] | None = None
                     ) -> list[core.Volunteer]:
    """Every volunteer of the groups (in these hexagons) as the core sees them, exact points
    opened: for the reasons nobody can help, and for batch matching in a group."""
    today, window = timezone.localdate(now), load.Window(now)
    cards_here = MatchCard.objects.filter(group_id__in=group_ids)
    if cells is not None:
        cards_here = cards_here.filter(cell__in=cells)
    rows = cards_here.exclude(person_id__in=exclude).values_list(
        "person_id", "person__display_name", "home", "services", "cleared", "slots", "languages",
        "radius_km", "weekly_cap", "on_duty", "paused_until", "task_times", "last_task",
        "decline_times")
    helped = load.helped_by(resident_id)
    return [_everyone(r, window, helped, resident_id, today) for r in rows]


def _everyone(row, window: load.Window, helped: dict[int, int], resident_id: int | None,
              today) -> core.Volunteer:
    """A whole card, its exact point opened: every filter is the core's to apply."""
    (person_id, name, home, services, cleared, slots, languages, radius, cap, on_duty,
     paused_until, task_times, last_task, decline_times) = row
    return core.Volunteer(
        id=person_id, name=name or "A volunteer", home=cards.open_point(home),
        services=cards.services_of(services), cleared=cards.services_of(cleared),
        radius_km=radius, weekly_cap=cap, slots=_slots(slots), on_duty=on_duty,
        paused=paused_until is not None and paused_until > today,
        languages=_languages(languages),
        **window.history(task_times, last_task, decline_times, helped.get(person_id, 0),
                         resident_id))


def rank_for(group, service: str, place: LatLon, *, k: int, exclude: Iterable[int] = (),
             resident_id: int | None = None, weights: core.Weights | None = None,
             max_km: float | None = None) -> core.Ranking:
    """The k best volunteers of `group` for a `service` task at `place` (runs use this)."""
    need = core.Need(id=0, service=service, place=place, resident_id=resident_id or 0,
                     max_km=max_km)
    return rank_need([group.pk], need, weights, k=k, exclude=exclude)

