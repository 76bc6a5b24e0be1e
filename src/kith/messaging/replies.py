"""What Kith does with a text someone sends to the group's number.

STOP (and the other words carriers treat as STOP) opts the number out of texts from every
group until START; both are recorded and audited. Anything else gets a short answer saying
what Kith understands, through the outbox like every text.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core.audit import log_action
from kith.core.digest import phone_digest
from kith.messaging.models import InboundText, Message, TextOptOut
from kith.messaging.outbox import STOPPED

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
START_WORDS = {"START", "UNSTOP", "OPTIN"}


def sender_of(digest: str):
    """(person, resident) Kith last texted at this number, either may be None."""
    last = (Message.objects.filter(to_digest=digest, channel=Message.Channel.SMS)
            .exclude(person=None, resident=None).order_by("-created_at", "-pk")
            .select_related("person", "resident").first())
    if last is not None:
        return last.person, last.resident
    from kith.residents.models import Resident

    return None, Resident.objects.filter(phone_digest=digest).order_by("-pk").first()


def receive(sid: str, number: str, body: str) -> str:
    """Record an inbound text and act on it; returns what was done ("" if a replay)."""
    digest = phone_digest(number)
    words = body.strip().upper().split()
    first = words[0] if words else ""
    try:
        with transaction.atomic():
            row = InboundText.objects.create(provider_id=sid, from_digest=digest, body=body[:1600])
            if first in STOP_WORDS:
                row.action = opt_out(digest)
            elif first in START_WORDS:
                row.action = opt_in(digest, number)
            else:
                row.action = "helped"
                _answer(number, digest, _(
                    "Kith here. We could not act on your text. Reply STOP to get no more "
                    "texts, START to get them again. For help, call your group."))
            row.save(update_fields=["action"])
    except IntegrityError:  # the same text twice: already handled
        return ""
    return row.action


def opt_out(digest: str) -> str:
    if not digest:
        return "ignored"
    optout, made = TextOptOut.objects.get_or_create(phone_digest=digest)
    if made:
        person, resident = sender_of(digest)
        log_action("kith.messaging.texts_stopped", actor=person, obj=optout,
                   new={"person": person.pk if person else None,
                        "resident": resident.pk if resident else None})
    # Nothing still waiting goes to them either.
    Message.objects.filter(to_digest=digest, channel=Message.Channel.SMS,
                           state=Message.State.QUEUED).update(
        state=Message.State.FAILED, error=STOPPED, failed_at=timezone.now(),
        reported_at=timezone.now())
    return "stopped"


def opt_in(digest: str, number: str) -> str:
    deleted, _rows = TextOptOut.objects.filter(phone_digest=digest).delete()
    if deleted:
        person, resident = sender_of(digest)
        log_action("kith.messaging.texts_started", actor=person, obj=None,
                   new={"person": person.pk if person else None,
                        "resident": resident.pk if resident else None})
    return "started"


def _answer(number: str, digest: str, words: str) -> None:
    from kith.messaging.outbox import queue_text

    person, resident = sender_of(digest)
    queue_text(to=number, body=words, person=person, resident=resident, template="reply")
