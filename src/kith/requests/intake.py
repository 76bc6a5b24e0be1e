"""Intake: every way a request comes in (web form, phone, partner referral, a series).

One function, so the same rules hold on every channel: a returning phone number finds its
resident; the same number within a day joins the open request instead of starting another;
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


def open_request_from(group, phone: str, now=None, resident=None):
    """An open request from this number (or this resident) made in the last 24 hours, to join
    rather than repeat."""
    from django.db.models import Q

    from kith.requests.lifecycle import CHECKED_UP, DONE, OPEN

    digest = phone_digest(phone)
    who = Q(resident__phone_digest=digest) if digest else Q(pk__in=[])
    if resident is not None:
        who |= Q(resident=resident)
    since = (now or timezone.now()) - SAME_NUMBER_WINDOW
    # Done work is not "open" here: asking again after it is a new need.
    return (HelpRequest.objects.filter(who, group=group, created_at__gte=since,
                                       state__in=OPEN - {DONE, CHECKED_UP})
            .order_by("-created_at").first())


def _resident_for(group, contact: Contact, resident, acting_user):
    from kith.residents.services import register_resident, update_contact

    if resident is None:
        resident = find_resident(group, contact.phone)
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
    earlier = open_request_from(group, contact.phone, now, resident=resident)
    if earlier is not None:
        add_event(earlier, "asked_again", actor=acting_user,
                  note=f"Again by {HelpRequest.Channel(channel).label.lower()}: "
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
