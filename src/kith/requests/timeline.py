"""The names of the lines on a request's timeline that are notes, not moves (a move's name is
its label in lifecycle.py).

Other apps add lines of their own (a referral sent, a resident signposted): they register
their names here from their AppConfig.ready(), as they register audit words with
core.audit.ACTION_LABELS, so this app never needs to know about them.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise

Label = str | Promise  # a plain string, or a lazily translated one

_LABELS: dict[str, Label] = {
    "created": "Request made",
    "asked_again": "Asked again (linked, not a second request)",
    "callback_attempt": "Call attempt",
    "callback_withdrawn": "Call taken out of the queue",
    "reminder_sent": "Reminder sent to the volunteer",
    "note": "Note",
    "exclusion_match": "Matched the exclusion list: sent to a coordinator",
    "outside_area": "Asked from outside the group's area: coordinators told",
    "same_phone": "Same phone number as another resident: check who you are speaking to",
    "status_checked": "Resident checked the status",
    "nobody_to_offer": "Nobody to offer it to",
    "offers_exhausted": "Offers ran out: a coordinator was told",
    "corrected": "Details corrected",
    "resident_corrected": "Resident's details corrected",
    "resident_note": "Note from the resident",
}


def register_labels(labels: Mapping[str, Label]) -> None:
    """Add another app's timeline lines. A name already taken is refused, so two apps can't
    quietly relabel each other's lines (an action code is stored: it names one thing)."""
    clashes = sorted(code for code, label in labels.items()
                     if code in _LABELS and str(_LABELS[code]) != str(label))
    if clashes:
        raise ValueError(f"timeline lines already named elsewhere: {', '.join(clashes)}")
    _LABELS.update(labels)


def label_for(action: str) -> str:
    """The line's name; an unregistered action is shown as its own words."""
    label = _LABELS.get(action)
    return str(label) if label is not None else action.replace("_", " ")
