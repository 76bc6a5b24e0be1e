"""Referrals out: a resident passed on to a local service, with consent captured in plain
words (what will be shared, with whom, why), only the details they agreed to, the service's
caution notes shown before anything is sent; then followed from sent to accepted to closed.
Every step writes an audit row and a line on the request's timeline, never the details.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
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
    referral = Referral.objects.create(
        group=group, service=service, request=request, shared=shared, why=why,
        consent_version=wording_version,
        consent_text=consent_words(service, group, shared, why, wording_version),
        consented_at=now, sent_at=now, created_by=acting_user)
    log_action("kith.referral.sent", actor=acting_user, group=group, obj=referral,
               new={"local_service": service.pk, "request": request.reference,
                    "shared": shared, "consent_version": wording_version})
    _timeline(referral, "referral_sent", _("Referred to %(service)s (%(organisation)s), with "
                                           "their consent") % {
        "service": service.name, "organisation": service.organisation}, acting_user)
    _note_on_cases(referral, acting_user)
    return referral


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
