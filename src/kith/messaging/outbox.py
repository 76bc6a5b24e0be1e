"""Every email and text Kith sends goes through here.

`queue_email()` and `queue_text()` write a `Message` row and hand its id to the tasks API
(`tasks.send_messages`) in the caller's transaction: with the database backend
(django-tasks-db) the task row commits or rolls back with the change that caused the message.
A backend outside the database (the immediate backend in tests, Redis at scale) is handed the
ids only once the transaction commits, so a rolled-back change sends nothing there either.

The guarantee (`send_one`):

- A message is claimed by one conditional UPDATE (queued -> sending, attempts + 1) before the
  provider is called, so two workers, or a task that runs twice, never both send it.
- The provider call carries the message's idempotency key (texts: an `Idempotency-Key` header
  on the provider's API; email: the Message-ID header).
- A worker that dies between the claim and recording the answer leaves the row in "sending".
  `recover()` (run when a worker starts and by the sweep) puts such a row back in the queue
  only after CLAIM_TIMEOUT, longer than any provider call may take, and the resend carries the
  same key. A text provider that keeps the first message per key therefore delivers it exactly
  once. SMTP has no such rule: an email whose worker died after the mail server accepted it
  but before Kith wrote "sent" goes out a second time with the same Message-ID (mail programs
  fold copies with one Message-ID into one). That window is one SMTP command long.
- Nothing is lost: a row stays queued until it is sent or fails for good, and a queued row
  whose task has gone (a killed worker's batch) is handed to a new task by `recover()`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_noop

from kith.messaging.models import Message, TextOptOut

logger = logging.getLogger(__name__)

BATCH = 50  # messages per task: one SMTP session, one task row per 50 messages


class TemporaryFailure(Exception):
    """Try again later (the mail server is down, the provider is busy)."""


class PermanentFailure(Exception):
    """Trying again will not help (no such number, the address was refused). Words, no number."""


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str
    person: Any = None
    group: Any = None
    template: str = ""
    resident: Any = None


def render_email(*, to: str, subject: str, template: str, context: dict, person=None,
                 group=None, resident=None) -> Email:
    return Email(to=to, subject=f"[Kith] {subject}", body=render_to_string(template, context),
                 person=person, group=group, template=template, resident=resident)


def queue_email(*, to: str, subject: str, template: str, context: dict, person=None,
                group=None, resident=None, wait_for_commit: bool = True) -> Message | None:
    """Queue one templated email. Returns None when there is no address to send to."""
    if not to:
        return None
    made = queue_emails([render_email(to=to, subject=subject, template=template, context=context,
                                      person=person, group=group, resident=resident)],
                        wait_for_commit=wait_for_commit)
    return made[0]


def queue_emails(emails: Sequence[Email], *, wait_for_commit: bool = True) -> list[Message]:
    """Queue many at once (an import's re-consent mails): one INSERT, one task per BATCH."""
    rows = [Message(channel=Message.Channel.EMAIL, to=e.to, subject=e.subject[:300], body=e.body,
                    template=e.template, person=e.person or None, group=e.group or None,
                    resident=e.resident or None)
            for e in emails if e.to]
    _refuse_withdrawn(rows, timezone.now())
    return _save_and_enqueue(rows, wait_for_commit=wait_for_commit)


@dataclass(frozen=True)
class Text:
    """A text or WhatsApp message. `urgent` ones skip the group's quiet hours; `content_sid`
    (WhatsApp only) names an approved template, filled from `content_variables` (JSON)."""

    to: str
    body: str
    person: Any = None
    resident: Any = None
    group: Any = None
    template: str = ""
    channel: str = Message.Channel.SMS
    urgent: bool = False
    content_sid: str = ""
    content_variables: str = ""
    expires_at: Any = None  # of no use after this (an offer that has closed): never sent then


# Stored in English like every failure's words; translated where shown (log.why).
STOPPED = gettext_noop("They replied STOP: no texts until they send START")
# Not a failure anyone must act on: coordinators are not told (reported_at set, like STOP).
NO_LONGER_NEEDED = gettext_noop("No longer needed: the offer closed before it could be sent")


def queue_text(*, to: str, body: str, person=None, resident=None, group=None,
               template: str = "", channel: str = Message.Channel.SMS, urgent: bool = False,
               content_sid: str = "", content_variables: str = "", expires_at=None,
               wait_for_commit: bool = True) -> Message | None:
    """Queue one text (or WhatsApp message) to a UK number (E.164). Unless `urgent`, one
    queued inside `group`'s quiet hours waits until they end (messaging/quiet.py)."""
    made = queue_texts([Text(to=to, body=body, person=person, resident=resident, group=group,
                             template=template, channel=channel, urgent=urgent,
                             content_sid=content_sid, content_variables=content_variables,
                             expires_at=expires_at)],
                       wait_for_commit=wait_for_commit)
    return made[0] if made else None


def queue_texts(texts: Sequence[Text], *, wait_for_commit: bool = True) -> list[Message]:
    """Queue many. A number that answered STOP gets nothing: its row is kept, failed, so the
    log says why (and no coordinator is told: it was their choice)."""
    from kith.core.digest import phone_digest

    holds: dict[int, Any] = {}  # group pk -> when its quiet hours end (one query a group)
    for t in texts:
        if t.group is not None and not t.urgent and t.group.pk not in holds:
            holds[t.group.pk] = _quiet_until(t.group)
    rows = [Message(channel=t.channel, to=t.to, to_digest=phone_digest(t.to),
                    body=t.body, template=t.template, person=t.person or None,
                    resident=t.resident or None, group=t.group or None,
                    content_sid=t.content_sid, content_variables=t.content_variables or None,
                    expires_at=t.expires_at,
                    next_attempt_at=None if t.urgent or t.group is None else holds[t.group.pk])
            for t in texts if t.to]
    stopped = set(TextOptOut.objects.filter(phone_digest__in={r.to_digest for r in rows if r.to_digest})
                  .values_list("phone_digest", flat=True))
    now = timezone.now()
    for row in rows:
        if row.to_digest in stopped:
            row.state, row.failed_at, row.reported_at, row.error = (
                Message.State.FAILED, now, now, STOPPED)
    _refuse_withdrawn(rows, now)
    return _save_and_enqueue(rows, wait_for_commit=wait_for_commit)


def _refuse_withdrawn(rows: list[Message], now) -> None:
    """A kind of message its person or resident withdrew consent to (offers, reminders,
    relayed texts: kith.transparency.kinds) is kept, failed, so the log says why, and never
    sent; like STOP it was their choice, so no coordinator is told."""
    from kith.transparency.consents import WITHDRAWN, refused

    for i in refused(rows):
        if rows[i].state == Message.State.QUEUED:
            rows[i].state, rows[i].failed_at, rows[i].reported_at, rows[i].error = (
                Message.State.FAILED, now, now, WITHDRAWN)


def queue_webhook(*, url: str, body: str, event: str, group=None) -> Message:
    """Queue one post of JSON to a partner's server (kith.partners.webhooks signs and sends
    it). Never held for quiet hours: a server is not woken by it."""
    (made,) = _save_and_enqueue([Message(channel=Message.Channel.WEBHOOK, to=url, body=body,
                                         subject=event[:300], template="partners/webhook",
                                         group=group)], wait_for_commit=True)
    return made


def _quiet_until(group):
    """When the group's quiet hours end, if it is inside them now; None otherwise (and for a
    message from no group: an answer to someone who has just texted us)."""
    from kith.messaging import quiet

    if group is None:
        return None
    return quiet.hold_until(quiet.hours_for(group), timezone.now())


def _save_and_enqueue(rows: list[Message], *, wait_for_commit: bool) -> list[Message]:
    if not rows:
        return []
    with transaction.atomic():
        if len(rows) == 1:
            rows[0].save()
        else:
            rows = Message.objects.bulk_create(rows, batch_size=500)
            if rows and rows[0].pk is None:  # backends that do not return ids
                keys = [r.key for r in rows]
                rows = list(Message.objects.filter(key__in=keys).order_by("pk"))
        queued = [r for r in rows if r.state == Message.State.QUEUED]
        enqueue([r.pk for r in queued if r.next_attempt_at is None],
                wait_for_commit=wait_for_commit)
        for when in sorted({r.next_attempt_at for r in queued if r.next_attempt_at}):
            # Held for quiet hours: a task due when they end.
            enqueue([r.pk for r in queued if r.next_attempt_at == when], run_after=when,
                    wait_for_commit=wait_for_commit)
    return rows


def _in_database() -> bool:
    from django_tasks_db.backend import DatabaseBackend

    from kith.messaging.tasks import send_messages

    return isinstance(send_messages.get_backend(), DatabaseBackend)


def enqueue(ids: Sequence[int], *, run_after=None, wait_for_commit: bool = True) -> None:
    """Hand ids to the tasks API, BATCH at a time (see the module docstring for when)."""
    from kith.messaging.tasks import send_messages

    chunks = [list(ids[i:i + BATCH]) for i in range(0, len(ids), BATCH)]
    if not chunks:
        return
    if _in_database():
        # Always a due time, now if nothing later: the worker takes the earliest first, so a
        # message being retried cannot jump ahead of new ones for ever (a task without one
        # sorts after every task that has one).
        task = send_messages.using(run_after=run_after or timezone.now())
        for chunk in chunks:
            task.enqueue(chunk)
        return
    if run_after is not None:
        return  # a backend that cannot wait: the sweep's recover() retries it when it is due

    def hand_over() -> None:
        for chunk in chunks:
            send_messages.enqueue(chunk)

    if wait_for_commit:
        transaction.on_commit(hand_over)
    else:  # nothing to roll back (a sign-in code): send now
        hand_over()


# --- sending


def retry_delay(attempts: int) -> timedelta:
    """Doubling from KITH_OUTBOX_RETRY_BASE seconds, at most KITH_OUTBOX_RETRY_MAX."""
    base = settings.KITH_OUTBOX_RETRY_BASE
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), settings.KITH_OUTBOX_RETRY_MAX))


def claim(pk: int) -> Message | None:
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    got = (Message.objects.filter(due, pk=pk, state=Message.State.QUEUED)
           .update(state=Message.State.SENDING, claimed_at=now, attempts=F("attempts") + 1))
    return Message.objects.get(pk=pk) if got else None


def send_one(pk: int, *, mail=None) -> str:
    """Claim, send and record one message; returns its new state ("" if not ours to send).
    `mail` is a shared SMTP connection for a batch."""
    from kith.messaging import providers

    message = claim(pk)
    if message is None:
        return ""
    if message.expires_at is not None and message.expires_at <= timezone.now():
        return _no_longer_needed(message)
    try:
        provider_id = providers.deliver(message, mail=mail)
    except PermanentFailure as problem:
        return _failed(message, str(problem))
    except TemporaryFailure as problem:
        return _later(message, str(problem))
    except Exception:  # a bug or an unexpected answer: keep the message, try again later
        logger.exception("message %s could not be sent", message.pk)
        return _later(message, "Unexpected error while sending")
    Message.objects.filter(pk=message.pk, state=Message.State.SENDING).update(
        state=Message.State.SENT, sent_at=timezone.now(), provider_id=provider_id or "",
        error="")
    return Message.State.SENT


def _later(message: Message, why: str) -> str:
    if message.attempts >= settings.KITH_OUTBOX_MAX_ATTEMPTS:
        return _failed(message, f"Gave up after {message.attempts} tries: {why}")
    when = timezone.now() + retry_delay(message.attempts)
    Message.objects.filter(pk=message.pk, state=Message.State.SENDING).update(
        state=Message.State.QUEUED, next_attempt_at=when, enqueued_at=timezone.now(),
        error=why[:300])
    enqueue([message.pk], run_after=when)
    return Message.State.QUEUED


def _failed(message: Message, why: str) -> str:
    Message.objects.filter(pk=message.pk).exclude(state=Message.State.DELIVERED).update(
        state=Message.State.FAILED, failed_at=timezone.now(), error=why[:300])
    return Message.State.FAILED


def _no_longer_needed(message: Message) -> str:
    """Held past its use (an offer text held for quiet hours after the offer closed): sending
    "Reply YES" for a dead offer would only confuse. Recorded, never reported as a failure."""
    now = timezone.now()
    Message.objects.filter(pk=message.pk, state=Message.State.SENDING).update(
        state=Message.State.FAILED, failed_at=now, reported_at=now, error=NO_LONGER_NEEDED)
    return Message.State.FAILED


# --- finding what a dead worker left


def recover(*, stale: timedelta | None = None, claim_timeout: timedelta | None = None) -> int:
    """Hand lost messages to new tasks; returns how many. Safe to run any time, twice."""
    now = timezone.now()
    claim_timeout = claim_timeout if claim_timeout is not None else timedelta(
        seconds=settings.KITH_OUTBOX_CLAIM_TIMEOUT)
    stale = stale if stale is not None else timedelta(seconds=settings.KITH_OUTBOX_STALE)
    # Died mid-send: back to the queue with the same key (the guarantee above).
    Message.objects.filter(state=Message.State.SENDING, claimed_at__lt=now - claim_timeout).update(
        state=Message.State.QUEUED, enqueued_at=None)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    handed = Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=_lost_before(now - stale))
    ids = list(Message.objects.filter(due, handed, state=Message.State.QUEUED)
               .order_by("pk").values_list("pk", flat=True))
    if ids:
        with transaction.atomic():
            Message.objects.filter(pk__in=ids).update(enqueued_at=now)
            enqueue(ids)
    return len(ids)


def _lost_before(cutoff):
    """Messages handed to a task before this have lost it. With the database backend, a task
    still waiting was enqueued with its messages (in one transaction), so a message handed on
    before the oldest waiting task was taken by a worker that did not finish it: a long
    backlog is not mistaken for lost tasks and handed on again and again."""
    if not _in_database():
        return cutoff
    from django_tasks_db.models import DBTaskResult

    from kith.messaging.tasks import send_messages

    oldest = (DBTaskResult.objects.filter(status="READY", task_path=send_messages.module_path)
              .order_by("enqueued_at").values_list("enqueued_at", flat=True).first())
    return min(cutoff, oldest - timedelta(seconds=1)) if oldest else cutoff
