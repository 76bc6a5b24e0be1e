"""Zero tolerance (seed 000): people a group no longer serves, kept only as keyed digests.

The phone number and the name-plus-postcode are hashed with Kith's own key and the raw
values are not stored again; intake compares digests (intake.excluded)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core.audit import log_action
from kith.core.digest import identity_digest, phone_digest
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import Exclusion


@transaction.atomic
def add_exclusion(group, *, reason: str, actor, phone: str = "", name: str = "",
                  postcode: str = "", note: str = "") -> Exclusion:
    by_phone = phone_digest(phone)
    by_identity = identity_digest(name, postcode) if name and postcode else ""
    if not by_phone and not by_identity:
        raise IllegalMove("Give a phone number, or a name with a full postcode.")
    exclusion = Exclusion.objects.create(group=group, phone_digest=by_phone,
                                         identity_digest=by_identity, reason=reason,
                                         note=note or None, created_by=actor)
    log_action("kith.exclusion.added", actor=actor, group=group, obj=exclusion,
               new={"reason": reason, "by_phone": bool(by_phone), "by_name_and_postcode":
                    bool(by_identity), "note": note})
    return exclusion


@transaction.atomic
def exclude_resident(resident, *, reason: str, actor, note: str = "") -> Exclusion:
    """Exclude a resident already on record, from their own sealed details (read here to
    make digests, never shown)."""
    postcode = resident.postcode._open() if resident.postcode else ""
    exclusion = Exclusion.objects.create(
        group=resident.group, phone_digest=resident.phone_digest,
        identity_digest=identity_digest(resident.name, postcode) if postcode else "",
        reason=reason, note=note or None, created_by=actor)
    if not exclusion.phone_digest and not exclusion.identity_digest:
        raise IllegalMove("This resident has no phone number or full postcode to exclude by.")
    log_action("kith.exclusion.added", actor=actor, group=resident.group, obj=exclusion,
               new={"reason": reason, "resident": resident.pk, "note": note})
    return exclusion


@transaction.atomic
def exclude_volunteer(membership, *, reason: str, actor, note: str = "") -> Exclusion:
    """Zero tolerance for a volunteer (or anyone in the group): they may no longer volunteer
    in this group or any group below it, nor be served by it.

    In one transaction: an exclusion naming them (so no invitation, sign-up or coordinator
    adds them again while it stands) with digests of their phone and of their name with
    their postcode, as for anyone excluded; then they are taken out of this group and every
    group below it, which takes back their tasks, offers and routes there (handover.py)."""
    from kith.groups.models import Membership
    from kith.groups.services import remove_member

    person, group = membership.person, membership.group
    phone = person.phone._open() if person.phone else ""
    profile = getattr(person, "volunteer", None)
    postcode = profile.postcode._open() if profile is not None and profile.postcode else ""
    exclusion = Exclusion.objects.create(
        group=group, person=person, phone_digest=phone_digest(phone) if phone else "",
        identity_digest=identity_digest(person.display_name, postcode) if postcode else "",
        reason=reason, note=note or None, created_by=actor)
    log_action("kith.exclusion.added", actor=actor, group=group, obj=exclusion,
               new={"reason": reason, "volunteer": person.pk, "note": note})
    # Neutral words: the timeline is read by call handlers too, and the reason is sealed.
    for member in (Membership.objects.filter(person=person,
                                             group_id__in=[group.pk, *group.descendant_ids()])
                   .select_related("group").order_by("pk")):
        remove_member(member, acting_user=actor, why=_(
            "%(person)s can no longer volunteer with %(group)s.") % {
            "person": person, "group": member.group.name})
    return exclusion


@transaction.atomic
def lift_exclusion(exclusion: Exclusion, *, actor, note: str) -> Exclusion:
    if exclusion.lifted_at is not None:
        raise IllegalMove("This exclusion was already lifted.")
    exclusion.lifted_at, exclusion.lifted_by = timezone.now(), actor
    exclusion.save(update_fields=["lifted_at", "lifted_by"])
    log_action("kith.exclusion.lifted", actor=actor, group=exclusion.group, obj=exclusion,
               new={"reason": note})
    return exclusion
