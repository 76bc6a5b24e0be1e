"""Runs: one pickup point (a pharmacy, a food bank), many deliveries, a few volunteers.

A Run is entered by a coordinator for a partner, its Stops pasted in, then split into ordered
Routes, one per volunteer. Who each delivery is for and where it goes are sealed, like a
resident's details; only the postcode sector is plain.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from kith.core.fields import EncryptedTextField
from kith.groups.catalogue import SERVICES

Person = settings.AUTH_USER_MODEL

# The route's volunteer sees the addresses until this long after the run is finished.
ADDRESS_GRACE = timedelta(hours=24)


class Run(models.Model):
    class Kind(models.TextChoices):
        PHARMACY = "pharmacy", "Pharmacy run"
        FOODBANK = "foodbank", "Food bank run"

    class State(models.TextChoices):
        DRAFT = "draft", "Being prepared"
        SPLIT = "split", "Routes proposed"
        OUT = "out", "Out with volunteers"
        FINISHED = "finished", "Finished"

    # What each kind of run is, for the volunteers' rules (prescriptions need a DBS check).
    SERVICE_FOR_KIND = {"pharmacy": "prescriptions", "foodbank": "foodbank"}

    group = models.ForeignKey("groups.Group", on_delete=models.PROTECT, related_name="runs")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PHARMACY)
    service = models.CharField(max_length=30, choices=SERVICES, default="prescriptions")
    partner_name = models.CharField("Partner", max_length=120)
    # A pharmacy's or food bank's address is public, so it is stored plainly.
    pickup_name = models.CharField("Pick up from", max_length=120)
    pickup_postcode = models.CharField("Pickup postcode", max_length=10)
    pickup_lat = models.FloatField(null=True, blank=True)
    pickup_lon = models.FloatField(null=True, blank=True)
    date = models.DateField("Day of the run", default=timezone.localdate)
    team_size = models.PositiveSmallIntegerField("Volunteers", default=3)
    max_stops = models.PositiveSmallIntegerField("Most stops each", null=True, blank=True,
                                                 default=8)
    max_minutes = models.PositiveSmallIntegerField("Most minutes each", null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT,
                             db_index=True)
    solver = models.CharField(max_length=12, blank=True)
    total_m = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    split_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(team_size__gte=1) & Q(team_size__lte=20),
                                   name="runs_run_team_size_1_to_20"),
            models.CheckConstraint(condition=Q(max_stops__isnull=True) | Q(max_stops__gte=1),
                                   name="runs_run_max_stops_positive"),
            models.CheckConstraint(
                condition=Q(state="finished", finished_at__isnull=False) | ~Q(state="finished"),
                name="runs_run_finished_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.pickup_name}, {self.date:%-d %b}"

    def get_absolute_url(self) -> str:
        return reverse("runs:detail", args=[self.group.slug, self.pk])

    @property
    def is_prescriptions(self) -> bool:
        return self.service == "prescriptions"

    def addresses_open(self, now=None) -> bool:
        """Volunteers see their stops from send-out until a day after the run is finished."""
        if self.state == self.State.OUT:
            return True
        if self.state == self.State.FINISHED and self.finished_at is not None:
            return (now or timezone.now()) < self.finished_at + ADDRESS_GRACE
        return False


class Route(models.Model):
    """One volunteer's share of a run, in visiting order (its stops' `position`)."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="routes")
    # Nobody while the route is vacant: its volunteer's role changed before the run was
    # delivered (removed, left, on a break, a check withdrawn, excluded), until a coordinator
    # swaps someone in. Sending out waits for every route to have someone.
    volunteer = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="run_routes")
    vacated_at = models.DateTimeField(null=True, blank=True)
    vacated_why = models.CharField(max_length=200, blank=True)  # for the run's page
    position = models.PositiveSmallIntegerField()  # route 1, 2, 3 on the run's page
    length_m = models.PositiveIntegerField(default=0)  # pickup to last stop, along streets
    minutes = models.FloatField(default=0)  # travel plus a few minutes at each door

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="runs_route_unique_position"),
            models.UniqueConstraint(fields=["run", "volunteer"], name="runs_route_one_per_person"),
        ]

    def __str__(self) -> str:
        return f"Route {self.position} of run {self.run_id}"

    def get_absolute_url(self) -> str:
        return reverse("runs:my_route", args=[self.pk])

    @property
    def km(self) -> float:
        return round(self.length_m / 1000, 1)

    @property
    def is_vacant(self) -> bool:
        return self.volunteer_id is None


class Stop(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "pending", "Not done yet"
        DELIVERED = "delivered", "Delivered"
        NOT_HOME = "not_home", "Not home"
        RETURNED = "returned", "Returned to the pickup"

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="stops")
    line = models.PositiveSmallIntegerField()  # "stop 7": its order as entered, for coordinators
    who = EncryptedTextField("Name")  # a first name or a label the partner uses
    address = EncryptedTextField()
    postcode = EncryptedTextField()
    note = EncryptedTextField(null=True, blank=True)  # "ring twice", "leave with no one"
    postcode_sector = models.CharField(max_length=8, blank=True)
    # Why Kith could not place this stop (never the postcode itself: this text is plain).
    problem = models.CharField(max_length=200, blank=True)
    route = models.ForeignKey(Route, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="stops")
    position = models.PositiveSmallIntegerField(null=True, blank=True)  # order on its route
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["run", "line"]
        constraints = [
            models.UniqueConstraint(fields=["run", "line"], name="runs_stop_unique_line"),
            models.UniqueConstraint(fields=["route", "position"], condition=Q(route__isnull=False),
                                    name="runs_stop_unique_position"),
            models.CheckConstraint(
                condition=Q(route__isnull=True, position__isnull=True)
                | Q(route__isnull=False, position__isnull=False),
                name="runs_stop_route_has_position"),
        ]

    def __str__(self) -> str:
        # Copied into audit and access rows: never the name or address.
        return f"Stop {self.line} of run {self.run_id}"

    @property
    def group_id(self) -> int:
        """The run's group: reveal() checks a subject belongs to the group it is asked about."""
        return self.run.group_id

    @property
    def placed(self) -> bool:
        return not self.problem
