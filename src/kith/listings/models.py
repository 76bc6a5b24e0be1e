"""Keeping the public directory honest: new groups wait for approval, anyone can say a listing
is wrong, and groups confirm their own listing from time to time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models

from kith.groups.models import Group

# A listing older than this (since last checked, or since the group was created) needs checking.
VERIFY_AFTER = timedelta(days=90)
# A group's coordinators are reminded at most this often.
REMIND_EVERY = timedelta(days=30)


def needs_verification(group: Group, now: datetime) -> bool:
    """True when the group last confirmed its listing more than 90 days before `now`
    (or never did, and was created more than 90 days before `now`)."""
    checked = group.last_verified_at or group.created_at
    return now - checked > VERIFY_AFTER


class GroupRegistration(models.Model):
    """Someone asked for a new group to be listed. Nothing is public until it is approved."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Turned down"

    # Only the smaller kinds can be registered; boroughs and networks are set up by hand.
    KINDS = [Group.Kind.STREET, Group.Kind.NEIGHBOURHOOD, Group.Kind.WARD]

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=[(k.value, k.label) for k in KINDS])
    parent = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    coverage = models.JSONField(default=list)
    whatsapp_url = models.URLField(blank=True)
    facebook_url = models.URLField(blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    organiser_name = models.CharField(max_length=120)
    organiser_email = models.EmailField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    # The group made on approval.
    group = models.OneToOneField(Group, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="registration")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        # No personal details: this string is copied into audit rows.
        return f"Registration of {self.name}"


class ListingReport(models.Model):
    """A member of the public says a group's listing is wrong."""

    class Problem(models.TextChoices):
        CONTACT = "contact", "The contact details don't work"
        STOPPED = "stopped", "The group has stopped"
        AREA = "area", "The area covered is wrong"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    DETAILS_MAX = 1000

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="listing_reports")
    problem = models.CharField(max_length=10, choices=Problem.choices)
    details = models.TextField(max_length=DETAILS_MAX, blank=True)
    reply_email = models.EmailField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN,
                              db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Report about {self.group}: {self.get_problem_display()}"


class VerificationReminder(models.Model):
    """One reminder emailed to a group's coordinators to check their listing."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="verification_reminders")
    sent_at = models.DateTimeField(db_index=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"Reminder to {self.group} at {self.sent_at:%Y-%m-%d}"
