"""A group's directory of local services: the food banks, advice centres, kitchens and phone
lines its call handlers signpost people to.

Everything here is about organisations, not people, so it is stored plainly. The group's own
caution notes and whether a service may be shown to the public are Kith's, never exported.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A service nobody has checked for this long gets a nudge on the list and the today page.
STALE_AFTER = timedelta(days=183)


class LocalService(models.Model):
    class Status(models.TextChoices):
        # Open Referral UK's own values, so import and export need no table.
        ACTIVE = "active", _("Running")
        TEMPORARILY_CLOSED = "temporarily closed", _("Closed for now")
        INACTIVE = "inactive", _("Not running")
        DEFUNCT = "defunct", _("Closed for good")

    group = models.ForeignKey("groups.Group", on_delete=models.PROTECT,
                              related_name="local_services")
    # Open Referral UK identifiers, kept so an export and a re-import name the same things.
    uid = models.UUIDField(default=uuid.uuid4, editable=False)
    organisation_uid = models.UUIDField(default=uuid.uuid4, editable=False)
    organisation = models.CharField(_("Organisation"), max_length=200)
    name = models.CharField(_("Service"), max_length=200)
    description = models.TextField(_("What it offers"), blank=True)
    eligibility = models.TextField(_("Who it is for"), blank=True)
    needs = models.JSONField(default=list, blank=True)
    phone = models.CharField(_("Phone"), max_length=40, blank=True)
    email = models.EmailField(_("Email"), blank=True)
    website = models.URLField(_("Website"), max_length=500, blank=True)
    address = models.TextField(_("Address"), blank=True)
    postcode = models.CharField(_("Postcode"), max_length=10, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    opening_times = models.TextField(_("Opening times"), blank=True)
    radius_miles = models.FloatField(_("Serves within (miles)"), null=True, blank=True)
    coverage = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    cost = models.CharField(_("Cost"), max_length=200, blank=True)
    how_to_refer = models.TextField(_("How to refer"), blank=True)
    caution = models.TextField(_("Caution"), blank=True)
    is_public = models.BooleanField(_("Show to the public"), default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    last_checked = models.DateField(_("Last checked"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["organisation", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "uid"], name="signposting_one_uid_per_group"),
            models.CheckConstraint(condition=Q(radius_miles__isnull=True) | Q(radius_miles__gt=0),
                                   name="signposting_radius_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    def is_stale(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.last_checked is None or self.last_checked < today - STALE_AFTER

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.ACTIVE, self.Status.TEMPORARILY_CLOSED)

    @property
    def tel(self) -> str:
        """The number as a tel: link wants it: digits and a leading +."""
        return "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")


def stale_before(today: date | None = None) -> date:
    return (today or timezone.localdate()) - STALE_AFTER


class Referral(models.Model):
    """A resident passed on to a local service, with their consent, from one help request.

    Kith sends nothing itself yet: the call handler passes on the details as the service asks
    (its "how to refer"); this records what the resident agreed to, in the words read to them,
    and follows the referral until it is accepted and closed."""

    class State(models.TextChoices):
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted by the service")
        CLOSED = "closed", _("Closed")

    group = models.ForeignKey("groups.Group", on_delete=models.PROTECT, related_name="referrals")
    service = models.ForeignKey(LocalService, on_delete=models.PROTECT, related_name="referrals")
    request = models.ForeignKey("requests.HelpRequest", on_delete=models.PROTECT,
                                related_name="referrals_out")
    # Which of the resident's details they agreed may go (referrals.SHAREABLE keys).
    shared = models.JSONField(default=list)
    why = models.CharField(_("Why"), max_length=300)
    consent_version = models.PositiveSmallIntegerField()
    consent_text = models.TextField()  # the words read to them, as they were read
    consented_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.SENT,
                             db_index=True)
    sent_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("Outcome"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(state="closed") | Q(closed_at__isnull=False),
                                   name="signposting_referral_closed_has_time"),
        ]

    def __str__(self) -> str:
        return f"Referral of {self.request.reference} to {self.service.name}"


class Signposting(models.Model):
    """A resident pointed to a local service when the group could not help, or when a
    check-up call found they needed more help: the "signposted where?" kept as data, so a
    group can count where it sends people. One row per service named; organisations only,
    nothing about the resident beyond the request it hangs on."""

    class Via(models.TextChoices):
        COULD_NOT_HELP = "could_not_help", _("Could not help")
        MORE_HELP = "more_help", _("Check-up: needs more help")

    group = models.ForeignKey("groups.Group", on_delete=models.PROTECT,
                              related_name="signpostings")
    request = models.ForeignKey("requests.HelpRequest", on_delete=models.PROTECT,
                                related_name="signpostings")
    callback = models.ForeignKey("requests.Callback", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="signpostings")
    service = models.ForeignKey(LocalService, on_delete=models.PROTECT,
                                related_name="signpostings")
    via = models.CharField(max_length=16, choices=Via.choices)
    # The timeline line it wrote, so the line can link to the service.
    event = models.OneToOneField("requests.RequestEvent", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="signposting")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["group", "created_at"])]

    def __str__(self) -> str:
        return f"{self.request.reference} signposted to {self.service.name}"
