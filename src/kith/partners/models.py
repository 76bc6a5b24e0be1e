"""Partners (a pharmacy, a food bank, a council team) and what they do through the API.

A `Partner` belongs to one group. It holds `ApiToken`s, each stored only as a SHA-256
digest of a random secret (the prefix is kept so people can tell tokens apart), scoped to
named scopes and revocable. What a partner sends is kept beside what it made: a
`PartnerReferral` beside the help request (with the consent the partner recorded), a
`PartnerRun` beside the run. A `WebhookDelivery` ties an outbox message to the partner whose
secret signs it when it is sent.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kith.core.fields import EncryptedTextField
from kith.requests.models import HelpRequest

Person = settings.AUTH_USER_MODEL

REFER, RUNS, READ = "refer", "runs", "read"
SCOPES = [
    (REFER, _("Refer people who agreed to it")),
    (RUNS, _("Hand over a batch of deliveries as a run")),
    (READ, _("Read the status of their own referrals and runs")),
]
SCOPE_KEYS = [key for key, _label in SCOPES]


class Partner(models.Model):
    group = models.ForeignKey("groups.Group", on_delete=models.PROTECT, related_name="partners")
    name = models.CharField(_("Name of the organisation"), max_length=120)
    kind = models.CharField(max_length=10, choices=HelpRequest.PartnerKind.choices)
    # Where status changes are posted (signed); empty: no webhooks. The secret is sealed
    # because Kith must read it to sign, and is shown to the coordinator once.
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret = EncryptedTextField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["group", "name"],
                                               name="partners_one_name_per_group")]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="tokens")
    label = models.CharField(max_length=80, blank=True)
    prefix = models.CharField(max_length=16)  # the first characters, shown to tell tokens apart
    digest = models.CharField(max_length=64, unique=True)  # sha256 of the whole token
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # The one-time key of the form that made it: posting that form again (a reload, a double
    # click) finds this token instead of making a second one nobody saw.
    form_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.partner})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def scope_labels(self) -> list[str]:
        labels = dict(SCOPES)
        return [str(labels[s]) for s in self.scopes if s in labels]


class PartnerReferral(models.Model):
    """A person referred in through the API, with the consent the partner recorded.
    Several partners may refer the same person: each sees only its own row."""

    class GivenBy(models.TextChoices):
        PERSON = "the_person", _("The person themselves")
        SOMEONE = "someone_for_them", _("Someone acting for them")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="referrals")
    token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, related_name="referrals")
    request = models.ForeignKey("requests.HelpRequest", on_delete=models.PROTECT,
                                related_name="partner_referrals")
    joined_existing = models.BooleanField(default=False)  # joined an open request, as the form does
    # What this partner sent, kept on its own row: a referral that joined another request
    # is answered with these, never with that request's service or urgency.
    service = models.CharField(max_length=40, blank=True)
    urgency = models.CharField(max_length=20, blank=True)
    details = EncryptedTextField(null=True, blank=True)
    referrer_name = EncryptedTextField(null=True, blank=True)
    referrer_contact = EncryptedTextField(null=True, blank=True)
    consent_version = models.CharField(max_length=40)
    consent_given_by = models.CharField(max_length=20, choices=GivenBy.choices)
    consent_given_by_name = EncryptedTextField(null=True, blank=True)  # someone acting for them
    consent_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Referral {self.public_id} from {self.partner}"


class PartnerRun(models.Model):
    """A run a partner handed over through the API."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="runs")
    token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, related_name="runs")
    run = models.OneToOneField("runs.Run", on_delete=models.PROTECT, related_name="from_partner")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Run {self.public_id} from {self.partner}"


class WebhookDelivery(models.Model):
    """Which partner's secret signs an outbox message of the webhook kind."""

    message = models.OneToOneField("messaging.Message", on_delete=models.CASCADE,
                                   related_name="webhook")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="deliveries")
    referral = models.ForeignKey(PartnerReferral, null=True, on_delete=models.SET_NULL,
                                 related_name="deliveries")
    event = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.event} to {self.partner}"
