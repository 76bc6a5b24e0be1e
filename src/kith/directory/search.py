"""Find the groups that cover a place: most local first, then nearest."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext

from kith.directory.distance import METRES_PER_MILE, in_miles
from kith.directory.geocoding import Place, area_centre
from kith.groups.models import CoverageArea, Group
from kith.places.geo import LatLon, haversine_m

# Most local first: a street group before its ward, a ward before its borough.
LOCAL_FIRST = {kind: n for n, kind in enumerate(reversed(Group.KIND_ORDER))}
NAME_RESULTS = 20
# When nobody covers a place: this many of the nearest groups, if they are this close. Past
# fifteen miles a neighbourhood group is no use to a resident; the council is.
NEAREST = 3
NEAREST_WITHIN_M = 15 * METRES_PER_MILE
UMBRELLA_KINDS = (Group.Kind.BOROUGH, Group.Kind.NETWORK)


@dataclass(frozen=True)
class Match:
    group: Group
    distance_m: float | None
    above: Group | None = None  # for the nearest groups: the borough or network they are part of

    @property
    def distance_text(self) -> str:
        if self.distance_m is None:
            return ""
        return gettext("%(distance)s away") % {"distance": in_miles(self.distance_m)}

    @property
    def phone_to_ring(self) -> tuple[Group, str] | None:
        """The group's own line, else the borough's or network's: (whose, number)."""
        for group in (self.group, self.above):
            if group is not None and group.phone:
                return group, group.phone
        return None


def group_centre(group: Group) -> LatLon | None:
    """The middle of the areas a group covers (never anyone's home)."""
    points = [p for p in (area_centre(a) for a in group.coverage or []) if p is not None]
    if not points:
        return None
    return LatLon(sum(p.lat for p in points) / len(points), sum(p.lon for p in points) / len(points))


def groups_covering(place: Place) -> list[Match]:
    if place.sector:
        covers = Q(areas__area__in=[place.district, place.sector])
    else:  # a whole district: its own groups and those of every sector inside it
        covers = Q(areas__area=place.district) | Q(areas__area__startswith=f"{place.district} ")
    groups = Group.objects.filter(covers).distinct().select_related("parent")
    matches = []
    for group in groups:
        centre = group_centre(group)
        distance = haversine_m(place.point, centre) if centre else None
        matches.append(Match(group, distance))
    return sorted(matches, key=lambda m: (LOCAL_FIRST[m.group.kind],
                                          m.distance_m if m.distance_m is not None else 1e12,
                                          m.group.name))


def groups_named(text: str) -> list[Match]:
    """Place-name search: group names and descriptions (our own gazetteer, for now)."""
    words = text.split()[:5]
    query = Q()
    for word in words:
        query &= Q(name__icontains=word) | Q(description__icontains=word)
    found = Group.objects.filter(query).select_related("parent")[:NAME_RESULTS]
    return sorted((Match(g, None) for g in found),
                  key=lambda m: (LOCAL_FIRST[m.group.kind], m.group.name))


def umbrella(group: Group) -> Group | None:
    """The nearest borough or network above a group."""
    for candidate in group.ancestors():
        if candidate.kind in UMBRELLA_KINDS:
            return candidate
    return None


def nearest_groups(point: LatLon, *, limit: int = NEAREST, within_m: float = NEAREST_WITHIN_M,
                   exclude: tuple[int, ...] = ()) -> list[Match]:
    """The groups whose areas come nearest a point, nearest first, each with its umbrella.

    A group's distance is to the centre of the nearest sector or district it covers, so a
    group stretching towards the resident counts as near. Ties go to the most local group."""
    best: dict[int, float] = {}
    rows = CoverageArea.objects.exclude(group_id__in=exclude).values_list("group_id", "area")
    for group_id, area in rows:
        centre = area_centre(area)
        if centre is None:
            continue
        distance = haversine_m(point, centre)
        if distance <= within_m and distance < best.get(group_id, float("inf")):
            best[group_id] = distance
    groups = Group.objects.select_related("parent").in_bulk(list(best))
    ranked = sorted(best.items(), key=lambda item: (
        round(item[1]), LOCAL_FIRST[groups[item[0]].kind], groups[item[0]].name))
    return [Match(groups[pk], distance, umbrella(groups[pk])) for pk, distance in ranked[:limit]]
