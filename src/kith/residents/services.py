"""Changes to residents' records."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from kith.core.audit import log_action
from kith.residents.models import Resident


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


# What a correction may change. The sealed ones are replaced or removed, never read back.
CORRECTABLE = ("name", "phone", "email", "address", "postcode", "postcode_sector", "language",
               "notes", "at_risk", "check_in_days")
SEALED = frozenset({"phone", "email", "address", "postcode", "notes"})
# Where someone can be reached; a correction may change them, not remove the last one.
REACHED_BY = ("phone", "email", "address")


@dataclass
class Correction:
    """What a correction changed (field names, in CORRECTABLE's order); empty: nothing did."""

    resident: Resident
    changed: list[str] = field(default_factory=list)


class CorrectionRefused(ValueError):
    """The correction would leave the record unusable; the message says what to do instead."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _normalised(values: dict) -> dict:
    """Blank sealed values mean "remove it"; a full postcode brings its own sector."""
    from kith.places.postcodes import parse

    out = {}
    for name, value in values.items():
        if name not in CORRECTABLE:
            raise TypeError(f"{name!r} is not something a correction changes")
        if isinstance(value, str):
            value = value.strip() if name in {"address", "notes"} else " ".join(value.split())
        out[name] = value
    if out.get("postcode"):
        parsed = parse(out["postcode"])
        out["postcode"], out["postcode_sector"] = parsed.text, parsed.sector
    return out


def _is_new(resident: Resident, name: str, value) -> bool:
    from kith.core.digest import phone_digest
    from kith.core.privacy import same_as_sealed

    if name == "phone":  # the digest already tells us, without opening anything
        return phone_digest(value or "") != resident.phone_digest or (
            bool(value) != (resident.phone is not None))
    if name in SEALED:
        return not same_as_sealed(getattr(resident, name), value or None)
    return getattr(resident, name) != value


def _check_reachable(resident: Resident, changes: dict) -> None:
    had = [n for n in REACHED_BY if getattr(resident, n) is not None]
    left = [n for n in REACHED_BY if (changes[n] if n in changes else getattr(resident, n))]
    if had and not left:
        raise CorrectionRefused(_("Keep a phone number, an email or an address, so someone can "
                                  "reach %(name)s.") % {"name": resident.name}, field="phone")


@transaction.atomic
def correct_resident(resident, *, acting_user, **values) -> Correction:
    """Correct a resident's record: coordinators, and a call handler for the resident whose
    call or request is in their hands (`residents.edit`, privacy.check_may_correct).

    Only the fields passed are looked at; a sealed field passed blank is removed. What differs
    from the record is saved in one transaction with one `kith.resident.corrected` audit row
    (old → new, personal values masked by key); nothing differing, nothing is written. A new
    phone gets its digest (returning callers and the exclusion list find it); a new address or
    postcode is noted on the resident's open requests, which are matched from the new place
    (requests.corrections.resident_moved); a change to "at risk" moves their waiting calls.
    """
    from kith.core.digest import phone_digest
    from kith.core.privacy import check_may_correct

    check_may_correct(acting_user, resident.group, [resident], "residents.edit")
    resident = Resident.objects.select_for_update(of=("self",)).select_related("group").get(
        pk=resident.pk)
    values = _normalised(values)
    changes = {n: values[n] for n in CORRECTABLE if n in values and _is_new(resident, n, values[n])}
    if not changes:
        return Correction(resident)
    if "name" in changes and not changes["name"]:
        raise CorrectionRefused(_("Give a name to call them by."), field="name")
    _check_reachable(resident, changes)
    old = {n: ("recorded" if getattr(resident, n) is not None else None) if n in SEALED
           else getattr(resident, n) for n in changes}
    for name, value in changes.items():
        setattr(resident, name, (value or None) if name in SEALED else value)
    derived = []
    if "phone" in changes:
        resident.phone_digest = phone_digest(changes["phone"] or "")
        derived.append("phone_digest")
    if "email" in changes:
        resident.has_email = bool(changes["email"])
        derived.append("has_email")
    resident.save(update_fields=[*changes, *derived])
    log_action("kith.resident.corrected", actor=acting_user, group=resident.group, obj=resident,
               old=old, new=changes)
    _after_correction(resident, changes, acting_user)
    return Correction(resident, list(changes))


def _after_correction(resident, changes: dict, acting_user) -> None:
    from kith.requests import corrections

    moved = {"address", "postcode", "postcode_sector"} & set(changes)
    if moved:
        corrections.resident_moved(resident, moved=moved, actor=acting_user)
    if "at_risk" in changes:
        corrections.reschedule_calls(resident=resident)
