"""Changes to a person's own account."""

from __future__ import annotations

from django.db import transaction

from kith.core.audit import log_action


@transaction.atomic
def update_profile(person, *, acting_user, display_name: str, phone: str | None,
                   postcode_sector: str | None = None) -> None:
    """A person edits their own name, phone and area. Caller: that person.

    None leaves phone or area as they are; "" clears them.
    """
    old = {"display_name": person.display_name, "phone": bool(person.phone),
           "postcode_sector": person.postcode_sector}
    person.display_name = display_name
    if postcode_sector is not None:
        person.postcode_sector = postcode_sector
    if phone is not None:
        person.phone = phone or None
    person.save()
    new = {"display_name": person.display_name, "phone": bool(person.phone),
           "postcode_sector": person.postcode_sector}
    if new == old and phone is None:
        return
    log_action("kith.person.updated", actor=acting_user, obj=person, old=old, new=new)
