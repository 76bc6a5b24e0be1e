"""Forms that correct a request: its own page, and the answers typed on the call screen."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kith.core.formfields import FreeTextField, ISODateInput, NameField
from kith.requests.corrections import SERVICE_FIXED
from kith.requests.forms_queue import service_choices
from kith.requests.models import HelpRequest


def evening_of(day) -> datetime:
    """A day as a deadline: eight in the evening there, as intake sets "needed by"."""
    return timezone.make_aware(datetime.combine(day, time(20, 0)))


class CorrectRequestForm(forms.Form):
    """Correct an open request. What they need is sealed: the page says whether it is recorded
    and what is typed replaces it; an empty box keeps it."""

    service = forms.ChoiceField(label=_("What help do they need?"), widget=forms.RadioSelect,
                                error_messages={"required": _("Choose what help they need.")})
    details = FreeTextField(label=_("What they need, in their words"), required=False,
                              max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    remove_details = forms.BooleanField(label=_("Remove what is recorded"), required=False)
    urgency = forms.ChoiceField(label=_("How soon?"), choices=HelpRequest.Urgency.choices,
                                widget=forms.RadioSelect,
                                error_messages={"required": _("Choose how soon they need it.")})
    needed_by = forms.DateField(
        label=_("Needed by (optional)"), required=False, widget=ISODateInput(),
        help_text=_("Left as it is, it follows “How soon?”. Empty: any time."),
        error_messages={"invalid": _("Give a date like 2026-12-24.")})
    when = FreeTextField(label=_("Best day or time (optional)"), max_length=120, required=False,
                           help_text=_("For example: Tuesday morning, not before 10."))
    asked_by = NameField(
        label=_("Asked by (optional)"), max_length=120, required=False,
        help_text=_("Someone asking for them: a neighbour, a daughter, a partner's staff."))

    def __init__(self, data=None, *, req: HelpRequest):
        self.req = req
        self.due_day = timezone.localtime(req.needed_by).date() if req.needed_by else None
        super().__init__(data, initial={
            "service": req.service, "urgency": req.urgency, "when": req.when,
            "needed_by": self.due_day, "asked_by": req.asked_by})
        service = self.fields["service"]
        assert isinstance(service, forms.ChoiceField)
        service.choices = _with_current(service_choices(req.group), req)
        if req.state in SERVICE_FIXED:
            service.disabled = True
            service.help_text = SERVICE_FIXED[req.state]
        recorded = req.details is not None
        self.fields["details"].help_text = (
            _("Sealed. Type it again in full only to replace it.") if recorded
            else _("Type it to add it."))
        if not recorded:
            del self.fields["remove_details"]

    def sealed_row(self) -> dict:
        return {"field": self["details"], "recorded": self.req.details is not None,
                "remove": self["remove_details"] if "remove_details" in self.fields else None}

    def clean_needed_by(self):
        day = self.cleaned_data["needed_by"]
        if day is not None and day != self.due_day and day < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return day

    def clean(self):
        data = super().clean()
        if data.get("details") and data.get("remove_details"):
            self.add_error("remove_details", _("Either type a new one or tick “remove”, not "
                                               "both."))
        return data

    def changes(self) -> dict:
        """What to hand to corrections.correct_request(): the plain fields; "needed by" only
        when its day was changed (otherwise it follows the urgency); what they need only when
        typed ("" to remove it)."""
        data = self.cleaned_data
        values = {name: data[name] for name in ("service", "urgency", "when", "asked_by")}
        if data["needed_by"] != self.due_day:
            values["needed_by"] = evening_of(data["needed_by"]) if data["needed_by"] else None
        if data.get("details"):
            values["details"] = data["details"]
        elif data.get("remove_details"):
            values["details"] = ""
        return values


def _with_current(choices: list[tuple[str, str]], req: HelpRequest) -> list[tuple[str, str]]:
    """The group's services, and the request's own even if the group no longer lists it."""
    if req.service not in {key for key, _label in choices}:
        choices = [(req.service, req.get_service_display()), *choices]
    return choices


class CallAnswersForm(forms.Form):
    """A box for each answer the call script asks for (scripts.Ask), beside its step.

    Boxes for the request's and the resident's plain values start with what is recorded; the
    sealed ones (address, postcode) say whether one is recorded and start empty; answers
    about the kind of help start empty and are added to what they need."""

    prefix = "answer"

    def __init__(self, data=None, *, script, req: HelpRequest):
        from kith.requests import scripts

        super().__init__(data)
        self.script, self.req = script, req
        resident = req.resident
        self.initial_values = {
            scripts.WHEN: req.when, scripts.URGENCY: req.urgency, scripts.ASKED_BY: req.asked_by,
            scripts.LANGUAGE: resident.language}
        for ask in scripts.asks_of(script):
            self.fields[ask.key] = self._field(ask, scripts)
            if ask.to in self.initial_values:
                self.initial[ask.key] = self.initial_values[ask.to]

    def _field(self, ask, scripts) -> forms.Field:
        from kith.core.formfields import PostcodeField

        if ask.to == scripts.URGENCY:
            return forms.ChoiceField(label=ask.label, choices=HelpRequest.Urgency.choices,
                                     widget=forms.RadioSelect, required=False)
        if ask.to == scripts.POSTCODE:
            field: forms.Field = PostcodeField(
                label=ask.label, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"}))
        else:
            widget = (forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}) if ask.long
                      else forms.TextInput(attrs={"autocomplete": "off"}))
            kind = NameField if ask.to == scripts.ASKED_BY else FreeTextField
            field = kind(label=ask.label, required=False, widget=widget,
                         max_length=120 if ask.to in (scripts.WHEN, scripts.ASKED_BY)
                         else 40 if ask.to == scripts.LANGUAGE else 500)
        if ask.to in (scripts.ADDRESS, scripts.POSTCODE):
            recorded = getattr(self.req.resident, ask.to) is not None
            field.help_text = (_("Recorded, sealed. Type it only if it has changed.") if recorded
                               else _("Not recorded yet."))
        return field

    def steps(self) -> list[dict]:
        """The script's steps, each with the boxes for its answers, for the template."""
        return [{"step": step, "fields": [self[ask.key] for ask in step.asks]}
                for step in self.script.steps]

    def answers(self) -> dict[str, object]:
        """What was typed or changed, by the ask's key (nothing left as it was)."""
        data = self.cleaned_data
        return {key: value for key, value in data.items()
                if value not in ("", None) and value != self.initial.get(key)}


class NeedAnswersForm(forms.Form):
    """On the phone intake page: a box for each thing the chosen kind of help's script asks
    about what they need, and what the volunteer should know at the door. Their answers become
    lines of what they need (sealed), after what was typed in "Details"."""

    prefix = "answer"

    def __init__(self, data=None, *, script):
        from kith.requests import scripts

        super().__init__(data)
        self.script = script
        self.asks = [ask for ask in scripts.asks_of(script) if ask.to == scripts.DETAILS]
        for ask in self.asks:
            widget = (forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}) if ask.long
                      else forms.TextInput(attrs={"autocomplete": "off"}))
            self.fields[ask.key] = FreeTextField(label=ask.label, required=False,
                                                   max_length=500, widget=widget)

    def steps(self) -> list[dict]:
        keys = {ask.key for ask in self.asks}
        return [{"step": step, "fields": [self[a.key] for a in step.asks if a.key in keys]}
                for step in self.script.steps if any(a.key in keys for a in step.asks)]

    def lines(self) -> list[str]:
        data = self.cleaned_data
        return [f"{ask.line_name}: {' '.join(data[ask.key].split())}" for ask in self.asks
                if data.get(ask.key, "").strip()]


class ResidentNoteForm(forms.Form):
    """On the resident's status page: a note for the group about their request."""

    note = FreeTextField(
        label=_("Anything to tell us about your request?"), max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: “I'm out on Tuesday morning” or “the buzzer is broken, "
                    "please knock”. Only the group and the volunteer helping you read it."),
        error_messages={"required": _("Write your note in the box first."),
                        "max_length": _("Keep your note to 500 characters or fewer.")})


class ResidentCancelForm(forms.Form):
    """On the resident's status page: they no longer need the help."""

    reason = FreeTextField(
        label=_("Why don't you need it any more? (optional)"), max_length=200, required=False,
        help_text=_("For example: “my son is back and will do it”."))
    sure = forms.BooleanField(
        label=_("Yes, cancel my request"),
        error_messages={"required": _("Tick “Yes, cancel my request” if you want to cancel "
                                      "it.")})
