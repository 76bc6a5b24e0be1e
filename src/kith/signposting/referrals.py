"""Referrals out: a resident passed on to a local service, with consent captured in plain
words (what will be shared, with whom, why), only the details they agreed to, the service's
caution notes shown before anything is sent; then followed from sent to accepted to closed.
Every step writes an audit row and a line on the request's timeline, never the details.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kith.core.audit import log_action
from kith.signposting.models import LocalService, Referral

# What may be passed on, least first. Nothing else about a resident ever goes.
SHAREABLE: list[tuple[str, str]] = [
    ("name", gettext_lazy("their name")),
    ("phone", gettext_lazy("their phone number")),
    ("address", gettext_lazy("their address")),
    ("need", gettext_lazy("what they need help with")),
]
SHAREABLE_LABELS = dict(SHAREABLE)
# The same, as read to the resident themselves.
SAID_TO_THEM = {"name": gettext_lazy("your name"), "phone": gettext_lazy("your phone number"),
                "address": gettext_lazy("your address"),
                "need": gettext_lazy("what you need help with")}
# The least a service needs to ring someone back.
MINIMUM = ["name", "phone"]

# The words read to the resident. A new wording gets a new number; the old ones stay, so a
# referral always says exactly what was agreed to. Fill in: details, organisation, service,
# why, group.
CONSENT_VERSION = 1
CONSENT_WORDINGS = {
    1: gettext_lazy(
        "We would like to give %(details)s to %(organisation)s, who run %(service)s, so they "
        "can help you with this: %(why)s. Nothing else about you will be passed on. "
        "%(organisation)s is not part of %(group)s: once they have your details, they look "
        "after them under their own rules. You can say no, and it will not change the help "
        "we give you. Is that all right?"),
}


class ReferralRefused(ValueError):
    pass


class AlreadyReferred(ReferralRefused):
    """The same referral (request, service, words) was recorded moments ago: a second press of
    the button, or a second tab. Carries the one already made, so the page can go to it."""

    def __init__(self, message: str, referral: Referral):
        super().__init__(message)
        self.referral = referral


# A second referral with the same request, service and words within this is a double submit.
SAME_REFERRAL_WITHIN = timedelta(minutes=10)


def words_digest(service: LocalService, request, words: str) -> str:
    """A keyed digest of the words read to the resident, for this service and request. The
    page carries it from the words shown to the "they said yes" press, so what is recorded is
    what they heard: if what goes or why changed in between, the digest no longer matches."""
    return salted_hmac("kith.signposting.consent-words",
                       f"{service.pk}|{request.reference}|{words}").hexdigest()


def words_were_shown(service: LocalService, request, words: str, shown: str) -> bool:
    return bool(shown) and constant_time_compare(words_digest(service, request, words), shown)


# Health details in "why": the service reads it, and the form says to leave them out. A short
# list of words that are about health and nothing else, so everyday words are never refused
# (no "care", "aids", "surgery", "operation" or "medicine").
HEALTH_WORDS = re.compile(
    r"\b(diabet\w*|insulin|cancer\w*|chemo\w*|radiotherapy|dialysis|tumou?rs?|dementia|"
    r"alzheimer\w*|parkinson\w*|hiv|hepatitis|tuberculosis|epilep\w*|schizophren\w*|"
    r"bipolar|psychosis|psychotic|suicid\w*|self[- ]harm\w*|overdos\w*|pregnan\w*|"
    r"miscarriage|abortion|multiple sclerosis|stroke|heart attack|cirrhosis)\b",
    re.IGNORECASE)


def health_word_in(why: str) -> str:
    """The first health word in `why`, as typed, or "" when there is none."""
    found = HEALTH_WORDS.search(why or "")
    return found.group(0) if found else ""


def consent_words(service: LocalService, group, shared: list[str], why: str,
                  version: int = CONSENT_VERSION) -> str:
    details = get_text_list([str(SAID_TO_THEM[k]) for k in shared if k in SAID_TO_THEM],
                            _("and"))
    return str(CONSENT_WORDINGS[version]) % {
        "details": details, "organisation": service.organisation, "service": service.name,
        "why": why.rstrip(". ") or _("what you asked about"), "group": group.name}


def _timeline(referral: Referral, action: str, note: str, actor) -> None:
    from kith.requests.moves import add_event  # the request's own public timeline

    add_event(referral.request, action, actor=actor, note=note)


@transaction.atomic
def send(group, service: LocalService, request, *, shared: list[str], why: str,
         consented: bool, acting_user, wording_version: int = CONSENT_VERSION) -> Referral:
    """Record a referral the resident agreed to. Refused without their consent, without
    anything to share, or with anything beyond SHAREABLE."""
    if not consented:
        raise ReferralRefused(_("Ask them first: read them the words above, and tick the box "
                                "only if they say yes."))
    unknown = set(shared) - set(SHAREABLE_LABELS)
    if not shared or unknown:
        raise ReferralRefused(_("Choose what they agreed may be passed on."))
    if request.group_id != group.pk:
        raise ReferralRefused(_("That request belongs to another group."))
    shared = [k for k, _label in SHAREABLE if k in shared]
    now = timezone.now()
    words = consent_words(service, group, shared, why, wording_version)
    _refuse_a_second(request, service, shared, words, now)
    referral = Referral.objects.create(
        group=group, service=service, request=request, shared=shared, why=why,
        consent_version=wording_version, consent_text=words,
        consented_at=now, sent_at=now, created_by=acting_user)
    log_action("kith.referral.sent", actor=acting_user, group=group, obj=referral,
               new={"local_service": service.pk, "request": request.reference,
                    "shared": shared, "consent_version": wording_version})
    _timeline(referral, "referral_sent", _("Referred to %(service)s (%(organisation)s), with "
                                           "their consent") % {
        "service": service.name, "organisation": service.organisation}, acting_user)
    _note_on_cases(referral, acting_user)
    return referral


def _refuse_a_second(request, service: LocalService, shared: list[str], words: str,
                     now) -> None:
    """A double press of "they said yes" makes one referral. The request's row is locked
    first, so two presses at once wait for each other and the second finds the first."""
    type(request).objects.select_for_update().filter(pk=request.pk).first()
    earlier = (Referral.objects.filter(
        request=request, service=service, consent_text=words,
        sent_at__gte=now - SAME_REFERRAL_WITHIN).order_by("-sent_at").first())
    if earlier is not None and earlier.shared == shared:
        raise AlreadyReferred(_("This referral was recorded a few minutes ago, with the same "
                                "words: it has not been made twice."), earlier)


def _note_on_cases(referral: Referral, acting_user) -> None:
    """A referral for a request with an open safeguarding case is a line in that case's
    history (its trail, which only the leads read): which referral, never what was shared."""
    from kith.safeguarding.models import Case

    for case in Case.objects.filter(request=referral.request).exclude(state=Case.State.CLOSED):
        log_action("kith.case.referred", actor=acting_user, group=case.group, obj=case,
                   new={"referral": referral.pk})


MOVES = {"accepted": (Referral.State.SENT,), "closed": (Referral.State.SENT,
                                                        Referral.State.ACCEPTED)}


@transaction.atomic
def move(referral: Referral, to: str, *, acting_user, outcome: str = "") -> Referral:
    """sent -> accepted -> closed (or sent -> closed), once each; a conditional update so two
    people pressing at once move it once."""
    if to not in MOVES:
        raise ReferralRefused(_("A referral is accepted or closed, nothing else."))
    now = timezone.now()
    stamp = {"accepted": {"accepted_at": now}, "closed": {"closed_at": now, "outcome": outcome}}
    moved = Referral.objects.filter(pk=referral.pk, state__in=MOVES[to]).update(
        state=to, **stamp[to])
    if not moved:
        raise ReferralRefused(_("This referral has already moved on: look again."))
    referral.refresh_from_db()
    old_state = "accepted" if referral.accepted_at and to == "closed" else "sent"
    log_action(f"kith.referral.{to}", actor=acting_user, group=referral.group, obj=referral,
               old={"state": old_state}, new={"state": to, "outcome": outcome})
    words = {"accepted": _("Referral to %(service)s accepted"),
             "closed": _("Referral to %(service)s closed")}[to] % {"service": referral.service.name}
    _timeline(referral, f"referral_{to}", f"{words}: {outcome}" if outcome else words,
              acting_user)
    return referral
