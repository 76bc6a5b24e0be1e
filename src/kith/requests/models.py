"""Help requests and the work around them: callbacks, attempts, assignments, series, exclusions.

A CheckUp is a Callback of kind check-up: the same queue, claim and outcomes, so a check-up
call can never be lost any more than a first callback can.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from kith.core.fields import EncryptedTextField
from kith.core.models import AppendOnlyRecord
from kith.groups.catalogue import SERVICES
from kith.requests import lifecycle
from kith.requests.timeline import label_for

Person = settings.AUTH_USER_MODEL


def _default_stages() -> list[str]:
    return ["done"]


class RequestPolicy(models.Model):
    """One group's promises: how fast it calls back, how long a volunteer has, when it checks up."""

    class Stage(models.TextChoices):
        ASSIGNED = "assigned", "When a volunteer is assigned (to say who is coming)"
        DONE = "done", "After each task is done (how did it go?)"
        WEEK = "week", "A week after a task is done"

    group = models.OneToOneField("groups.Group", on_delete=models.CASCADE,
                                 related_name="request_policy")
    callback_target_hours = models.PositiveSmallIntegerField(
        "Call back within (hours)", default=24,
        help_text="Callbacks older than this are shown as overdue.")
    assignment_window_hours = models.PositiveSmallIntegerField(
        "A volunteer has (hours) to do a task", default=48,
        help_text="When a request gives no day. After this a reminder goes out.")
    reminder_grace_hours = models.PositiveSmallIntegerField(
        "Then it goes back to matching after (hours)", default=12)
    checkup_stages = models.JSONField(default=_default_stages, blank=True)
    checkup_delay_hours = models.PositiveSmallIntegerField(
        "Check-up call after (hours)", default=24)
    # Matching: how many volunteers each round of offers goes to, how long they have to answer,
    # how far a task may be, and how much fairness and continuity weigh against distance.
    offer_to = models.PositiveSmallIntegerField("Offer each request to", default=3)
    offer_hours = models.PositiveSmallIntegerField("Volunteers have (hours) to answer", default=2)
    match_max_km = models.PositiveSmallIntegerField("Furthest a volunteer is asked to go (km)",
                                                    default=3)
    fairness_weight = models.FloatField("Weight of fairness", default=1.0)
    continuity_weight = models.FloatField("Weight of continuity", default=1.0)

    def __str__(self) -> str:
        return f"Request settings for {self.group}"

    def weights(self):
        """The matching core's weights for this group (kith.matching.core.Weights)."""
        from kith.matching.core import Weights

        base = Weights()
        return Weights(load=base.load * self.fairness_weight, idle=base.idle * self.fairness_weight,
                       continuity=base.continuity * self.continuity_weight, k=self.offer_to)

    @classmethod
    def for_group(cls, group) -> RequestPolicy:
        """The group's settings, or the defaults (unsaved) when it has not chosen any."""
        try:
            return group.request_policy
        except cls.DoesNotExist:
            return cls(group=group)


class Series(models.Model):
    """Regular help (a weekly shop, a fortnightly call): each occurrence is its own request."""

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", "Every week"
        FORTNIGHTLY = "fortnightly", "Every two weeks"

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        ENDED = "ended", "Ended"

    group = models.ForeignKey("groups.Group", on_delete=models.PROTECT, related_name="series")
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT,
                                 related_name="series")
    service = models.CharField(max_length=30, choices=SERVICES)
    cadence = models.CharField(max_length=12, choices=Cadence.choices, default=Cadence.WEEKLY)
    when = models.CharField("Time of day", max_length=120, blank=True)
    details = EncryptedTextField(null=True, blank=True)
    # The same volunteer each time: set by hand or by whoever did the last one.
    volunteer = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="series")
    state = models.CharField(max_length=8, choices=State.choices, default=State.ACTIVE)
    next_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return f"{self.get_service_display()} for {self.resident}, {self.get_cadence_display().lower()}"

    def get_absolute_url(self) -> str:
        return reverse("requests:series", args=[self.group.slug, self.pk])

    @property
    def step(self) -> timedelta:
        return timedelta(days=14 if self.cadence == self.Cadence.FORTNIGHTLY else 7)


class HelpRequest(models.Model):
    class Channel(models.TextChoices):
        WEB = "web", "Web form"
        PHONE = "phone", "Phone call"
        REFERRAL = "referral", "Partner referral"
        SERIES = "series", "Regular help"

    class Urgency(models.TextChoices):
        TODAY = "today", "Today"
        SOON = "soon", "In the next two or three days"
        WEEK = "week", "This week"
        FLEXIBLE = "flexible", "Any time"

    class ContactBy(models.TextChoices):
        CALL = "call", "A phone call"
        TEXT = "text", "A text message"
        EMAIL = "email", "An email"

    class PartnerKind(models.TextChoices):
        PHARMACY = "pharmacy", "Pharmacy"
        FOODBANK = "foodbank", "Food bank"
        COUNCIL = "council", "Council"
        CHARITY = "charity", "Charity"
        OTHER = "other", "Other organisation"

    group = models.ForeignKey("groups.Group", on_delete=models.PROTECT, related_name="requests")
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT,
                                 related_name="requests")
    reference = models.CharField(max_length=12, unique=True)
    service = models.CharField(max_length=30, choices=SERVICES)
    # What is needed in the resident's words; may hold health details, so sealed.
    details = EncryptedTextField(null=True, blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.SOON)
    when = models.CharField("Best day or time", max_length=120, blank=True)
    needed_by = models.DateTimeField(null=True, blank=True)
    contact_by = models.CharField(max_length=6, choices=ContactBy.choices, default=ContactBy.CALL)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # Someone asking on the resident's behalf (a neighbour, a daughter, a partner's staff).
    asked_by = models.CharField("Asked by", max_length=120, blank=True)
    partner_kind = models.CharField(max_length=10, choices=PartnerKind.choices, blank=True)
    partner_name = models.CharField(max_length=120, blank=True)
    partner_contact = EncryptedTextField(null=True, blank=True)
    # When the resident agreed to their details being kept for this (or to being referred).
    consent_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=lifecycle.STATES, default=lifecycle.NEW,
                             db_index=True)
    state_changed_at = models.DateTimeField(default=timezone.now)
    series = models.ForeignKey(Series, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="occurrences")
    # Rounds of offers since it last needed a volunteer (kith.matching.offers); after
    # ROUNDS a coordinator is told and Kith stops offering it by itself.
    offer_rounds = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["group", "state"])]

    def __str__(self) -> str:
        return f"{self.reference}: {self.get_service_display()}"

    def get_absolute_url(self) -> str:
        return reverse("requests:detail", args=[self.group.slug, self.reference])

    @property
    def is_open(self) -> bool:
        return self.state in lifecycle.OPEN

    @property
    def current_assignment(self) -> Assignment | None:
        return self.assignments.filter(ended_at__isnull=True).select_related("volunteer").first()


class RequestEvent(AppendOnlyRecord):
    """One line of the paper trail: a move (from -> to) or a note on the way (from == to)."""

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    # Why (cancelled, could not help: signposted where, on hold). Never contact details.
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request.reference} {self.action}"

    @property
    def is_move(self) -> bool:
        return self.from_state != self.to_state

    @property
    def label(self) -> str:
        from kith.requests.lifecycle import MOVES

        move = MOVES.get(self.action)
        return move.label if move else label_for(self.action)


class Assignment(models.Model):
    class End(models.TextChoices):
        DONE = "done", "Done"
        HANDED_BACK = "handed_back", "Handed back"
        UNASSIGNED = "unassigned", "Taken off by a coordinator"
        RELEASED = "released", "Not done in time"
        STOPPED = "stopped", "Request stopped"
        # Removed, left, on a break, a check withdrawn or excluded: kith.requests.handover.
        STOOD_DOWN = "stood_down", "Their role changed"

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="assignments")
    volunteer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="assignments")
    assigned_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reason = models.CharField(max_length=200, blank=True)
    assigned_at = models.DateTimeField(default=timezone.now)
    due_by = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end = models.CharField(max_length=12, choices=End.choices, blank=True)

    class Meta:
        ordering = ["-assigned_at"]
        constraints = [
            # At most one volunteer holds a request at a time.
            models.UniqueConstraint(fields=["request"], condition=models.Q(ended_at__isnull=True),
                                    name="one_open_assignment_per_request"),
        ]
        indexes = [models.Index(fields=["volunteer", "ended_at"]),
                   # The request list's volunteer filter: who helped lately, in a borough of
                   # years of assignments (with the open ones, from the constraint's index).
                   models.Index(fields=["assigned_at"], name="assignment_assigned_at")]

    def __str__(self) -> str:
        return f"{self.request.reference} to {self.volunteer}"

    # The address stays open to the volunteer this long after they mark the task done,
    # for a forgotten bag or a follow-up knock; then it closes.
    ADDRESS_AFTER_DONE = timedelta(hours=24)

    def address_open(self, now=None) -> bool:
        now = now or timezone.now()
        if self.ended_at is None:
            return True
        return self.end == self.End.DONE and now < self.ended_at + self.ADDRESS_AFTER_DONE


class Callback(models.Model):
    """An item in the call handlers' queue. It leaves the queue only with an outcome."""

    class Kind(models.TextChoices):
        REQUEST = "request", "New request"
        MISSED_CALL = "missed_call", "Missed call"
        CHECK_UP = "check_up", "Check-up call"
        CHECK_IN = "check_in", "Regular check-in"

    class Outcome(models.TextChoices):
        REACHED = "reached", "Reached"
        WRONG_NUMBER = "wrong_number", "Wrong number"
        # The request ended before the call was made (cancelled, closed): an outcome too.
        WITHDRAWN = "withdrawn", "No longer needed"

    class Result(models.TextChoices):
        # What a check-up or check-in call found.
        ALL_WELL = "all_well", "All well"
        MORE_HELP = "more_help", "Needs more help"
        CONCERN = "concern", "A concern (safeguarding)"

    group = models.ForeignKey("groups.Group", on_delete=models.PROTECT, related_name="callbacks")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    request = models.ForeignKey(HelpRequest, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="callbacks")
    resident = models.ForeignKey("residents.Resident", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="callbacks")
    # A missed call has no resident yet: who rang and on what number.
    caller_name = models.CharField(max_length=100, blank=True)
    phone = EncryptedTextField(null=True, blank=True)
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True)
    note = EncryptedTextField(null=True, blank=True)
    urgent = models.BooleanField(default=False)
    # Not shown before this (a check-up due tomorrow); must be done by due_at.
    not_before = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    claimed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts_made = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True, db_index=True)
    result = models.CharField(max_length=10, choices=Result.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    # A coordinator was told: a check-up went missed, or no one could be reached.
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["group", "outcome", "due_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("requests:callback", args=[self.group.slug, self.pk])

    @property
    def in_queue(self) -> bool:
        return not self.outcome

    def held_by(self, person, now=None) -> bool:
        now = now or timezone.now()
        return (self.claimed_by_id == getattr(person, "pk", None) and self.claimed_until is not None
                and self.claimed_until > now)

    def overdue(self, now=None) -> bool:
        return self.in_queue and self.due_at < (now or timezone.now())

    @property
    def who(self) -> str:
        if self.resident_id:
            return self.resident.name
        return self.caller_name or "Unknown caller"


class CallAttempt(AppendOnlyRecord):
    class Outcome(models.TextChoices):
        REACHED = "reached", "Reached them"
        NO_ANSWER = "no_answer", "No answer"
        VOICEMAIL = "voicemail", "Left a voicemail"
        WRONG_NUMBER = "wrong_number", "Wrong number"

    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="attempts")
    by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.callback}: {self.outcome}"


class Exclusion(models.Model):
    """Zero tolerance: someone the group no longer serves. Only keyed digests are kept."""

    class Reason(models.TextChoices):
        ABUSE = "abuse", "Verbal abuse or offensive language"
        VIOLENCE = "violence", "Violence or threats"
        HARASSMENT = "harassment", "Racial abuse or sexual harassment"
        DEMANDS = "demands", "Persistent or unrealistic demands"
        MISUSE = "misuse", "Misuse (repeated non-payment, false claims)"

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="exclusions")
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True)
    identity_digest = models.CharField(max_length=64, blank=True, db_index=True)
    reason = models.CharField(max_length=12, choices=Reason.choices)
    # What happened, for the coordinator who later sees a match; sealed.
    note = EncryptedTextField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    # A volunteer excluded by name (exclusions.exclude_volunteer): they may not volunteer in
    # this group or below it while it is in force. Residents are only ever digests.
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="exclusions")

    def __str__(self) -> str:
        return f"Exclusion #{self.pk} ({self.get_reason_display()})"


class StatusCode(models.Model):
    """A one-time code sent to a resident so they can see their request's progress."""

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="status_codes")
    code_digest = models.CharField(max_length=64)
    # Whose attempt asked for it (a digest of a token in that browser's session): a code works
    # only where it was asked for (requests/status.py).
    attempt_digest = models.CharField(max_length=64, blank=True, db_index=True)
    expires_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    MAX_TRIES = 5
    LIFETIME = timedelta(minutes=15)

    def __str__(self) -> str:
        return f"Status code for {self.request.reference}"
