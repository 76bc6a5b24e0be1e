"""Help at the door needs an address: the one rule, asked before anything is offered or assigned.

groups/catalogue.py says which kinds of help are given at the resident's home (shopping,
prescriptions, dog walking, …). For those, a request whose resident has no address recorded
is neither offered (matching/offers.py, batch_offers.py) nor assigned (services.assign, a
series' next visit): the volunteer would arrive at a task page saying "Address: Not given".
The refusal says what is missing and where to add it (the resident's edit page).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from kith.groups.catalogue import SERVICE_LABELS, needs_address
from kith.requests.lifecycle import IllegalMove


def missing_for_visit(req) -> list[str]:
    """What a volunteer going to this resident's home still lacks: ["address"], or nothing."""
    if needs_address(req.service) and req.resident.address is None:
        return ["address"]
    return []


def edit_url(req, field: str = "address") -> str:
    """Where to add it: the resident's edit page, its cursor in that box (not a #fragment, which
    the browser would carry on to the request page after saving), back to the request after."""
    back = reverse("requests:detail", args=[req.group.slug, req.reference])
    return (reverse("residents:edit", args=[req.group.slug, req.resident_id])
            + f"?{urlencode({'next': back, 'focus': field})}")


def missing_words(req) -> str:
    service = SERVICE_LABELS.get(req.service, req.service).lower()
    return _("Kith has no address for %(name)s, and a volunteer needs one to help with "
             "%(service)s. Add it on %(name)s's details page, then try again.") % {
        "name": req.resident.name, "service": service}


def missing_notice(req) -> dict | None:
    """For a page: what is missing and the link to add it (requests/_missing_address.html)."""
    if not missing_for_visit(req):
        return None
    return {"words": missing_words(req), "url": edit_url(req), "name": req.resident.name}


class MissingForVisit(IllegalMove):
    """A request for help at the door with no address: what is missing, and where to add it."""

    def __init__(self, req, missing: list[str]):
        super().__init__(missing_words(req))
        self.missing = missing
        self.url = edit_url(req)
        self.resident_name = req.resident.name


def check_visit(req) -> None:
    """Raise MissingForVisit when a volunteer could not find the resident's home."""
    missing = missing_for_visit(req)
    if missing:
        raise MissingForVisit(req, missing)
