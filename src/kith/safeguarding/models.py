"""Safeguarding cases: an incident reported by anyone (anonymously unless they choose
otherwise), or a concern escalated from a request or a check-up call, and the work the
group's safeguarding leads do on it.

What someone wrote about what happened, who was hurt and how to reach the reporter are sealed
(EncryptedTextField) and opened on the case page only through the reveal flow, one access row
per look. What the leads write (the triage note, the outcome, what will stop it happening
again and who sees to that, each action) is sealed too, so a database dump or a backup reads
none of it; the case page, which only the leads see, opens it for them with an access row
(views.leads_notes). An anonymous report has no reporter anywhere: no link to a person, and its audit rows
carry neither an actor nor the request id (services.report_incident).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kith.core.fields import EncryptedTextField

# A personal data breach must be reported to the ICO within 72 hours of becoming aware of it
# (UK GDPR article 33), unless it is unlikely to put anyone at risk.
ICO_DEADLINE = timedelta(hours=72)
# The sweep reminds the leads once, this long before it runs out.
ICO_REMINDER_BEFORE = timedelta(hours=24)


class IcoDecision(models.TextChoices):
    TOLD = "told", _("We told the ICO")
    NOT_REPORTABLE = "not_reportable", _("It is not reportable")


class Case(models.Model):
    class Kind(models.TextChoices):
        ABUSE_OF_VOLUNTEER = "abuse_volunteer", _("A volunteer was abused or threatened")
        ABUSE_OF_RESIDENT = "abuse_resident", _("A resident was abused, harmed or neglected")
        SAFETY_RISK = "safety_risk", _("Something is not safe")
        DATA_BREACH = "data_breach", _("Personal details went where they should not")
        MONEY = "money", _("Money went missing or was misused")
        OTHER = "other", _("Something else")

    class Urgency(models.TextChoices):
        NOW = "now", _("Someone may be at risk now")
        SOON = "soon", _("It needs looking at in the next few days")
        NOT_URGENT = "not_urgent", _("It is not urgent")

    class Source(models.TextChoices):
        PUBLIC = "public", _("Reported on the public form")
        CALL = "call", _("Reported on a call, for a resident")
        VOLUNTEER = "volunteer", _("Reported by a volunteer")
        MEMBER = "member", _("Reported by a member of the group")
        ESCALATION = "escalation", _("A request was escalated")
        CHECK_UP = "check_up", _("Concern on a check-up call")

    class State(models.TextChoices):
        NEW = "new", _("New: not looked at yet")
        OPEN = "open", _("Being looked at")
        CLOSED = "closed", _("Closed")

    class Risk(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    class VictimConsent(models.TextChoices):
        NOT_ASKED = "not_asked", _("Not asked, or nobody was hurt")
        YES = "yes", _("They agreed their details may be shared")
        NO = "no", _("They did not agree")

    # Where it happened. The leads who handle it are this group's, or the nearest group
    # above with a lead (routing.handling_group).
    group = models.ForeignKey("groups.Group", on_delete=models.PROTECT, related_name="cases")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    urgency = models.CharField(max_length=12, choices=Urgency.choices,
                               default=Urgency.SOON)
    source = models.CharField(max_length=12, choices=Source.choices)
    state = models.CharField(max_length=8, choices=State.choices, default=State.NEW,
                             db_index=True)
    opened_at = models.DateTimeField(default=timezone.now)
    what_happened = EncryptedTextField(null=True, blank=True)
    # Only when the reporter chose to be named: a member's account...
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    # ...and only when they asked to be contacted: how (sealed).
    contact = EncryptedTextField(null=True, blank=True)
    victim_consent = models.CharField(max_length=10, choices=VictimConsent.choices,
                                      default=VictimConsent.NOT_ASKED)
    # Kept only when victim_consent is "yes" (services refuse it otherwise).
    victim = EncryptedTextField(null=True, blank=True)
    request = models.ForeignKey("requests.HelpRequest", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="cases")
    resident = models.ForeignKey("residents.Resident", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="cases")
    # Triage: the lead's first look.
    risk = models.CharField(max_length=8, choices=Risk.choices, blank=True)
    triage_note = EncryptedTextField(null=True, blank=True)
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    # A data breach: when the ICO was told (or the lead decided it need not be).
    ico_told_at = models.DateTimeField(null=True, blank=True)
    # Which of the two it was: told (their reference, the day) or not reportable (why).
    ico_decision = models.CharField(max_length=14, choices=IcoDecision.choices, blank=True)
    ico_reference = models.CharField(max_length=100, blank=True)
    ico_told_on = models.DateField(null=True, blank=True)
    ico_why_not = models.TextField(blank=True)
    # When the sweep reminded the leads that the ICO's 72 hours are nearly up (once).
    breach_reminded_at = models.DateTimeField(null=True, blank=True)
    # The outcome, and what will stop it happening again, and who sees to that.
    outcome = EncryptedTextField(null=True, blank=True)
    prevention = EncryptedTextField(null=True, blank=True)
    prevention_owner = EncryptedTextField(null=True, blank=True)  # the form keeps it to 200
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    exclusion = models.ForeignKey("requests.Exclusion", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["group", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state="closed") | models.Q(closed_at__isnull=False),
                name="safeguarding_closed_case_has_time"),
        ]

    def __str__(self) -> str:
        return f"Case {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("safeguarding:case", args=[self.group.slug, self.pk])

    @property
    def number(self) -> str:
        return f"S-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state != self.State.CLOSED

    @property
    def is_breach(self) -> bool:
        return self.kind == self.Kind.DATA_BREACH

    def ico_deadline(self):
        return self.opened_at + ICO_DEADLINE

    def ico_hours_left(self, now=None) -> int | None:
        """Hours left to tell the ICO (negative once past), or None when no clock runs."""
        if not self.is_breach or self.ico_told_at is not None:
            return None
        left = self.ico_deadline() - (now or timezone.now())
        return int(left.total_seconds() // 3600)


class CaseAction(models.Model):
    """Something a lead decided must be done, by whom, by when; ticked off when done."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    what = EncryptedTextField(null=True, blank=True)  # the form keeps it to 200; None once erased
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["done_at", "due_on", "id"]

    def __str__(self) -> str:
        return f"Action on case S-{self.case_id}"

    @property
    def group_id(self) -> int:
        """The case's group: privacy.reveal() checks an action belongs to the group it is
        opened in, as it does for the case."""
        return self.case.group_id

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.done_at is None and self.due_on is not None and self.due_on < today


class CaseTold(models.Model):
    """Who was told about the case (the police, the council's adult social care, the ICO,
    the resident's family...), when, and by whom."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="told")
    who = models.CharField(max_length=200)
    told_on = models.DateField(default=timezone.localdate)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["told_on", "id"]

    def __str__(self) -> str:
        return f"Told about case S-{self.case_id}"
