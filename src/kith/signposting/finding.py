"""Which services serve a place, nearest first: for call handlers mid-call, for coordinators,
and (public services only) for residents whose postcode no group covers.

A service serves a place when its coverage names the place's district or sector; else when
the place lies within its radius of the service's postcode; a service with neither serves
everyone (a national phone line, say).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from kith.directory.distance import METRES_PER_MILE
from kith.directory.geocoding import Place
from kith.groups.models import Group
from kith.places.geo import LatLon, bbox, haversine_m
from kith.signposting.models import LocalService

RESULTS = 20
# On the public directory, when no group covers a postcode: a few services, not far away.
PUBLIC_RESULTS = 5
PUBLIC_WITHIN_M = 5 * METRES_PER_MILE


@dataclass(frozen=True)
class Found:
    service: LocalService
    distance_m: float | None


def owners(group: Group) -> list[int]:
    """The groups whose directories `group` sees: its own and every group above it."""
    return [group.pk, *(a.pk for a in group.ancestors())]


def visible_to(group: Group) -> QuerySet[LocalService]:
    """Shared down the tree: a ward's services are seen by its streets, never upwards."""
    return LocalService.objects.filter(group_id__in=owners(group)).select_related("group")


def point_of(service: LocalService) -> LatLon | None:
    return LatLon(service.lat, service.lon) if service.lat is not None else None


def _covers(coverage: list[str], place: Place) -> bool:
    if place.sector:
        return place.district in coverage or place.sector in coverage
    return any(a == place.district or a.startswith(f"{place.district} ") for a in coverage)


def serves(service: LocalService, place: Place, distance_m: float | None) -> bool:
    if service.coverage:
        return _covers(service.coverage, place)
    if service.radius_miles:
        return distance_m is not None and distance_m <= service.radius_miles * METRES_PER_MILE
    return True


def _nearest_first(services, place: Place) -> list[Found]:
    found = []
    for service in services:
        point = point_of(service)
        distance = haversine_m(place.point, point) if point else None
        if serves(service, place, distance):
            found.append(Found(service, distance))
    # Placed services by distance; phone and online services (no place) after them.
    return sorted(found, key=lambda f: (f.distance_m is None, f.distance_m or 0,
                                        f.service.name.lower()))


def find_services(group: Group, place: Place, need: str = "", limit: int = RESULTS) -> list[Found]:
    services = visible_to(group).filter(status__in=[LocalService.Status.ACTIVE,
                                                    LocalService.Status.TEMPORARILY_CLOSED])
    found = _nearest_first(services, place)
    if need:  # JSON "contains" differs between SQLite and PostgreSQL: filter in Python
        found = [f for f in found if need in f.service.needs]
    return found[:limit]


def public_services_near(place: Place, limit: int = PUBLIC_RESULTS) -> list[Found]:
    """Services a group chose to show the public, running, placed within a few miles."""
    south, west, north, east = bbox(place.point, PUBLIC_WITHIN_M)
    nearby = LocalService.objects.filter(
        is_public=True, status=LocalService.Status.ACTIVE,
        lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east)
    found = [f for f in _nearest_first(nearby, place)
             if f.distance_m is not None and f.distance_m <= PUBLIC_WITHIN_M]
    return found[:limit]
