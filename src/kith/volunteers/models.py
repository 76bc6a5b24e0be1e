"""Volunteers: what they offer and when, the consents they gave, and the checks groups made."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from kith.core.fields import EncryptedTextField

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY_LABELS = dict(zip(DAYS, ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                             "Saturday", "Sunday"], strict=True))
PARTS = ["am", "pm", "eve"]
PART_LABELS = {"am": "Morning", "pm": "Afternoon", "eve": "Evening"}
# Availability is stored as slot keys like "mon_am", "sat_eve".
SLOTS = [f"{day}_{part}" for day in DAYS for part in PARTS]


class VolunteerProfile(models.Model):
    class Transport(models.TextChoices):
        FOOT = "foot", "On foot"
        BIKE = "bike", "Bike"
        CAR = "car", "Car"
        PUBLIC = "public", "Bus or train"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ON_BREAK = "on_break", "Taking a break"
        LEFT = "left", "Left"

    person = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="volunteer")
    services = models.JSONField(default=list, blank=True)
    availability = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    transport = models.CharField(max_length=10, choices=Transport.choices, default=Transport.FOOT)
    radius_km = models.PositiveSmallIntegerField("How far they will go (km)", default=2)
    weekly_cap = models.PositiveSmallIntegerField("Most tasks a week", default=3)
    # Full postcode, for distance: sealed; the coarse sector lives on Person.postcode_sector.
    postcode = EncryptedTextField(null=True, blank=True)
    on_duty = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    break_until = models.DateField(null=True, blank=True)
    # Imported from a spreadsheet: they must confirm their consents before any offer.
    reconfirm_consent = models.BooleanField(default=False)
    last_active_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Volunteer {self.person}"

    @property
    def memberships(self):
        """The person's memberships: reveal() checks the profile belongs to the viewer's group."""
        return self.person.memberships


class Consent(models.Model):
    """One consent a person gave, to one version of its wording, at one time."""

    class Kind(models.TextChoices):
        DATA = "data", "Storing my details and sharing them with my group"
        ADULT = "adult", "I am 18 or over, or joining through a group"
        UNPAID = "unpaid", "I help without pay (shopping is refunded, time is never paid)"
        SAFETY = "safety", "I have read the safety guidance"

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="consents")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    version = models.PositiveSmallIntegerField()
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "kind", "version"],
                                               name="one_consent_per_version")]

    def __str__(self) -> str:
        return f"{self.person} consented to {self.kind} v{self.version}"


# Bump a version when its wording changes: everyone is asked again.
CONSENT_VERSIONS = {Consent.Kind.DATA: 1, Consent.Kind.ADULT: 1, Consent.Kind.UNPAID: 1,
                    Consent.Kind.SAFETY: 1}


class Vetting(models.Model):
    """The checks one group has made on one volunteer."""

    class DBS(models.TextChoices):
        NONE = "", "None"
        BASIC = "basic", "Basic"
        STANDARD = "standard", "Standard"
        ENHANCED = "enhanced", "Enhanced"

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="vettings")
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="vettings")
    id_seen_at = models.DateField("ID seen on", null=True, blank=True)
    references_at = models.DateField("References checked on", null=True, blank=True)
    dbs_level = models.CharField("DBS check", max_length=10, choices=DBS.choices, blank=True)
    dbs_date = models.DateField("DBS certificate date", null=True, blank=True)
    safeguarding_at = models.DateField("Safeguarding training on", null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "group"],
                                               name="one_vetting_per_group")]

    def __str__(self) -> str:
        return f"Vetting of {self.person} by {self.group}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


# The checks a group can require, by name.
CHECKS = ["id", "references", "dbs", "safeguarding"]
CHECK_LABELS = {"id": "ID seen", "references": "References", "dbs": "DBS check",
                "safeguarding": "Safeguarding training"}
DEFAULT_REQUIREMENTS = {"prescriptions": ["id", "references", "dbs"]}


class VettingPolicy(models.Model):
    """Which checks each service needs, decided by each group."""

    group = models.OneToOneField("groups.Group", on_delete=models.CASCADE,
                                 related_name="vetting_policy")
    requirements = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"Vetting policy of {self.group}"


class ImportMapping(models.Model):
    """How one group's spreadsheet columns map to volunteer fields, remembered for next time."""

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE,
                              related_name="import_mappings")
    source = models.CharField(max_length=20)  # "google_forms", "google_sheets", "airtable"
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "source"],
                                               name="one_mapping_per_source")]

    def __str__(self) -> str:
        return f"{self.source} columns for {self.group}"


class ImportRun(models.Model):
    """One committed spreadsheet import, run by the worker (volunteers/tasks.py), not the page.

    Why a row and a job: 10,000 rows take far longer than a page may wait, so the page stores
    the file and the coordinator's choices here and returns; the worker writes the batches and
    counts them in, and the progress page reads this row. The file is sealed with the field keys
    (as every personal detail at rest is) and cleared as soon as the run ends, whatever its end.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Stopped"

    ACTIVE = (State.QUEUED, State.RUNNING)

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="import_runs")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    source = models.CharField(max_length=20)
    filename = models.CharField(max_length=80, blank=True)
    suffix = models.CharField(max_length=5, default=".csv")
    mapping = models.JSONField(default=dict)
    duplicates = models.CharField(max_length=10)
    good_rows_only = models.BooleanField(default=False)
    # Fernet ciphertext of the uploaded bytes (not text: an export may be UTF-16 or
    # Windows-1252); None once the run has ended.
    upload = EncryptedTextField(null=True, blank=True)
    # A keyed digest of the file: the same file twice at once is refused (the constraint below).
    file_digest = models.CharField(max_length=64)
    batches_done = models.PositiveIntegerField(default=0)
    batches_total = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    rows_to_write = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict)  # the summary the coordinator sees (no personal data)
    error = models.TextField(blank=True)  # why it stopped, in words for the coordinator
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the worker takes the run and as each batch commits: a run "importing" with no
    # sign of life for long had its worker die under it (runs.settle_stale).
    touched_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["group", "file_digest"], condition=models.Q(state__in=["queued", "running"]),
            name="one_active_import_per_file")]

    def __str__(self) -> str:
        return f"import {self.pk} into {self.group} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)
