"""Matching's tables: a search card per volunteer per group, and the offers made from it.

The card is an index, not the truth: it is rebuilt from the volunteer's profile, consents and
checks (cards.py) whenever those are saved, and every offer is checked against the real rules
again before it goes out and when it is accepted. It holds only what finding candidates
needs, and nothing that names a street: the plain location is a hexagon of about 0.7 km²
(no finer than the postcode sector already on Person); the postcode's own point is sealed and
opened only for the short list.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from kith.core.fields import EncryptedTextField


class MatchCard(models.Model):
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="match_cards")
    cell = models.BigIntegerField(null=True)  # H3 resolution 8 (cards.CELL_RESOLUTION)
    home = EncryptedTextField(null=True, blank=True)  # "lat,lon" of their postcode, sealed
    services = models.BigIntegerField(default=0)  # bit i: catalogue.SERVICES[i] offered
    cleared = models.BigIntegerField(default=0)  # bit i: may take that service here now
    slots = models.IntegerField(default=0)  # bit i: volunteers.models.SLOTS[i] free
    languages = models.CharField(max_length=200, blank=True)  # "|bengali|urdu|"
    radius_km = models.PositiveSmallIntegerField(default=2)
    weekly_cap = models.PositiveSmallIntegerField(default=3)
    on_duty = models.BooleanField(default=False)
    # On a break until this day, or has left (date.max): left out of every search meanwhile.
    paused_until = models.DateField(null=True, blank=True)
    # Recent load, rewritten by load.refresh_load in the transaction of each change to it, so a
    # search counts it from the card with no aggregate query: assignment and decline times
    # of the last few weeks, and the last task ever. All in microseconds since 1970 (load.py):
    # the search reads them with plain SQL, the same on every database.
    task_times = models.TextField(blank=True, default="")
    last_task = models.BigIntegerField(null=True, blank=True)
    decline_times = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "person"],
                                               name="one_match_card_per_group")]
        indexes = [models.Index(fields=["group", "cell"], name="match_card_group_cell")]

    def __str__(self) -> str:
        return f"Match card {self.person_id} in {self.group_id}"


class Offer(models.Model):
    """A request offered to one volunteer of a cluster: the first to accept gets it."""

    class State(models.TextChoices):
        OPEN = "open", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        TAKEN = "taken", "Taken by someone else"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Ran out of time"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Reason(models.TextChoices):
        BUSY = "busy", "I'm busy then"
        FAR = "far", "It's too far for me"
        NOT_THIS = "not_this", "I'd rather not do this kind of task"
        UNWELL = "unwell", "I'm not well"
        OTHER = "other", "Another reason"

    request = models.ForeignKey("requests.HelpRequest", on_delete=models.CASCADE,
                                related_name="offers")
    volunteer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="offers")
    round = models.PositiveSmallIntegerField(default=1)
    place_in_round = models.PositiveSmallIntegerField(default=1)
    distance_km = models.FloatField()
    explanation = models.CharField(max_length=200)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    reason = models.CharField(max_length=10, choices=Reason.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "place_in_round"]
        constraints = [models.UniqueConstraint(fields=["request", "volunteer"],
                                               name="one_offer_per_volunteer_per_request")]
        indexes = [models.Index(fields=["state", "expires_at"], name="offer_state_expiry"),
                   models.Index(fields=["volunteer", "state"], name="offer_volunteer_state")]

    def __str__(self) -> str:
        return f"Offer of {self.request_id} to {self.volunteer_id} ({self.state})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("matching:offer", args=[self.pk])

    def is_open(self, now=None) -> bool:
        return self.state == self.State.OPEN and self.expires_at > (now or timezone.now())
