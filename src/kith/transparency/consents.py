"""Consents withdrawn in one step, with immediate effect, and given again (issue 16 item 4).

- A volunteer's data consent withdrawn: the Consent row goes (the history is kept in a
  Withdrawal row), so volunteers.policy counts them as without consent; matching's signal
  rebuilds their card with nothing cleared, and every open offer is withdrawn in the same
  transaction. Tasks they already hold stay theirs (may_hold ignores consents): the page
  says to tell a coordinator if they cannot do them.
- A kind of message withdrawn: messages of that kind still waiting in the outbox are
  cancelled, and the outbox refuses new ones (messaging.outbox asks `stopped_kinds`).
Each change is one transaction with its audit row.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kith.core.audit import log_action
from kith.transparency.kinds import (
    KIND_OF_TEMPLATE,
    MESSAGE_KINDS,
    PREFIX,
    RESIDENT,
    VOLUNTEER,
    withdrawal_kind,
)
from kith.transparency.models import Withdrawal

# Stored in English like the outbox's other reasons; translated where shown (messaging.log).
WITHDRAWN = gettext_noop("They withdrew consent to this kind of message")


class ConsentProblem(Exception):
    """Nothing to withdraw or give again; the message says why in plain words."""


def _open(*, person=None, resident=None):
    rows = Withdrawal.objects.filter(given_again_at__isnull=True)
    return rows.filter(person=person) if person is not None else rows.filter(resident=resident)


def stopped_kinds(*, person=None, resident=None) -> set[str]:
    """The message kinds this person or resident has stopped."""
    if person is None and resident is None:
        return set()
    return {kind.removeprefix(PREFIX) for kind in _open(person=person, resident=resident)
            .filter(kind__startswith=PREFIX).values_list("kind", flat=True)}


def refused(rows) -> set[int]:
    """Of unsaved outbox rows, the positions whose person or resident stopped their kind (two
    queries for any number of rows). The outbox fails them with WITHDRAWN instead of sending."""
    kinds = {i: KIND_OF_TEMPLATE.get(row.template) for i, row in enumerate(rows)}
    if not any(kinds.values()):
        return set()
    people = {row.person_id for row in rows if row.person_id}
    residents = {row.resident_id for row in rows if row.resident_id}
    stops = Withdrawal.objects.filter(given_again_at__isnull=True, kind__startswith=PREFIX)
    by_person = set(stops.filter(person_id__in=people).values_list("person_id", "kind"))
    by_resident = set(stops.filter(resident_id__in=residents).values_list("resident_id", "kind"))
    out = set()
    for i, row in enumerate(rows):
        key = kinds[i]
        kind = withdrawal_kind(key) if key else ""
        if kind and ((row.person_id, kind) in by_person or (row.resident_id, kind) in by_resident):
            out.add(i)
    return out


def check_kind_applies(kind: str, *, person=None) -> None:
    """ConsentProblem unless `kind` is a message this subject gets: offers, reminders and
    routes go to people (volunteers), passed-on texts to residents (finding 13)."""
    if kind not in MESSAGE_KINDS:
        raise ConsentProblem(_("There is no such kind of message."))
    if MESSAGE_KINDS[kind].who != (VOLUNTEER if person is not None else RESIDENT):
        if person is not None:
            raise ConsentProblem(_("You do not get “%(kind)s”, so there is nothing to stop or "
                                   "start.") % {"kind": MESSAGE_KINDS[kind].label})
        raise ConsentProblem(_("Residents do not get “%(kind)s”, so there is nothing to stop "
                               "or start.") % {"kind": MESSAGE_KINDS[kind].label})


@transaction.atomic
def withdraw_messages(kind: str, *, person=None, resident=None, acting_user, group=None) -> int:
    """Stop one kind of message; returns how many waiting messages were cancelled."""
    from kith.messaging.models import Message

    check_kind_applies(kind, person=person)
    subject = {"person": person} if person is not None else {"resident": resident}
    if _open(**subject).filter(kind=withdrawal_kind(kind)).exists():
        raise ConsentProblem(_("That kind of message is stopped already."))
    Withdrawal.objects.create(**subject, kind=withdrawal_kind(kind), withdrawn_by=_by(acting_user))
    now = timezone.now()
    cancelled = (Message.objects.filter(**subject, state=Message.State.QUEUED,
                                        template__in=MESSAGE_KINDS[kind].templates)
                 .update(state=Message.State.FAILED, failed_at=now, reported_at=now,
                         error=WITHDRAWN))
    log_action("kith.consent.withdrawn", actor=acting_user, group=group or _group_of(resident),
               obj=person or resident, new={"kind": withdrawal_kind(kind), "cancelled": cancelled})
    return cancelled


@transaction.atomic
def give_messages_again(kind: str, *, person=None, resident=None, acting_user, group=None) -> None:
    check_kind_applies(kind, person=person)
    subject = {"person": person} if person is not None else {"resident": resident}
    got = _open(**subject).filter(kind=withdrawal_kind(kind)).update(given_again_at=timezone.now())
    if not got:
        raise ConsentProblem(_("That kind of message is not stopped."))
    log_action("kith.consent.given_again", actor=acting_user, group=group or _group_of(resident),
               obj=person or resident, new={"kind": withdrawal_kind(kind)})


@transaction.atomic
def withdraw_data_consent(person, *, acting_user) -> int:
    """A volunteer takes back consent to Kith keeping and sharing their details: no more
    offers from now on. Returns how many open offers were withdrawn."""
    from kith.matching import offers
    from kith.matching.models import Offer
    from kith.volunteers.models import Consent

    given = list(Consent.objects.select_for_update().filter(person=person, kind=Consent.Kind.DATA)
                 .order_by("-version"))
    if not given:
        raise ConsentProblem(_("You have not given that consent, so there is nothing to withdraw."))
    Withdrawal.objects.create(person=person, kind=Consent.Kind.DATA, version=given[0].version,
                              given_at=given[0].given_at, withdrawn_by=_by(acting_user))
    for consent in given:
        consent.delete()  # matching's signal rebuilds their card: nothing cleared now
    why = "They withdrew their consent to Kith keeping their details."
    withdrawn = sum(offers.withdraw(offer, why=why, acting_user=acting_user)
                    for offer in Offer.objects.filter(volunteer=person, state=Offer.State.OPEN)
                    .order_by("pk"))
    log_action("kith.consent.withdrawn", actor=acting_user, obj=person,
               new={"kind": Consent.Kind.DATA, "version": given[0].version,
                    "offers_withdrawn": withdrawn})
    return withdrawn


@transaction.atomic
def give_data_consent_again(person, *, acting_user) -> None:
    from kith.volunteers.models import CONSENT_VERSIONS, Consent

    version = CONSENT_VERSIONS[Consent.Kind.DATA]
    _consent, made = Consent.objects.get_or_create(person=person, kind=Consent.Kind.DATA,
                                                   version=version)
    if not made:
        raise ConsentProblem(_("You have given that consent already."))
    log_action("kith.consent.given_again", actor=acting_user, obj=person,
               new={"kind": Consent.Kind.DATA, "version": version})


def consent_given(sender, instance, created, **kwargs) -> None:
    """post_save on volunteers.Consent: a consent given again ends its open withdrawal."""
    if created and not kwargs.get("raw"):
        Withdrawal.objects.filter(person_id=instance.person_id, kind=instance.kind,
                                  given_again_at__isnull=True).update(given_again_at=timezone.now())


def _by(user):
    return user if getattr(user, "is_authenticated", False) else None


def _group_of(resident):
    return resident.group if resident is not None else None
