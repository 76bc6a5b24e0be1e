"""Find the groups that cover a place: most local first, then nearest."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from kith.directory.geocoding import Place, area_centre
from kith.groups.models import Group
from kith.places.geo import LatLon, haversine_m

# Most local first: a street group before its ward, a ward before its borough.
LOCAL_FIRST = {kind: n for n, kind in enumerate(reversed(Group.KIND_ORDER))}
NAME_RESULTS = 20


@dataclass(frozen=True)
class Match:
    group: Group
    distance_m: float | None

    @property
    def distance_text(self) -> str:
        if self.distance_m is None:
            return ""
        if self.distance_m < 1000:
            return f"{round(self.distance_m / 50) * 50:.0f} m away"
        miles = self.distance_m / 1609.344
        return f"{miles:.1f} miles away"


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
