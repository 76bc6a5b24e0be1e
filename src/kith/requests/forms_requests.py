"""Forms for the coordinators' request pages: filters, moves, assigning, series, exclusions,
the group's request settings. Errors are plain English and say what to do."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kith.core.formfields import (
    FlatChoices,
    FreeTextField,
    ISODateInput,
    NameField,
    PostcodeField,
    QuickSelect,
    UKPhoneField,
    validate_no_contact_details,
)
from kith.groups.catalogue import SERVICES
from kith.requests import lifecycle
from kith.requests.models import Exclusion, HelpRequest, RequestPolicy, Series

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y"]

# The list's tabs: a plain name for each group of states a coordinator looks for.
STATE_FILTERS: list[tuple[str, str, frozenset[str]]] = [
    # Done requests wait only for a check-up or closing: they have their own tab.
    ("open", "Open", lifecycle.OPEN - {lifecycle.DONE, lifecycle.CHECKED_UP}),
    ("new", "New, waiting for a call", frozenset({lifecycle.NEW})),
    ("needs_volunteer", "Needs a volunteer",
     frozenset({lifecycle.TRIAGED, lifecycle.MATCHING, lifecycle.OFFERED})),
    ("with_volunteer", "With a volunteer", lifecycle.HELD),
    ("done", "Done, to check up or close", frozenset({lifecycle.DONE, lifecycle.CHECKED_UP})),
    ("attention", "Escalated or on hold", frozenset({lifecycle.ESCALATED, lifecycle.ON_HOLD})),
    ("closed", "Closed or cancelled", lifecycle.FINAL),
    ("all", "All", frozenset(s for s, _label in lifecycle.STATES)),
]
# Lists the today page links to that have no tab of their own.
LINKED_STATES: list[tuple[str, str, frozenset[str]]] = [
    ("escalated", "Escalated to safeguarding", frozenset({lifecycle.ESCALATED})),
]
STATE_FILTER_STATES = {key: states for key, _label, states in STATE_FILTERS + LINKED_STATES}
STATE_FILTER_LABELS = {key: label for key, label, _states in STATE_FILTERS + LINKED_STATES}


class RequestFilterForm(forms.Form):
    """The list's filters; the state is chosen by the tabs above them. Areas and volunteers
    are the group's own, so the form is made for a group."""

    q = FreeTextField(label=_("Reference or resident's name"), required=False,
                        widget=forms.TextInput(attrs={"type": "search"}))
    # Drawn without a template per option: a busy borough's streets list hundreds of areas
    # and volunteers, and this list is the page coordinators open most.
    service = forms.ChoiceField(label=_("Kind of help"), required=False, widget=QuickSelect,
                                choices=[("", _("Any kind"))] + SERVICES)
    urgency = forms.ChoiceField(label=_("Needed"), required=False, widget=QuickSelect,
                                choices=[("", _("Any time"))] + HelpRequest.Urgency.choices)
    area = forms.ChoiceField(label=_("Area"), required=False, widget=QuickSelect)
    volunteer = forms.TypedChoiceField(label=_("Volunteer"), required=False, coerce=int,
                                       empty_value=None, widget=QuickSelect)
    channel = forms.ChoiceField(label=_("Came by"), required=False, widget=QuickSelect,
                                choices=[("", _("Any way"))] + HelpRequest.Channel.choices)
    sort = forms.ChoiceField(label=_("Order"), required=False, widget=QuickSelect, choices=[
        ("deadline", _("Soonest deadline first")), ("newest", _("Newest first")),
        ("oldest", _("Oldest first"))])
    offers = forms.ChoiceField(required=False, widget=forms.HiddenInput,
                               choices=[("", ""), ("ran_out", "ran_out"),
                                        ("no_address", "no_address"), ("nobody", "nobody")])
    holder = forms.ChoiceField(required=False, widget=forms.HiddenInput,
                               choices=[("", ""), ("nobody", "nobody")])

    def __init__(self, *args, areas: list[str], volunteers: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = FlatChoices([("", _("Anywhere"))] + [(a, a) for a in areas])
        self.fields["volunteer"].choices = FlatChoices([("", _("Anyone"))] + volunteers)


NOTE_MAX = 300  # a line on the timeline
CONCERN_MAX = 2000  # a concern, kept only in the sealed case

# What the note box asks, for each move that needs one.
NOTE_LABELS = {
    "hand_back": "Why is it handed back?",
    "unassign": "Why take the volunteer off?",
    "cancel": "Why is it cancelled?",
    "could_not_help": "Where did you signpost them?",
    "escalate": "What is the concern?",
    "de_escalate": "What was done about it?",
    "close_escalated": "Why close it?",
    "hold": "Why put it on hold?",
}
# What each move's button says (the lifecycle's labels are for the timeline: past tense).
BUTTON_LABELS = {
    "triage": "Mark as triaged",
    "start_matching": "Send to matching",
    "start": "Mark the volunteer on their way",
    "complete": "Mark as done",
    "hand_back": "Hand it back",
    "unassign": "Take the volunteer off",
    "close": "Close the request",
    "cancel": "Cancel the request",
    "could_not_help": "Record that we could not help",
    "escalate": "Escalate to safeguarding",
    "de_escalate": "Mark the concern dealt with",
    "close_escalated": "Close it (safeguarding)",
    "hold": "Put on hold",
    "resume": "Take off hold",
}


class MoveForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in lifecycle.MOVES],
                               error_messages={"required": "Choose a step.",
                                               "invalid_choice": "There is no such step."})
    # A concern (escalate) goes into the sealed safeguarding case, which holds more; every
    # other note is a line on the timeline.
    note = FreeTextField(required=False, max_length=CONCERN_MAX,
                         validators=[validate_no_contact_details],
                         error_messages={"max_length": "Keep the concern under 2,000 characters."})

    def clean(self):
        data = super().clean()
        if data.get("action") != "escalate" and len(data.get("note") or "") > NOTE_MAX:
            self.add_error("note", "Keep the note under 300 characters.")
        return data


class AssignForm(forms.Form):
    volunteer = forms.TypedChoiceField(
        label="Choose a volunteer", coerce=int, widget=forms.RadioSelect,
        error_messages={"required": "Choose a volunteer.",
                        "invalid_choice": "Choose one of this group's volunteers listed here."})
    reason = FreeTextField(
        label="Why this volunteer?", max_length=200,
        help_text="For example: lives two doors away, or did her shopping last week.",
        error_messages={"required": "Say why you chose this volunteer.",
                        "max_length": "Keep the reason under 200 characters."})

    def __init__(self, *args, volunteers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].choices = list(volunteers)  # (pk, a label nobody else shares)


class SeriesForm(forms.Form):
    resident = forms.ModelChoiceField(
        label="Who is it for?", queryset=None, empty_label="Choose a resident",
        error_messages={"required": "Choose the resident.",
                        "invalid_choice": "Choose one of this group's residents."})
    service = forms.ChoiceField(label="Kind of help", choices=[("", "Choose")] + SERVICES,
                                error_messages={"required": "Choose the kind of help."})
    cadence = forms.ChoiceField(label="How often?", choices=Series.Cadence.choices,
                                widget=forms.RadioSelect, initial=Series.Cadence.WEEKLY,
                                error_messages={"required": "Choose how often."})
    first_date = forms.DateField(
        label="First visit", widget=ISODateInput(),
        input_formats=DATE_FORMATS,
        help_text="Today or later. Each visit becomes its own request a week ahead.",
        error_messages={"required": "Give the day of the first visit.",
                        "invalid": "Give a date like 31/12/2026."})
    when = FreeTextField(label="Time of day (optional)", required=False, max_length=120,
                           help_text="For example: mornings, after 2pm.")
    details = FreeTextField(
        label="What is needed (optional)", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sealed like contact details. Don't write phone numbers here.")
    volunteer = forms.TypedChoiceField(
        label="Their regular volunteer (optional)", required=False, coerce=int, empty_value=None,
        help_text="Each visit goes to them first while they're free; otherwise to matching.",
        error_messages={"invalid_choice": "Choose one of this group's volunteers."})

    def __init__(self, *args, group, volunteers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = group.residents.order_by("name")
        self.fields["volunteer"].choices = [("", "No one yet")] + [(p.pk, str(p)) for p in volunteers]

    def clean_first_date(self):
        day = self.cleaned_data["first_date"]
        if day < timezone.localdate():
            raise ValidationError("The first visit can't be in the past. Choose today or a later date.")
        return day


class SeriesChangeForm(forms.Form):
    action = forms.ChoiceField(choices=[("pause", "Pause"), ("resume", "Resume"), ("end", "End")],
                               error_messages={"required": "Choose pause, resume or end.",
                                               "invalid_choice": "Choose pause, resume or end."})
    note = FreeTextField(required=False, max_length=300,
                           error_messages={"max_length": "Keep the note under 300 characters."})


REASON_ERRORS = {"required": "Choose what happened.", "invalid_choice": "Choose what happened."}


class ExclusionForm(forms.Form):
    phone = UKPhoneField(label="Phone number", required=False)
    name = NameField(label="Name", required=False, max_length=100,
                     widget=forms.TextInput(attrs={"autocomplete": "off"}),
                     help_text="With the full postcode below; both are needed to match.")
    postcode = PostcodeField(label="Full postcode", required=False, help_text="Like W10 5NW.",
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))
    reason = forms.ChoiceField(label="What happened?", choices=Exclusion.Reason.choices,
                               widget=forms.RadioSelect, error_messages=REASON_ERRORS)
    note = FreeTextField(
        label="Note for coordinators (optional)", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What happened, for whoever sees a match later. Sealed.")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        name, postcode = data.get("name", "").strip(), data.get("postcode", "")
        if name and not postcode:
            self.add_error("postcode", "Give the full postcode too: a name alone can't be matched.")
        elif postcode and not name:
            self.add_error("name", "Give the name too: a postcode alone can't be matched.")
        elif not data.get("phone") and not name:
            raise ValidationError("Give a phone number, or a name with a full postcode.")
        return data


class ExcludeResidentForm(forms.Form):
    reason = forms.ChoiceField(label="What happened?", choices=Exclusion.Reason.choices,
                               widget=forms.RadioSelect, error_messages=REASON_ERRORS)
    note = FreeTextField(
        label="Note for coordinators (optional)", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What happened, for whoever sees a match later. Sealed.")


class LiftForm(forms.Form):
    note = FreeTextField(label="Why lift it?", max_length=300,
                           error_messages={"required": "Say why you are lifting it.",
                                           "max_length": "Keep it under 300 characters."})


def _whole(label: str, low: int, high: int, words: str, help_text: str = "", *,
           unit: str = "hours") -> forms.IntegerField:
    message = f"Choose between {low} and {high} {unit} ({words})."
    return forms.IntegerField(
        label=label, min_value=low, max_value=high, help_text=help_text,
        error_messages={"required": f"Give a number of {unit}.",
                        "invalid": f"Give a whole number of {unit}.",
                        "min_value": message, "max_value": message})


_hours = _whole


class PolicyForm(forms.ModelForm):
    callback_target_hours = _hours("Call back within (hours)", 1, 168, "up to a week",
                                   "Callbacks older than this are shown as overdue.")
    assignment_window_hours = _hours("A volunteer has (hours) to do a task", 1, 336, "up to two weeks",
                                     "When a request gives no day. After this a reminder goes out.")
    reminder_grace_hours = _hours("Then it goes back to matching after (hours)", 1, 168,
                                  "up to a week",
                                  "If the task still isn't done this long after the reminder.")
    checkup_stages = forms.MultipleChoiceField(
        label="Check-up calls", required=False, choices=RequestPolicy.Stage.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="A call handler rings the resident at these points. Tick none for no check-ups.",
        error_messages={"invalid_choice": "Choose from the check-ups listed."})
    checkup_delay_hours = _hours("Check-up call after (hours)", 1, 336, "up to two weeks",
                                 "How long after a task is done the check-up call is due.")

    offer_to = _whole("Offer each request to (volunteers)", 1, 10, "a handful",
                      "Each round of offers goes to this many of the best-placed volunteers. "
                      "Never hundreds: a handful, and the next handful if nobody answers.",
                      unit="volunteers")
    offer_hours = _hours("Volunteers have (hours) to answer an offer", 1, 48, "up to two days",
                         "Then the offer goes to the next volunteers. After two rounds a "
                         "coordinator is told.")
    match_max_km = _whole("Furthest a volunteer is asked to go (km)", 1, 20, "up to 20 km",
                          "Volunteers also set their own limit; the nearer of the two counts.",
                          unit="km")
    fairness_weight = forms.FloatField(
        label="How much fairness counts", min_value=0, max_value=5, initial=1,
        help_text="1 is the usual. Higher gives idle volunteers a turn and lets busy ones rest, "
                  "even if they live a little further away. 0 matches on distance alone.",
        error_messages={"invalid": "Enter a number such as 1 or 1.5.",
                        "min_value": "Enter 0 or more.", "max_value": "Enter 5 or less."})
    continuity_weight = forms.FloatField(
        label="How much helping the same resident again counts", min_value=0, max_value=5,
        initial=1, help_text="1 is the usual. Higher sends residents the volunteer they know.",
        error_messages={"invalid": "Enter a number such as 1 or 1.5.",
                        "min_value": "Enter 0 or more.", "max_value": "Enter 5 or less."})

    class Meta:
        model = RequestPolicy
        fields = ["callback_target_hours", "assignment_window_hours", "reminder_grace_hours",
                  "checkup_stages", "checkup_delay_hours", "offer_to", "offer_hours",
                  "match_max_km", "fairness_weight", "continuity_weight"]
