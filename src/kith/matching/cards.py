"""Keep each volunteer's match card true to their profile, consents and checks.

Signals call `refresh_for_person` whenever one of those is saved, so every path that changes
them (sign-up, the volunteer's own page, vetting, the spreadsheet import, the admin) keeps the
index fresh without each remembering to. Bulk `.update()` calls bypass signals: they must call
`refresh_for_person` themselves. Offers re-check the real rules anyway (offers.py).
"""

from __future__ import annotations

from datetime import date

import h3.api.basic_int as h3

from kith.core.fields import Sealed
from kith.groups.catalogue import SERVICES
from kith.places.geo import LatLon
from kith.volunteers.models import SLOTS, VolunteerProfile
from kith.volunteers.policy import LEFT, ON_BREAK, facts_for, reasons_not_to_take

CELL_RESOLUTION = 8  # hexagons of about 0.74 km², edge about 0.53 km
SERVICE_BITS = {key: 1 << i for i, (key, _) in enumerate(SERVICES)}  # catalogue order is fixed
SLOT_BITS = {slot: 1 << i for i, slot in enumerate(SLOTS)}
FOREVER = date.max


def service_mask(services) -> int:
    return sum(SERVICE_BITS.get(s, 0) for s in set(services))


def services_of(mask: int) -> frozenset[str]:
    return frozenset(key for key, bit in SERVICE_BITS.items() if mask & bit)


def slot_mask(slots) -> int:
    return sum(SLOT_BITS.get(s, 0) for s in set(slots))


def slots_of(mask: int) -> frozenset[str]:
    return frozenset(slot for slot, bit in SLOT_BITS.items() if mask & bit)


def seal_point(point: LatLon) -> str:
    return f"{point.lat:.6f},{point.lon:.6f}"


def _plain(value) -> str:
    """A sealed value opened for Kith's own use: measured, never shown to anyone."""
    if isinstance(value, Sealed):
        return value._open()
    return value or ""


def open_point(sealed) -> LatLon | None:
    text = _plain(sealed)
    if not text:
        return None
    lat, _, lon = text.partition(",")
    return LatLon(float(lat), float(lon))


def cell_for(point: LatLon) -> int:
    return h3.latlng_to_cell(point.lat, point.lon, CELL_RESOLUTION)


def point_for_postcode(postcode) -> LatLon | None:
    """The postcode's own point (or its sector's centre), or None when unknown."""
    text = _plain(postcode)
    if not text:
        return None
    from kith.directory.geocoding import PostcodeError, place_for

    try:
        return place_for(text).point
    except (PostcodeError, OSError, RuntimeError):
        return None  # unknown, or no postcode data installed: matched as "no postcode"


def paused_until(profile: VolunteerProfile, today: date) -> date | None:
    if profile.status == VolunteerProfile.Status.LEFT:
        return FOREVER
    if profile.status != VolunteerProfile.Status.ON_BREAK:
        return None
    if profile.break_until is None:
        return FOREVER  # back when they say so
    return profile.break_until if profile.break_until > today else None


def cleared_mask(person, group, services, today: date) -> int:
    """The services this person may take in this group now, apart from a break (which
    `paused_until` carries, so a break ending needs no rebuild)."""
    facts = facts_for(person, group)
    mask = 0
    for service in services:
        if not set(reasons_not_to_take(facts, service, today)) - {LEFT, ON_BREAK}:
            mask |= SERVICE_BITS.get(service, 0)
    return mask


def refresh_for_person(person, today: date | None = None) -> int:
    """Rebuild this person's cards, one per group they volunteer in; drop the rest."""
    from django.utils import timezone

    from kith.matching.models import MatchCard

    today = today or timezone.localdate()
    profile = VolunteerProfile.objects.filter(person=person).first()
    group_ids = list(person.memberships.filter(is_volunteer=True).values_list("group_id", flat=True))
    stale = MatchCard.objects.filter(person=person)
    if profile is None:
        stale.delete()
        return 0
    stale.exclude(group_id__in=group_ids).delete()
    point = point_for_postcode(profile.postcode)
    fields = {
        "cell": cell_for(point) if point else None,
        "home": seal_point(point) if point else None,
        "services": service_mask(profile.services), "slots": slot_mask(profile.availability),
        "languages": "|" + "|".join(sorted({str(x).strip().lower() for x in profile.languages}))
                     + "|",
        "radius_km": profile.radius_km, "weekly_cap": profile.weekly_cap,
        "on_duty": profile.on_duty, "paused_until": paused_until(profile, today),
    }
    from kith.groups.models import Group

    created = False
    for group in Group.objects.filter(pk__in=group_ids):
        _, new = MatchCard.objects.update_or_create(
            group=group, person=person,
            defaults={**fields, "cleared": cleared_mask(person, group, profile.services, today)})
        created |= new
    if created:  # a new card starts with the load its person already carries
        from kith.matching.load import refresh_load

        refresh_load(person.pk)
    return len(group_ids)


def refresh_group(group) -> int:
    """Every volunteer's card in a group (after its vetting policy changes)."""
    from kith.accounts.models import Person

    people = Person.objects.filter(memberships__group=group, memberships__is_volunteer=True)
    return sum(refresh_for_person(person) for person in people)
