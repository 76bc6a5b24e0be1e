"""What was sent to whom, and what did not arrive, in words for people (never a number or a
message's words: those stay sealed in the row)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as _noop
from django.utils.translation import ngettext

from kith.messaging.models import Message
from kith.messaging.outbox import NO_LONGER_NEEDED, STOPPED
from kith.transparency.consents import WITHDRAWN

SHOWN = 50
FAILURE_WINDOW = timedelta(days=7)


def for_person(person, *, group=None, limit: int = SHOWN) -> list[Message]:
    """All messages to a person (their own account page), or those one group sent them (what
    that group's coordinators see)."""
    rows = Message.objects.filter(person=person)
    return list((rows.filter(group=group) if group is not None else rows)[:limit])


def for_resident(resident, limit: int = SHOWN) -> list[Message]:
    return list(Message.objects.filter(resident=resident)[:limit])


def for_group(group, limit: int = 200) -> list[Message]:
    return list(Message.objects.filter(group=group).select_related("person", "resident")[:limit])


def recipient_name(message: Message) -> str:
    if message.person is not None:
        return message.person.display_name or _("a volunteer")
    if message.resident is not None:
        return message.resident.name or _("a resident")
    if message.channel == Message.Channel.WEBHOOK:
        return _("a partner's server")
    return _("someone")


# What a text was about, from the kind its sender gave it (Message.template): the first key
# found in the kind wins, so "status_code" is a code, not a status update.
TEXT_KINDS = [
    ("code", _noop("Code")),
    ("offer", _noop("Offer of a task")),
    ("remind", _noop("Reminder")),
    ("reply", _noop("Answer to their text")),
    ("relay", _noop("Passed on between volunteer and resident")),
    ("status", _noop("News of their request")),
]


def what_about(message: Message) -> str:
    """The log's "What": an email's subject; for a text, its kind in words (never its words)."""
    if message.subject:
        return message.subject
    kind = (message.template or "").lower()
    for key, words in TEXT_KINDS:
        if key in kind:
            return _(words)
    return _("Text message")


def held_until(message: Message, now=None):
    """When a text held for quiet hours will go (never tried, due later); None otherwise."""
    now = now or timezone.now()
    if (message.state == Message.State.QUEUED and message.attempts == 0
            and message.next_attempt_at is not None and message.next_attempt_at > now):
        return message.next_attempt_at
    return None


def failure_words(message: Message) -> str:
    """Why a message did not arrive: stored in English (gettext_noop where written), shown in
    the reader's language when a translation exists."""
    return _(message.error) if message.error else _("no reason given")


def recent_failures(group, now=None):
    since = (now or timezone.now()) - FAILURE_WINDOW
    return (Message.objects.filter(group=group, state=Message.State.FAILED, failed_at__gte=since)
            .exclude(error__in=[STOPPED, NO_LONGER_NEEDED, WITHDRAWN]))


def failure_lines(messages) -> list[str]:
    """"3 texts to Tom Brennan failed: number not in service", one line per who, how, why."""
    counts = Counter((recipient_name(m), m.channel, failure_words(m)) for m in messages)
    lines = []
    for (name, channel, why), n in sorted(counts.items()):
        if channel == Message.Channel.SMS:
            what = ngettext("%(n)d text to %(name)s failed: %(why)s",
                            "%(n)d texts to %(name)s failed: %(why)s", n)
        elif channel == Message.Channel.WHATSAPP:
            what = ngettext("%(n)d WhatsApp message to %(name)s failed: %(why)s",
                            "%(n)d WhatsApp messages to %(name)s failed: %(why)s", n)
        elif channel == Message.Channel.WEBHOOK:
            what = ngettext("%(n)d webhook to %(name)s failed: %(why)s",
                            "%(n)d webhooks to %(name)s failed: %(why)s", n)
        else:
            what = ngettext("%(n)d email to %(name)s failed: %(why)s",
                            "%(n)d emails to %(name)s failed: %(why)s", n)
        lines.append(what % {"n": n, "name": name, "why": why})
    return lines


def report_failures(now=None) -> int:
    """Email each group's coordinators once about messages that failed for good; returns how
    many groups were told. Run by the sweep (kith tick)."""
    from kith.groups.models import Group
    from kith.messaging.outbox import queue_email

    now = now or timezone.now()
    unreported = (Message.objects.filter(state=Message.State.FAILED, reported_at=None)
                  .exclude(group=None).select_related("person", "resident"))
    told = 0
    for group in Group.objects.filter(pk__in=unreported.values("group_id")):
        with transaction.atomic():
            rows = list(unreported.filter(group=group).select_for_update(of=("self",)))
            if not rows:
                continue
            lines = failure_lines(rows)
            link = _site(reverse("messaging:group_log", args=[group.slug]))
            for membership in group.memberships.filter(is_coordinator=True).select_related("person"):
                # No group on the report itself: a report that fails is not reported again.
                queue_email(to=membership.person.email or "", person=membership.person,
                            subject=_("Messages that did not arrive"),
                            template="messaging/email/failures.txt",
                            context={"group": group, "lines": lines, "link": link})
            Message.objects.filter(pk__in=[r.pk for r in rows]).update(reported_at=now)
            told += 1
    return told


def _site(path: str) -> str:
    from kith.core.links import site_url

    return site_url(path)
