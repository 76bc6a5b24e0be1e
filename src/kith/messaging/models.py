"""The outbox: one row per email or text Kith sends, written in the transaction that causes it.

The row is the truth about a message; the task that sends it (django-tasks) is only the nudge.
A lost or crashed task is found again by `outbox.recover()` (the worker at start-up and the
sweep), so a message is never lost, and the conditional claim in `outbox.send_one()` means it is
never sent twice by Kith (see the guarantee written there).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kith.core.fields import EncryptedTextField


class Message(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")
        WHATSAPP = "whatsapp", _("WhatsApp")
        # A signed post to a partner's server (kith.partners.webhooks): same queue and retries.
        WEBHOOK = "webhook", _("Webhook to a partner")

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Not delivered")

    # Sent with every provider call; a provider that sees it twice keeps the first.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="messages_sent_to")
    resident = models.ForeignKey("residents.Resident", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="messages")
    group = models.ForeignKey("groups.Group", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="messages")
    # The address or number, and the words: sealed like any personal data (a code is in there).
    to = EncryptedTextField()
    to_digest = models.CharField(max_length=64, blank=True, db_index=True)  # numbers: phone_digest
    template = models.CharField(max_length=200, blank=True)  # what kind of message, for the log
    subject = models.CharField(max_length=300, blank=True)
    body = EncryptedTextField()
    # WhatsApp outside the 24-hour window takes only an approved template: its id and the
    # values for its blanks (JSON, sealed like the body). Empty for everything else.
    content_sid = models.CharField(max_length=64, blank=True)
    content_variables = EncryptedTextField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # No use after this (an offer's text once the offer has closed): the outbox drops it then.
    expires_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)  # when the state became "sending"
    # When a task was last given it: recover() hands on only rows no task has had for a while.
    enqueued_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)
    error = models.CharField(max_length=300, blank=True)  # in words, no address or number
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)  # coordinators told of the failure

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"]),
                   models.Index(fields=["person", "-created_at"]),
                   models.Index(fields=["resident", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.pk} ({self.state})"

    @property
    def arrived(self) -> bool | None:
        """True delivered, False failed, None not known yet (email: sent is as far as we see)."""
        if self.state == self.State.DELIVERED:
            return True
        if self.state == self.State.FAILED:
            return False
        return None


TEXT_CHANNELS = (Message.Channel.SMS, Message.Channel.WHATSAPP)  # to a phone number


class StatusReport(models.Model):
    """One delivery-status callback, by the provider's message id and status: a replay of
    the same report finds its row and changes nothing."""

    provider_id = models.CharField(max_length=64)
    status = models.CharField(max_length=32)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider_id", "status"],
                                               name="one_report_per_status")]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.status}"


class InboundText(models.Model):
    """A text someone sent to the group's number, by the provider's message id (replays are
    dropped). The body is sealed; the number is kept only as its digest. A call to the number
    is kept here too, by its CallSid (body "call"), so a replayed voice webhook is known
    (messaging/relay.py); `action` says what Kith did ("relayed", "call_bridged", ...)."""

    provider_id = models.CharField(max_length=64, unique=True)
    from_digest = models.CharField(max_length=64, db_index=True)
    body = EncryptedTextField()
    # How it came (a text or WhatsApp): Kith answers the same way.
    channel = models.CharField(max_length=8, default="sms")
    action = models.CharField(max_length=40, blank=True)  # what Kith did with it
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Text {self.provider_id}"


class TextOptOut(models.Model):
    """A number that answered STOP: no text goes to it again, from any group, until START."""

    phone_digest = models.CharField(max_length=64, unique=True)
    opted_out_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return "A number that replied STOP"


class ContactPreference(models.Model):
    """How a person wants Kith to reach them. No row: email, or a text for someone who has
    only a phone number (`channels.preferred`)."""

    person = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="contact_preference")
    channel = models.CharField(max_length=8, choices=Message.Channel.choices)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.person}: {self.get_channel_display()}"


class QuietHours(models.Model):
    """When a group sends no texts or WhatsApp messages unless urgent. No row: 21:00 to 08:00,
    London time (`quiet.hours_for`)."""

    group = models.OneToOneField("groups.Group", on_delete=models.CASCADE,
                                 related_name="quiet_hours")
    starts = models.TimeField()
    ends = models.TimeField()
    time_zone = models.CharField(max_length=64, default="Europe/London")

    class Meta:
        verbose_name_plural = "quiet hours"

    def __str__(self) -> str:
        return f"{self.group}: {self.starts:%H:%M}-{self.ends:%H:%M}"
