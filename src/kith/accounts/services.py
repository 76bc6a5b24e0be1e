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


@transaction.atomic
def register_invited_person(*, email: str, display_name: str):
    """A new account for someone opening an invitation, before their email is proven.

    Caller: the invitation sign-up page. They join the group only when, signed in by the
    emailed code, they accept the invitation (groups.services.accept_invitation).
    """
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.create_user(email, display_name=display_name.strip())
    log_action("kith.person.signed_up", actor=None, obj=person,
               new={"email": person.email, "display_name": person.display_name,
                    "via": "invitation"})
    return person
