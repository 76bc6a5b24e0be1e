"""The kinds of message a person may stop, and the templates each covers.

Only messages Kith sends on its own initiative can be stopped. Sign-in codes, a status code
the resident asked for, safety check-ins and alerts, and answers to someone's own text are
never on this list: stopping them would lock a person out or leave a volunteer unsafe.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PREFIX = "messages:"
VOLUNTEER, RESIDENT = "volunteer", "resident"


@dataclass(frozen=True)
class MessageKind:
    key: str
    label: str | Promise
    templates: frozenset[str]
    who: str  # VOLUNTEER or RESIDENT: whose consents page offers it
    # The words on a coordinator's page about a resident ("their volunteer", not "your").
    staff_label: str | Promise = ""

    @property
    def their_label(self) -> str | Promise:
        return self.staff_label or self.label


MESSAGE_KINDS = {k.key: k for k in [
    MessageKind("offers", _("Offers of tasks near you"),
                frozenset({"matching/email/offered.txt", "matching/text/offered.txt"}), VOLUNTEER),
    MessageKind("reminders", _("Reminders about tasks you have taken"),
                frozenset({"requests/email/reminder.txt", "requests/text/reminder.txt"}),
                VOLUNTEER),
    MessageKind("routes", _("Routes for delivery runs"),
                frozenset({"runs/email/route.txt", "runs/text/route.txt"}), VOLUNTEER),
    MessageKind("relay", _("Texts passed on from your volunteer"), frozenset({"relay"}),
                RESIDENT, _("Texts passed on from their volunteer")),
]}

KIND_OF_TEMPLATE = {template: kind.key for kind in MESSAGE_KINDS.values()
                    for template in kind.templates}


def kinds_for(who: str) -> list[MessageKind]:
    return [kind for kind in MESSAGE_KINDS.values() if kind.who == who]


def withdrawal_kind(message_kind: str) -> str:
    return f"{PREFIX}{message_kind}"


def kind_words(kind: str, *, theirs: bool = False) -> str:
    """A withdrawn consent's kind (volunteers.Consent.Kind or "messages:<key>") in words, for
    pages and the copy: never the code (finding 13)."""
    from kith.volunteers.models import Consent

    message_kind = MESSAGE_KINDS.get(kind.removeprefix(PREFIX)) if kind.startswith(PREFIX) \
        else None
    if message_kind is not None:
        return str(message_kind.their_label if theirs else message_kind.label)
    if kind in Consent.Kind.values:
        return str(Consent.Kind(kind).label)
    return kind  # a kind no longer offered: its code is all there is
