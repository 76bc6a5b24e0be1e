"""Asks from outside a group's area: accepted, flagged to its coordinators, never promised.

A street group in Golborne Road can be asked for help from Manchester: the web form is public
and people pick the first group they find. Turning them away would be a dead end, so the
request is taken as usual (it joins the callback queue), and on top of that:

- the request's timeline says where it came from (the postcode sector, never the full
  postcode) and the group's coordinators are emailed;
- the thank-you page makes no "we'll call within N hours" promise, says plainly that the group
  may not be able to help, and lists the groups nearest the asker.

A group's area is what it and the groups inside it cover. A group that lists no area at all
cannot be asked from "outside" it, so nothing is flagged there.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.db import transaction

from kith.core.audit import log_action
from kith.groups.models import CoverageArea
from kith.places.postcodes import PostcodeError, parse
from kith.requests import notify
from kith.requests.intake import Contact, IntakeResult, Need, take_request
from kith.requests.moves import add_event

NEARBY = 3
AREAS_SHOWN = 8  # in a timeline note or an email; a borough may cover dozens


@dataclass(frozen=True)
class AreaCheck:
    sector: str  # where the asker is, as coarse as Kith shows anywhere ("M1 1")
    areas: tuple[str, ...]  # what the group and the groups inside it cover
    outside: bool

    @property
    def areas_text(self) -> str:
        shown = ", ".join(self.areas[:AREAS_SHOWN])
        return shown + (" …" if len(self.areas) > AREAS_SHOWN else "")


def areas_of(group) -> tuple[str, ...]:
    """The districts and sectors a group covers, with those of every group inside it."""
    ids = [group.pk, *group.descendant_ids()]
    return tuple(sorted(set(CoverageArea.objects.filter(group_id__in=ids)
                            .values_list("area", flat=True))))


def check_area(group, postcode: str) -> AreaCheck | None:
    """Where a postcode sits against a group's area; None if the group lists no area or the
    postcode cannot be read."""
    try:
        place = parse(postcode)
    except PostcodeError:
        return None
    areas = areas_of(group)
    if not areas:
        return None
    inside = place.sector in areas or place.district in areas
    return AreaCheck(place.sector, areas, outside=not inside)


@transaction.atomic
def take_public_request(group, *, channel: str, contact: Contact,
                        need: Need) -> tuple[IntakeResult, AreaCheck | None]:
    """Intake for the public ask and referral forms: `take_request`, then flag a new request
    from outside the group's area, in the same transaction."""
    result = take_request(group, channel=channel, contact=contact, need=need, acting_user=None)
    check = check_area(group, contact.postcode)
    if check is not None and check.outside and not result.linked:
        flag(result.request, check)
    return result, check


def flag(req, check: AreaCheck) -> None:
    """The timeline line, its audit row and the coordinators' email. Caller's transaction."""
    nearby = groups_near(check.sector, exclude=req.group)
    add_event(req, "outside_area", actor=None,
              note=f"Asked from {check.sector}; {req.group.name} covers {check.areas_text}")
    log_action("kith.request.outside_area", actor=None, group=req.group, obj=req,
               new={"sector": check.sector, "nearby": [m.group.slug for m in nearby]})
    notify.outside_area(req, check, nearby, distance_m=distance_to_area(check))


def distance_to_area(check: AreaCheck) -> float | None:
    """How far the asker's sector is from the nearest part of the group's area, measured as
    the directory measures the groups it lists (centre to centre), so the coordinators' email
    can say whether the groups it lists are any nearer than they are."""
    from kith.directory.geocoding import area_centre
    from kith.places.geo import haversine_m

    here = area_centre(check.sector)
    centres = [c for c in map(area_centre, check.areas) if c is not None]
    if here is None or not centres:
        return None
    return min(haversine_m(here, c) for c in centres)


def groups_near(sector: str, *, exclude) -> list:
    """Groups for someone in `sector`: those covering it, else the nearest (each with the
    borough or network above it), not counting `exclude`, the group already asked."""
    from kith.directory.geocoding import PostcodeError as PlaceError
    from kith.directory.geocoding import place_for
    from kith.directory.search import groups_covering, nearest_groups, umbrella

    try:
        place = place_for(sector)
    except PlaceError:
        return []
    covering = [m for m in groups_covering(place) if m.group.pk != exclude.pk][:NEARBY]
    if covering:
        return [dataclasses.replace(m, above=umbrella(m.group)) for m in covering]
    return nearest_groups(place.point, limit=NEARBY, exclude=(exclude.pk,))
