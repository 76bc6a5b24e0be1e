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


MESSAGE_KINDS = {k.key: k for k in [
    MessageKind("offers", _("Offers of tasks near you"),
                frozenset({"matching/email/offered.txt", "matching/text/offered.txt"}), VOLUNTEER),
    MessageKind("reminders", _("Reminders about tasks you have taken"),
                frozenset({"requests/email/reminder.txt", "requests/text/reminder.txt"}),
                VOLUNTEER),
    MessageKind("routes", _("Routes for delivery runs"),
                frozenset({"runs/email/route.txt", "runs/text/route.txt"}), VOLUNTEER),
    MessageKind("relay", _("Texts passed on from your volunteer"), frozenset({"relay"}),
                RESIDENT),
]}

KIND_OF_TEMPLATE = {template: kind.key for kind in MESSAGE_KINDS.values()
                    for template in kind.templates}


def kinds_for(who: str) -> list[MessageKind]:
    return [kind for kind in MESSAGE_KINDS.values() if kind.who == who]


def withdrawal_kind(message_kind: str) -> str:
    return f"{PREFIX}{message_kind}"
