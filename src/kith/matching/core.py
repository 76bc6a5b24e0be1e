"""Rank volunteers for one request: hard filters, then a score, then the top k.

Pure: no Django, no database. The adapter that loads these facts from the ORM is separate,
so this file is tested and benchmarked on its own. Every candidate carries an explanation a
coordinator can read, and a request nobody can take says why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from kith.places.geo import LatLon, haversine_m

KM_PER_MILE = 1.609344

DAYS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday",
        "fri": "Friday", "sat": "Saturday", "sun": "Sunday"}
PARTS = {"am": "mornings", "pm": "afternoons", "eve": "evenings"}


def slot_words(slot: str) -> str:
    """'tue_pm' -> 'Tuesday afternoons'."""
    day, _, part = slot.partition("_")
    return f"{DAYS.get(day, day)} {PARTS.get(part, part)}"


@dataclass(frozen=True)
class Volunteer:
    id: int
    name: str
    home: LatLon | None  # their postcode's centre; None when unknown
    services: frozenset[str]
    radius_km: float
    weekly_cap: int
    tasks_this_week: int = 0
    tasks_30_days: int = 0
    days_since_last_task: float | None = None  # None: never had one
    slots: frozenset[str] = frozenset()  # 'mon_am' ...
    on_duty: bool = False
    paused: bool = False  # on a break, left, or excluded
    cleared: frozenset[str] = frozenset()  # services whose checks this group has made
    languages: frozenset[str] = frozenset()  # lower case
    helped: dict[int, int] = field(default_factory=dict)  # resident id -> tasks done for them
    declined_recently: int = 0  # offers turned down in 30 days (fairness: they may be busy)


@dataclass(frozen=True)
class Need:
    id: int
    service: str
    place: LatLon
    resident_id: int
    resident_name: str = "them"
    max_km: float | None = None  # the request's own limit
    slots: frozenset[str] = frozenset()  # when it can be done; empty: any time
    language: str = ""  # lower case
    language_required: bool = False


@dataclass(frozen=True)
class Weights:
    """Per-group: how much each consideration counts. Distance is per km, the rest 0-1 scaled."""

    distance: float = 1.0
    load: float = 0.6  # recent tasks: busy volunteers rest
    idle: float = 0.4  # long since their last task: they get a turn
    continuity: float = 0.8  # helped this resident before
    language: float = 0.3
    k: int = 3


# Why a volunteer is left out, in the order they are checked; words for coordinators, as
# (one volunteer, several volunteers).
REFUSALS = {
    "service": ("doesn't offer {service}", "don't offer {service}"),
    "cleared": ("isn't cleared for {service}", "aren't cleared for {service}"),
    "paused": ("is on a break", "are on a break"),
    "capped": ("has done their most tasks this week", "have done their most tasks this week"),
    "unplaced": ("has no postcode on record", "have no postcode on record"),
    "far": ("lives too far away", "live too far away"),
    "time": ("isn't free then", "aren't free then"),
    "language": ("doesn't speak {language}", "don't speak {language}"),
    # Not a filter of the core: the adapter counts those already offered this request.
    "asked": ("has been asked already", "have been asked already"),
}


@dataclass(frozen=True)
class Candidate:
    volunteer: Volunteer
    distance_km: float
    score: float
    explanation: str


@dataclass
class Ranking:
    need: Need
    candidates: list[Candidate]
    left_out: Counter  # refusal code -> how many volunteers
    reach_km: float | None = None  # set when only volunteers this near were looked at

    def why_nobody(self, service_label: str = "") -> str:
        """A plain sentence for a request with no possible volunteer."""
        if self.candidates:
            return ""
        if not self.left_out:
            if self.reach_km is not None:
                return ("Nobody can take this: no volunteer lives within "
                        f"{miles(self.reach_km)}.")
            return "No volunteers in this group yet."
        words = {"service": service_label or self.need.service,
                 "language": self.need.language.title()}
        parts = [f"1 volunteer {REFUSALS[code][0].format(**words)}" if n == 1 else
                 f"{n} volunteers {REFUSALS[code][1].format(**words)}"
                 for code, n in self.left_out.most_common()]
        return "Nobody can take this: " + "; ".join(parts) + "."


def refusal(v: Volunteer, need: Need, distance_km: float | None) -> str:
    """The first hard filter `v` fails for `need` ("" if none)."""
    if need.service not in v.services:
        return "service"
    if need.service not in v.cleared:
        return "cleared"
    if v.paused:
        return "paused"
    if v.tasks_this_week >= v.weekly_cap:
        return "capped"
    if distance_km is None:
        return "unplaced"
    if distance_km > v.radius_km or (need.max_km is not None and distance_km > need.max_km):
        return "far"
    if need.slots and not v.on_duty and not (need.slots & v.slots):
        return "time"
    if need.language_required and need.language and need.language not in v.languages:
        return "language"
    return ""


def score(v: Volunteer, need: Need, distance_km: float, w: Weights) -> float:
    """Lower is better: kilometres, plus penalties for recent load, minus credit for a long
    rest, for having helped this resident before and for speaking their language."""
    load = min(v.tasks_30_days, 20) / 20
    rest = 1.0 if v.days_since_last_task is None else min(v.days_since_last_task, 30) / 30
    helped = min(v.helped.get(need.resident_id, 0), 3) / 3
    speaks = 1.0 if need.language and need.language in v.languages else 0.0
    declines = min(v.declined_recently, 5) / 5
    return (w.distance * distance_km + w.load * (load + 0.5 * declines) - w.idle * rest
            - w.continuity * helped - w.language * speaks)


def miles(km: float) -> str:
    """The unit people read (directory/distance.py says it with translations; this module
    stays free of Django, and coordinators read these explanations in English)."""
    shown = round(km / KM_PER_MILE, 1)
    if shown < 0.1:
        return "under 0.1 miles"
    return f"{shown:g} mile" + ("" if shown == 1 else "s")


def explain(v: Volunteer, need: Need, distance_km: float) -> str:
    """'0.7 miles, free Tuesday afternoons, helped Mrs A twice'."""
    parts = [miles(distance_km)]
    shared = sorted(need.slots & v.slots)
    if v.on_duty:
        parts.append("on duty now")
    elif shared:
        parts.append("free " + " and ".join(slot_words(s) for s in shared[:2]))
    times = v.helped.get(need.resident_id, 0)
    if times:
        parts.append(f"helped {need.resident_name} "
                     + {1: "once", 2: "twice"}.get(times, f"{times} times"))
    if need.language and need.language in v.languages:
        parts.append(f"speaks {need.language.title()}")
    if v.days_since_last_task is None:
        parts.append("no tasks yet")
    elif v.days_since_last_task >= 14:
        parts.append(f"last task {int(v.days_since_last_task)} days ago")
    if v.tasks_30_days >= 8:
        parts.append(f"busy: {v.tasks_30_days} tasks this month")
    return ", ".join(parts)


def distance_km(a: LatLon | None, b: LatLon) -> float | None:
    return None if a is None else haversine_m(a, b) / 1000


def rank(need: Need, volunteers: Iterable[Volunteer], weights: Weights | None = None,
         k: int | None = None) -> Ranking:
    """The best `k` volunteers for `need` (ties broken by id, so the result is stable)."""
    w = weights or Weights()
    k = w.k if k is None else k
    kept: list[tuple[float, int, Volunteer, float]] = []
    left_out: Counter = Counter()
    for v in volunteers:
        d = distance_km(v.home, need.place)
        code = refusal(v, need, d)
        if code:
            left_out[code] += 1
            continue
        assert d is not None  # refusal() said "unplaced" otherwise
        kept.append((score(v, need, d, w), v.id, v, d))
    best = sorted(kept, key=lambda row: (row[0], row[1]))[:k]
    return Ranking(need, [Candidate(v, round(d, 3), round(s, 4), explain(v, need, d))
                          for s, _, v, d in best], left_out)

