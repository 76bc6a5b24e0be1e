"""Intake: every way a request comes in (web form, phone, partner referral, a series).

One function, so the same rules hold on every channel: a returning phone number finds its
resident, if the name or postcode agrees too (a shared number with neither is a new resident,
flagged); the same person within a day joins the open request instead of starting another;
the exclusion list is checked by keyed digest; web and referral requests join the callback
queue; a match on the exclusion list goes to a coordinator instead.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kith.core.audit import log_action
from kith.core.digest import identity_digest, phone_digest
from kith.requests import notify
from kith.requests.lifecycle import NEW
from kith.requests.models import Exclusion, HelpRequest, RequestPolicy
from kith.requests.moves import add_event, make_move

# Read aloud over the phone: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
REFERENCE_ALPHABET = "ACDEFHJKMNPRTUVWXY34679"
SAME_NUMBER_WINDOW = timedelta(hours=24)


def new_reference() -> str:
    while True:
        raw = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        reference = f"{raw[:3]}-{raw[3:]}"
        if not HelpRequest.objects.filter(reference=reference).exists():
            return reference


def normalise_reference(text: str) -> str:
    raw = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    return f"{raw[:3]}-{raw[3:]}" if len(raw) == 6 else raw


@dataclass
class Contact:
    """Who the request is for, as typed. Phone already normalised (E.164) or ""."""

    name: str
    phone: str = ""
    email: str = ""
    postcode: str = ""  # full, normalised; or "" with a sector
    postcode_sector: str = ""
    address: str = ""
    language: str = ""
    at_risk: bool = False


@dataclass
class Need:
    service: str
    details: str = ""
    urgency: str = HelpRequest.Urgency.SOON
    when: str = ""
    contact_by: str = HelpRequest.ContactBy.CALL
    asked_by: str = ""
    partner_kind: str = ""
    partner_name: str = ""
    partner_contact: str = ""
    consent: bool = True


@dataclass
class IntakeResult:
    request: HelpRequest
    linked: bool = False  # joined an open request from the same number
    excluded: bool = False  # sent to a coordinator, not the queue
    notes: list[str] = field(default_factory=list)


def excluded(group, contact: Contact) -> Exclusion | None:
    """An active exclusion in this group or any group above it that matches this person."""
    digests = {d for d in (phone_digest(contact.phone),) if d}
    identity = identity_digest(contact.name, contact.postcode) if contact.postcode else ""
    if not digests and not identity:
        return None
    groups = [group.pk, *[g.pk for g in group.ancestors()]]
    from django.db.models import Q

    match = Q(phone_digest__in=digests) if digests else Q(pk__in=[])
    if identity:
        match |= Q(identity_digest=identity)
    return Exclusion.objects.filter(match, group_id__in=groups, lifted_at__isnull=True).first()


def find_resident(group, phone: str):
    """The group's resident with this phone number, newest first, or None."""
    digest = phone_digest(phone)
    if not digest:
        return None
    return group.residents.filter(phone_digest=digest).order_by("-created_at").first()


# Words in a name that say nothing about who someone is.
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "sir", "dame"})
SAME_PHONE_LOOKS = 20  # residents or open requests sharing one number, looked at for a match


def _name_words(name: str) -> set[str]:
    words = "".join(ch if ch.isalnum() else " " for ch in (name or "").casefold()).split()
    return {w for w in words if w not in TITLES}


def same_person(resident, contact: Contact) -> bool:
    """Is the person on the form the resident who has this phone number?

    A phone is shared: a couple, a carer, a family on one mobile, a number passed on. So a
    matching number alone never makes two people one (that would show one the other's request
    and put the other's postcode on their record). It takes the name (one's words all in the
    other's: "Joan" is "Joan Smith", "Mrs Ahmed" is "Amina Ahmed") or the postcode as well.
    A form that gives neither cannot contradict the number."""
    theirs, given = _name_words(resident.name), _name_words(contact.name)
    if theirs and given and (theirs <= given or given <= theirs):
        return True
    postcode_given = bool(contact.postcode or contact.postcode_sector)
    if postcode_given and _same_place(resident, contact):
        return True
    return not given and not postcode_given


def _same_place(resident, contact: Contact) -> bool:
    from kith.places.postcodes import PostcodeError, parse

    if contact.postcode and resident.postcode:
        # Opened only to compare, as residents.services does: never shown, returned or logged.
        try:
            held = resident.postcode
            held = held._open() if hasattr(held, "_open") else str(held)
            return parse(held).text == parse(contact.postcode).text
        except PostcodeError:
            return False
    sector = contact.postcode_sector
    if not sector and contact.postcode:
        try:
            sector = parse(contact.postcode).sector
        except PostcodeError:
            return False
    return bool(sector) and sector == resident.postcode_sector


def same_person_by_phone(group, contact: Contact):
    """The group's resident with this number who is also this person (same_person), newest
    first; None if there is none."""
    digest = phone_digest(contact.phone)
    if not digest:
        return None
    sharing = group.residents.filter(phone_digest=digest).order_by("-created_at")
    return next((r for r in sharing[:SAME_PHONE_LOOKS] if same_person(r, contact)), None)


def open_request_from(group, phone: str, now=None, resident=None, contact: Contact | None = None):
    """An open request from this number (or this resident) made in the last 24 hours, to join
    rather than repeat. Given the `contact` on the form, one from the same number joins only
    if it is the same person (same_person): otherwise it is someone else's request."""
    from django.db.models import Q

    from kith.requests.lifecycle import CHECKED_UP, DONE, OPEN

    digest = phone_digest(phone)
    who = Q(resident__phone_digest=digest) if digest else Q(pk__in=[])
    if resident is not None:
        who |= Q(resident=resident)
    since = (now or timezone.now()) - SAME_NUMBER_WINDOW
    # Done work is not "open" here: asking again after it is a new need.
    found = (HelpRequest.objects.filter(who, group=group, created_at__gte=since,
                                        state__in=OPEN - {DONE, CHECKED_UP})
             .select_related("resident").order_by("-created_at")[:SAME_PHONE_LOOKS])
    for req in found:
        chosen = resident is not None and req.resident_id == resident.pk
        if chosen or contact is None or same_person(req.resident, contact):
            return req
    return None


def _resident_for(group, contact: Contact, resident, acting_user):
    from kith.residents.services import register_resident, update_contact

    if resident is None:
        resident = same_person_by_phone(group, contact)
    if resident is None:
        return register_resident(
            group, acting_user=acting_user, name=contact.name, phone=contact.phone,
            email=contact.email, address=contact.address, postcode=contact.postcode,
            postcode_sector=contact.postcode_sector, language=contact.language,
            at_risk=contact.at_risk,
        )
    return update_contact(resident, acting_user=acting_user, contact=contact)


def needed_by(urgency: str, now):
    days = {"today": 0, "soon": 3, "week": 7}.get(urgency)
    if days is None:
        return None
    # Eight in the evening by the clock on the resident's wall, not UTC's.
    return timezone.localtime(now + timedelta(days=days)).replace(hour=20, minute=0, second=0,
                                                                  microsecond=0)


@transaction.atomic
def take_request(group, *, channel: str, contact: Contact, need: Need, acting_user=None,
                 resident=None, triage: bool = False) -> IntakeResult:
    """Record a request from any channel. `triage=True` when a call handler has just spoken
    to the resident (phone intake), so it needs no callback and is triaged at once."""
    from kith.groups.models import Group
    from kith.requests.callbacks import queue_request

    # One intake at a time per group (on PostgreSQL), so two calls from the same number at
    # the same moment make one request and an "asked again", not two of each. Moves never
    # lock the group, so this cannot deadlock with them.
    Group.objects.select_for_update(of=("self",)).get(pk=group.pk)
    now = timezone.now()
    earlier = open_request_from(group, contact.phone, now, resident=resident, contact=contact)
    if earlier is not None:
        add_event(earlier, "asked_again", actor=acting_user,
                  note=f"Again by {HelpRequest.Channel(channel).label.lower()}"
                       + (f" from {need.partner_name}" if need.partner_name else "") + ": "
                       f"{HelpRequest(service=need.service).get_service_display()}")
        log_action("kith.request.asked_again", actor=acting_user, group=group, obj=earlier,
                   new={"channel": channel, "service": need.service})
        return IntakeResult(earlier, linked=True)

    resident = _resident_for(group, contact, resident, acting_user)
    req = HelpRequest.objects.create(
        group=group, resident=resident, reference=new_reference(), service=need.service,
        details=need.details or None, urgency=need.urgency, when=need.when,
        needed_by=needed_by(need.urgency, now), contact_by=need.contact_by, channel=channel,
        asked_by=need.asked_by, partner_kind=need.partner_kind, partner_name=need.partner_name,
        partner_contact=need.partner_contact or None, consent_at=now if need.consent else None,
        created_at=now, created_by=acting_user if getattr(acting_user, "is_authenticated", False)
        else None,
    )
    add_event(req, "created", actor=acting_user, from_state="", state=NEW,
              note=f"By {HelpRequest.Channel(channel).label.lower()}"
                   + (f" from {need.partner_name}" if need.partner_name else ""))
    log_action("kith.request.created", actor=acting_user, group=group, obj=req,
               new={"channel": channel, "service": need.service, "urgency": need.urgency,
                    "resident": resident.pk, "partner": need.partner_name})

    _flag_shared_phone(req, contact)
    exclusion = excluded(group, contact)
    if exclusion is not None:
        add_event(req, "exclusion_match", actor=None)
        make_move(req, "hold", actor=None, note="Matched the exclusion list: for a coordinator")
        notify.exclusion_match(req, exclusion)
        return IntakeResult(req, excluded=True)
    if triage:
        make_move(req, "triage", actor=acting_user)
    else:
        queue_request(req, policy=RequestPolicy.for_group(group), now=now)
    return IntakeResult(req)


def _flag_shared_phone(req: HelpRequest, contact: Contact) -> None:
    """A new resident whose number another resident of the group has: say so on the request,
    so whoever calls back checks who they are speaking to (and that nothing of the other
    person's is mentioned). The other resident is not named on the new request."""
    digest = phone_digest(contact.phone)
    if not digest:
        return
    others = req.group.residents.filter(phone_digest=digest).exclude(pk=req.resident_id)
    if not others.exists():
        return
    add_event(req, "same_phone", actor=None,
              note="Same phone number as another resident, with a different name and postcode")
    log_action("kith.request.same_phone", actor=None, group=req.group, obj=req,
               new={"resident": req.resident_id})

