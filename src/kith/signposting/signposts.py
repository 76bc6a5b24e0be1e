"""Signposting as data: when a group could not help, or a check-up call found someone needs
more help, the local services they were pointed to are kept as rows (`Signposting`), each with
a linked line on the request's timeline and an audit row, in the same transaction as the move
or the call. The group's figures count them (groups/figures.py): people for the headline,
each service for the top five.

The services offered are the ones the group sees (its own and those shared down the tree),
running, the ones for the request's kind of help and nearest the resident's postcode sector
first, so the likely one is at the top of the list mid-call.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core.audit import log_action
from kith.directory.geocoding import Place, PostcodeError, place_for
from kith.places.geo import haversine_m
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import Callback, HelpRequest
from kith.requests.moves import add_event, locked, make_move
from kith.signposting.finding import owners, point_of, serves, visible_to
from kith.signposting.models import LocalService, Signposting

# The signposting need most likely behind each kind of help a group gives (groups/catalogue):
# a food run the group could not do most often ends at a food bank.
NEED_FOR_HELP = {
    "shopping": "food", "foodbank": "food", "hot_meals": "food",
    "prescriptions": "health", "lifts": "health",
    "befriending": "company", "advice": "money", "phone_admin": "digital",
}
RUNNING = (LocalService.Status.ACTIVE, LocalService.Status.TEMPORARILY_CLOSED)


def _place(req: HelpRequest) -> Place | None:
    """Where the resident is, as far as the unsealed sector says; None if unknown."""
    sector = req.resident.postcode_sector
    if not sector:
        return None
    try:
        return place_for(sector)
    except PostcodeError:
        return None


def ranked_for(req: HelpRequest) -> list[LocalService]:
    """Every running service the request's group sees, the likeliest first: those for the
    request's need, then those serving the resident's place, nearest first, then by name."""
    need = NEED_FOR_HELP.get(req.service, "")
    place = _place(req)

    def likeliness(service: LocalService) -> tuple:
        point = point_of(service)
        distance = haversine_m(place.point, point) if place and point else None
        serving = place is None or serves(service, place, distance)
        return (bool(need) and need not in service.needs, not serving, distance is None,
                distance or 0.0, service.name.lower())

    # Only what the ranking and the tick boxes use: a mid-call page, and a big tree's
    # directory can run to hundreds of services.
    offered = LocalService.objects.filter(group_id__in=owners(req.group), status__in=RUNNING).only(
        "pk", "name", "organisation", "needs", "coverage", "radius_miles", "lat", "lon")
    return sorted(offered, key=likeliness)


def _record(req: HelpRequest, services: list[LocalService], *, actor, via: str,
            callback: Callback | None, now) -> list[Signposting]:
    rows = []
    for service in dict.fromkeys(services):  # each once, in the order picked
        event = add_event(req, "signposted", actor=actor,
                          note=f"{service.name} ({service.organisation})")
        row = Signposting.objects.create(
            group=req.group, request=req, callback=callback, service=service, via=via,
            event=event, created_by=actor if getattr(actor, "is_authenticated", False) else None,
            created_at=now)
        log_action("kith.signposting.recorded", actor=actor, group=req.group, obj=row,
                   new={"request": req.reference, "local_service": service.pk, "via": via,
                        "callback": callback.pk if callback else None})
        rows.append(row)
    return rows


def _check_visible(req: HelpRequest, services: list[LocalService]) -> None:
    """Services reach here from a form that offered only these; a service outside the
    group's tree is refused all the same (never written, never a crash)."""
    seen = set(visible_to(req.group).filter(status__in=RUNNING).values_list("pk", flat=True))
    if any(s.pk not in seen for s in services):
        raise IllegalMove(_("Choose from the services listed: that one isn't in this group's "
                            "directory."))


@transaction.atomic
def could_not_help(req: HelpRequest, *, services: list[LocalService], note: str,
                   actor) -> HelpRequest:
    """Close the request as "could not help", with the services they were pointed to. The note
    is needed only when no service is picked: then it is the only record of where."""
    note = note.strip()
    if not services and not note:
        raise IllegalMove(_("Pick the service you pointed them to, or say where you "
                            "signposted them."))
    _check_visible(req, services)
    req = locked(req)
    now = timezone.now()
    make_move(req, "could_not_help", actor=actor, note=note, now=now, reason_kept=bool(services),
              extra={"signposted_to": [s.pk for s in services]})
    _record(req, services, actor=actor, via=Signposting.Via.COULD_NOT_HELP, callback=None,
            now=now)
    return req


def after_check_up(callback: Callback, *, services: list[LocalService],
                   actor) -> list[Signposting]:
    """A check-up call found they need more help, and the call handler pointed them to these.
    Called inside the transaction that logs the call (requests/views_queue.attempt)."""
    if not services:
        return []
    req = callback.request
    if callback.kind != Callback.Kind.CHECK_UP or req is None:
        raise IllegalMove(_("Services are recorded only on a check-up call about a request."))
    if callback.result != Callback.Result.MORE_HELP:
        raise IllegalMove(_("Pick a service only when they need more help."))
    _check_visible(req, services)
    return _record(req, services, actor=actor, via=Signposting.Via.MORE_HELP,
                   callback=callback, now=timezone.now())


def by_event(req: HelpRequest) -> dict[int, LocalService]:
    """The service each of the request's "signposted" timeline lines names, by the line's id."""
    rows = Signposting.objects.filter(request=req, event__isnull=False).select_related("service")
    return {row.event_id: row.service for row in rows if row.event_id is not None}
