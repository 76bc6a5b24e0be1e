"""What a partner is told about a request it referred: a few plain statuses, not Kith's
internal states.

Coarse on purpose. A request that matched the exclusion list is put on hold at once; a
partner must not be able to tell it from any other request still waiting (intake.py: it
"looks like any other to its sender"), so on hold, escalated and everything before a
volunteer is assigned all read "received".
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from kith.requests import lifecycle as lc

RECEIVED, HELP_ARRANGED, HELPED, COULD_NOT_HELP, CANCELLED = (
    "received", "help_arranged", "helped", "could_not_help", "cancelled")

STATUSES = [
    (RECEIVED, _("Received: the group will get in touch with them")),
    (HELP_ARRANGED, _("A volunteer is arranged")),
    (HELPED, _("Helped")),
    (COULD_NOT_HELP, _("The group could not help")),
    (CANCELLED, _("Cancelled")),
]
STATUS_KEYS = [key for key, _label in STATUSES]

_FOR_STATE = {
    lc.ASSIGNED: HELP_ARRANGED, lc.IN_PROGRESS: HELP_ARRANGED,
    lc.DONE: HELPED, lc.CHECKED_UP: HELPED, lc.CLOSED: HELPED,
    lc.COULD_NOT_HELP: COULD_NOT_HELP, lc.CANCELLED: CANCELLED,
}


def partner_status(state: str) -> str:
    return _FOR_STATE.get(state, RECEIVED)


def of_referral(referral) -> tuple[str, datetime]:
    """The status a partner reads for its own referral, and since when.

    Only changes made after the referral count: before any, it is "received", whatever
    state the request was in. So a referral that joined a request someone else made (the
    resident, another partner) reads exactly like a new one and tells nothing of it."""
    req = referral.request
    shown = partner_status(req.state)
    if req.state_changed_at <= referral.created_at or shown == RECEIVED:
        return RECEIVED, referral.created_at
    return shown, req.state_changed_at


def label(status: str) -> str:
    return str(dict(STATUSES)[status])
