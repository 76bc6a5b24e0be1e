"""What a person may ask of Kith about their own data (issue 16, items 3 and 4).

`ExportLink`: a copy of everything Kith holds about a resident, made by a coordinator on their
request and handed over as a one-time link plus a short code told by phone. The copy is
sealed (it is nothing but personal data) and emptied once it is read or has expired.

`Withdrawal`: one consent a person took back, and when they gave it again. Volunteers' data
consent lives in volunteers.Consent (the row goes when it is withdrawn, so every rule that
asks for it, matching's cards first, stops at once); this keeps the history the export shows.
A kind of message withdrawn (offers, reminders, relayed texts) is an open row here, which
the outbox reads before it queues anything of that kind.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from kith.core.fields import EncryptedTextField


class ExportLink(models.Model):
    LIFETIME = timedelta(days=7)
    MAX_TRIES = 5  # wrong codes before the link locks for good

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    resident = models.ForeignKey("residents.Resident", on_delete=models.CASCADE,
                                 related_name="exports")
    # Only digests are kept: the link's token and the code are shown once, to the coordinator.
    token_digest = models.CharField(max_length=64, unique=True)
    code_digest = models.CharField(max_length=64)
    payload = EncryptedTextField(null=True, blank=True)  # the JSON, emptied after use or expiry
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Copy of their data for resident {self.resident_id}"

    @property
    def state(self) -> str:
        if self.used_at:
            return "used"
        if self.locked_at:
            return "locked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "waiting"


class Withdrawal(models.Model):
    """One consent taken back: a volunteer's consent kind (volunteers.Consent.Kind) or a kind
    of message (transparency.kinds.MESSAGE_KINDS, prefixed "messages:")."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.CASCADE, related_name="withdrawals")
    resident = models.ForeignKey("residents.Resident", null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="withdrawals")
    kind = models.CharField(max_length=40)
    version = models.PositiveSmallIntegerField(null=True, blank=True)  # of the wording withdrawn
    given_at = models.DateTimeField(null=True, blank=True)  # when it had been given
    withdrawn_at = models.DateTimeField(default=timezone.now)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    given_again_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-withdrawn_at", "-id"]
        indexes = [models.Index(fields=["kind", "given_again_at"])]
        constraints = [models.CheckConstraint(
            condition=models.Q(person__isnull=False) ^ models.Q(resident__isnull=False),
            name="withdrawal_of_one_person_or_resident")]

    def __str__(self) -> str:
        return f"{self.kind} withdrawn"

    @property
    def label(self) -> str:
        """What was withdrawn, in the person's own words."""
        from kith.transparency.kinds import kind_words

        return kind_words(self.kind)

    @property
    def their_label(self) -> str:
        """What was withdrawn, in words for a coordinator's page about the resident."""
        from kith.transparency.kinds import kind_words

        return kind_words(self.kind, theirs=True)
