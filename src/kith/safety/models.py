"""Keeping volunteers and residents safe: lone-working check-ins, risk assessments, and how
prescriptions are collected (the group's policy and each collection's hand-over).

Nothing about a medicine is stored: a collection knows only that it is a prescription,
whether it is a controlled drug (which decides who may collect it), and the pharmacy's bag
reference, sealed like any personal detail.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kith.core.fields import EncryptedTextField

Person = settings.AUTH_USER_MODEL


class Collectors(models.TextChoices):
    """Who may collect a prescription, least strict first (STRICTNESS orders them)."""

    VETTED = "vetted", _("Any volunteer with the checks the group asks for")
    KNOWN = "known", _("Only a checked volunteer who has helped this resident before")
    PHARMACY = "pharmacy", _("Nobody from the group: only through a partner pharmacy")


STRICTNESS = {Collectors.VETTED: 0, Collectors.KNOWN: 1, Collectors.PHARMACY: 2}


class SafetyPolicy(models.Model):
    """A group's safety settings. A group that has not chosen gets the defaults (for_group)."""

    group = models.OneToOneField("groups.Group", on_delete=models.CASCADE,
                                 related_name="safety_policy")
    visit_minutes = models.PositiveSmallIntegerField(
        _("Usual time for a visit (minutes)"), default=60)
    grace_minutes = models.PositiveSmallIntegerField(
        _("Time to wait after a missed check-in before telling someone (minutes)"), default=20)
    prescriptions = models.CharField(_("Who may collect prescriptions"), max_length=10,
                                     choices=Collectors.choices, default=Collectors.VETTED)
    controlled_drugs = models.CharField(_("Who may collect controlled drugs"), max_length=10,
                                        choices=Collectors.choices, default=Collectors.KNOWN)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Safety settings of {self.group}"

    @classmethod
    def for_group(cls, group) -> SafetyPolicy:
        """The group's own, or the defaults (unsaved) for a group that has not chosen."""
        return cls.objects.filter(group=group).first() or cls(group=group)

    def collectors_for(self, controlled: bool) -> str:
        return self.controlled_drugs if controlled else self.prescriptions


class CheckIn(models.Model):
    """A volunteer out on an in-person task: they said when they would be done. Kith asks
    them, then tells the coordinators, then the safeguarding leads, if they do not say they
    are safe (sweep.check_ins)."""

    class State(models.TextChoices):
        OPEN = "open", _("Out on a task")
        SAFE = "safe", _("Safe")
        HELP = "help", _("Asked for help")

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="check_ins")
    assignment = models.ForeignKey("requests.Assignment", on_delete=models.CASCADE,
                                   related_name="check_ins")
    volunteer = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="check_ins")
    state = models.CharField(max_length=6, choices=State.choices, default=State.OPEN)
    started_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(db_index=True)
    # Each step of the sweep, stamped once: the stamps are what make it idempotent.
    asked_at = models.DateTimeField(null=True, blank=True)  # the volunteer asked "are you safe?"
    alerted_at = models.DateTimeField(null=True, blank=True)  # the coordinators told
    escalated_at = models.DateTimeField(null=True, blank=True)  # the safeguarding leads told
    help_at = models.DateTimeField(null=True, blank=True)  # "I need help now"
    # Help asked for and nobody closed it within the grace: the leads again and the group above.
    help_followed_up_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]

    def __str__(self) -> str:
        return f"Check-in {self.pk} ({self.get_state_display()})"

    @property
    def request(self):
        return self.assignment.request

    def missed(self, now=None) -> bool:
        return self.state == self.State.OPEN and self.due_at < (now or timezone.now())


class Activity(models.TextChoices):
    SHOPPING = "shopping", _("Shopping")
    PRESCRIPTIONS = "prescriptions", _("Collecting prescriptions")
    FOODBANK = "foodbank", _("Food bank")
    DOG_WALKING = "dog_walking", _("Dog walking")
    VISITS = "visits", _("Visits at home")
    EVENTS = "events", _("Events")


# The kind of task each service is, for its risk assessment (services not listed have none).
ACTIVITY_OF_SERVICE = {
    "shopping": Activity.SHOPPING, "errands": Activity.SHOPPING, "posting": Activity.SHOPPING,
    "prescriptions": Activity.PRESCRIPTIONS, "foodbank": Activity.FOODBANK,
    "hot_meals": Activity.FOODBANK, "dog_walking": Activity.DOG_WALKING,
    "befriending": Activity.VISITS, "lifts": Activity.VISITS,
}


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class RiskAssessment(models.Model):
    """One activity's risks in one group, as the group decided them."""

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE,
                              related_name="risk_assessments")
    activity = models.CharField(max_length=20, choices=Activity.choices)
    hazards = models.TextField(_("What could go wrong"))
    who_harmed = models.TextField(_("Who might be harmed, and how"))
    controls = models.TextField(_("What we do about it"))
    remaining_risk = models.CharField(_("Risk that remains"), max_length=6,
                                      choices=RiskLevel.choices, default=RiskLevel.LOW)
    owner = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("Who looks after it"))
    review_by = models.DateField(_("Look at it again by"))
    signed_off_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    signed_off_at = models.DateTimeField(null=True, blank=True)
    # The review date a reminder went out for: once per due date, however often the sweep runs.
    reminded_for = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "activity"],
                                               name="one_assessment_per_activity")]
        ordering = ["activity"]

    def __str__(self) -> str:
        return f"Risk assessment: {self.get_activity_display()}"

    @property
    def signed_off(self) -> bool:
        return self.signed_off_at is not None


class RiskReading(models.Model):
    """A volunteer read an activity's risk assessment and said so: before their first task
    of its kind, and again after each new sign-off."""

    assessment = models.ForeignKey(RiskAssessment, on_delete=models.CASCADE,
                                   related_name="readings")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)
    # Which signed-off version they read (its sign-off time): a new sign-off is read again.
    version = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "person"],
                                               name="one_reading_per_person")]

    def __str__(self) -> str:
        return f"Read {self.assessment}"


class Collection(models.Model):
    """A prescription to be collected for a request: the bag reference and its hand-over."""

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    request = models.OneToOneField("requests.HelpRequest", on_delete=models.CASCADE,
                                   related_name="collection")
    controlled_drug = models.BooleanField(_("A controlled drug"), default=False)
    bag_reference = EncryptedTextField(null=True, blank=True)
    collected_at = models.DateTimeField(null=True, blank=True)
    collected_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    handed_over_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    def __str__(self) -> str:
        return f"Prescription collection for {self.request_id}"
