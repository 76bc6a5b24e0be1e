"""Changes to residents' records."""

from __future__ import annotations

from django.db import transaction

from kith.core.audit import log_action


@transaction.atomic
def register_resident(group, *, acting_user, name: str, phone: str = "", address: str = "",
                      postcode: str = "", postcode_sector: str = "", notes: str = ""):
    """Record a resident. Callers: call handlers and coordinators (`residents.add`), the demo loader.

    A full postcode, when given, is sealed and sets the (coarse, unsealed) sector.
    """
    from kith.places.postcodes import parse
    from kith.residents.models import Resident

    if postcode:
        parsed = parse(postcode)
        postcode, postcode_sector = parsed.text, parsed.sector
    resident = Resident.objects.create(
        group=group, name=name, phone=phone or None, address=address or None,
        postcode=postcode or None, notes=notes or None, postcode_sector=postcode_sector,
        created_by=acting_user,
    )
    log_action("kith.resident.registered", actor=acting_user, group=group, obj=resident,
               new={"name": name, "phone": phone, "address": address, "postcode": postcode,
                    "postcode_sector": postcode_sector, "notes": notes})
    return resident
