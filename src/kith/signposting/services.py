"""Every change to a group's directory of local services, each in one transaction with its
audit row. A service's postcode is placed by the offline geocoder when it is saved, so search
never geocodes the directory."""

from __future__ import annotations

import uuid
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core.audit import log_action
from kith.directory.geocoding import PostcodeError, place_for
from kith.groups.models import Group
from kith.signposting.models import LocalService

# What a coordinator's form or an import may set; the rest is Kith's bookkeeping.
FIELDS = ("organisation", "name", "description", "eligibility", "needs", "phone", "email",
          "website", "address", "postcode", "opening_times", "radius_miles", "coverage",
          "languages", "cost", "how_to_refer", "caution", "is_public", "status", "last_checked")
# One organisation, one Open Referral id, within a group, however many services it runs.
ORGANISATION_NAMESPACE = uuid.UUID("6f1d3c4e-2b8a-4f57-9a0e-5c7d8e9f1a2b")


class ServiceError(ValueError):
    """A change Kith refuses, in words to show beside the field (`field`)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def organisation_uid(group: Group, organisation: str) -> uuid.UUID:
    return uuid.uuid5(ORGANISATION_NAMESPACE, f"{group.pk}:{' '.join(organisation.lower().split())}")


def locate(postcode: str) -> tuple[float | None, float | None]:
    """The postcode's own point, or ServiceError: a service is found by distance, so a point
    guessed from a sector's middle would put it in the wrong street."""
    if not postcode:
        return None, None
    try:
        place = place_for(postcode)
    except PostcodeError as exc:
        raise ServiceError(str(exc), "postcode") from None
    if place.precision != "postcode":
        raise ServiceError(_("Kith couldn't place %(postcode)s exactly. Check it, or leave it "
                             "empty and say where the service is in the address.")
                           % {"postcode": postcode}, "postcode")
    return place.point.lat, place.point.lon


def _summary(values: dict) -> dict:
    return {key: values[key] for key in FIELDS if key in values}


@transaction.atomic
def create_service(group: Group, *, acting_user, uid: uuid.UUID | None = None,
                   org_uid: uuid.UUID | None = None, **fields) -> LocalService:
    lat, lon = locate(fields.get("postcode", ""))
    service = LocalService(group=group, created_by=acting_user, lat=lat, lon=lon, **fields)
    service.uid = uid or uuid.uuid4()
    service.organisation_uid = org_uid or organisation_uid(group, service.organisation)
    service.save()
    log_action("kith.service.created", actor=acting_user, group=group, obj=service,
               new=_summary(fields))
    return service


def changes(service: LocalService, fields: dict) -> dict[str, tuple]:
    """{field: (old, new)} for what differs; nothing for a save that changes nothing."""
    return {key: (getattr(service, key), value) for key, value in fields.items()
            if key in FIELDS and getattr(service, key) != value}


@transaction.atomic
def update_service(service: LocalService, *, acting_user, org_uid: uuid.UUID | None = None,
                   **fields) -> LocalService:
    changed = changes(service, fields)
    if org_uid is not None and org_uid != service.organisation_uid:
        service.organisation_uid = org_uid
        changed["organisation_uid"] = (None, str(org_uid))
    if not changed:
        return service
    if "postcode" in changed:
        service.lat, service.lon = locate(fields["postcode"])
    for key, (_old, new) in changed.items():
        if key in FIELDS:
            setattr(service, key, new)
    service.save()
    log_action("kith.service.updated", actor=acting_user, group=service.group, obj=service,
               old={k: old for k, (old, _new) in changed.items()},
               new={k: new for k, (_old, new) in changed.items()})
    return service


@transaction.atomic
def mark_checked(service: LocalService, *, acting_user, on: date | None = None) -> LocalService:
    """Someone rang or looked, and it is still right: the stale nudge goes away."""
    today = on or timezone.localdate()
    if service.last_checked == today:
        return service
    old = service.last_checked
    service.last_checked = today
    service.save(update_fields=["last_checked", "updated_at"])
    log_action("kith.service.checked", actor=acting_user, group=service.group, obj=service,
               old={"last_checked": old}, new={"last_checked": today})
    return service
