"""Changes to residents' records."""

from __future__ import annotations

from django.db import transaction

from kith.core.audit import log_action


@transaction.atomic
def register_resident(group, *, acting_user, name: str, phone: str = "", address: str = "",
                      postcode: str = "", postcode_sector: str = "", notes: str = "",
                      email: str = "", language: str = "", at_risk: bool = False):
    """Record a resident. Callers: intake (requests/intake.py), call handlers and coordinators
    (`residents.add`), the demo loader.

    A full postcode, when given, is sealed and sets the (coarse, unsealed) sector. The phone's
    keyed digest is kept beside it so a returning caller is found without opening any record.
    """
    from kith.core.digest import phone_digest
    from kith.places.postcodes import parse
    from kith.residents.models import Resident

    if postcode:
        parsed = parse(postcode)
        postcode, postcode_sector = parsed.text, parsed.sector
    resident = Resident.objects.create(
        group=group, name=name, phone=phone or None, phone_digest=phone_digest(phone),
        email=email or None, has_email=bool(email), address=address or None,
        postcode=postcode or None, notes=notes or None, postcode_sector=postcode_sector,
        language=language, at_risk=at_risk,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    log_action("kith.resident.registered", actor=acting_user, group=group, obj=resident,
               new={"name": name, "phone": phone, "email": email, "address": address,
                    "postcode": postcode, "postcode_sector": postcode_sector, "notes": notes,
                    "language": language, "at_risk": at_risk})
    return resident


def _differs(sealed, value: str) -> bool:
    """Is `value` new? The sealed one is opened only to compare: never shown, returned or
    logged, so telling us the same again writes nothing (as in requests.status)."""
    return sealed is None or sealed._open() != value


@transaction.atomic
def update_contact(resident, *, acting_user, contact):
    """Fill in what a returning resident told us this time; never blank out what we had.

    `contact` is an intake Contact. Only fields given are written, and each change is audited
    (masked, like every contact detail in the trail).
    """
    from kith.core.digest import phone_digest
    from kith.places.postcodes import parse

    changes: dict[str, object] = {}
    if contact.phone and phone_digest(contact.phone) != resident.phone_digest:
        changes["phone"], changes["phone_digest"] = contact.phone, phone_digest(contact.phone)
    if contact.email and _differs(resident.email, contact.email):
        changes["email"], changes["has_email"] = contact.email, True
    if contact.address and _differs(resident.address, contact.address):
        changes["address"] = contact.address
    if contact.postcode:
        parsed = parse(contact.postcode)
        if _differs(resident.postcode, parsed.text) or resident.postcode_sector != parsed.sector:
            changes["postcode"], changes["postcode_sector"] = parsed.text, parsed.sector
    elif contact.postcode_sector and not resident.postcode_sector:
        changes["postcode_sector"] = contact.postcode_sector
    if contact.language and contact.language != resident.language:
        changes["language"] = contact.language
    if contact.at_risk and not resident.at_risk:
        changes["at_risk"] = True
    if changes:
        for name, value in changes.items():
            setattr(resident, name, value)
        resident.save(update_fields=list(changes))
        log_action("kith.resident.updated", actor=acting_user, group=resident.group, obj=resident,
                   new={k: v for k, v in changes.items() if k != "phone_digest"})
    return resident


@transaction.atomic
def set_check_ins(resident, *, acting_user, every_days: int | None, at_risk: bool):
    """Regular check-in calls (the sweep books them) and the at-risk flag, which brings this
    resident's callbacks forward."""
    old = {"check_in_days": resident.check_in_days, "at_risk": resident.at_risk}
    if old == {"check_in_days": every_days, "at_risk": at_risk}:
        return resident  # saved unchanged: nothing to record
    resident.check_in_days, resident.at_risk = every_days, at_risk
    resident.save(update_fields=["check_in_days", "at_risk"])
    log_action("kith.resident.check_ins_set", actor=acting_user, group=resident.group, obj=resident,
               old=old, new={"check_in_days": every_days, "at_risk": at_risk})
    return resident
