"""Forms for runs: a new run, pasted stops, the split's limits, a reason to see addresses."""

from __future__ import annotations

from django import forms

from kith.core.formfields import FreeTextField, ISODateInput, NameField
from kith.places.postcodes import PostcodeError, parse
from kith.runs.models import Run, Stop
from kith.runs.services import MAX_STOPS_PER_RUN


def _limits_clean(data: dict) -> dict:
    if data.get("max_stops") is None and data.get("max_minutes") is None:
        raise forms.ValidationError(
            "Give a limit for each volunteer: a number of stops, a number of minutes, or both.")
    return data


class RunForm(forms.Form):
    kind = forms.ChoiceField(label="What kind of run?", choices=Run.Kind.choices,
                             widget=forms.RadioSelect, initial=Run.Kind.PHARMACY,
                             help_text="Pharmacy runs go only to volunteers the group has "
                                       "checked for prescriptions (with a DBS check).")
    partner_name = NameField(label="Partner", max_length=120,
                             help_text="For example: Oak Lane Pharmacy.")
    pickup_name = NameField(label="Pick up from", max_length=120,
                            help_text="The place volunteers collect from, as they'd find it "
                                      "on the street.")
    pickup_postcode = FreeTextField(label="Pickup postcode", max_length=12)
    date = forms.DateField(label="Day of the run",
                           widget=ISODateInput())
    team_size = forms.IntegerField(label="How many volunteers?", min_value=1, max_value=20,
                                   initial=3)
    max_stops = forms.IntegerField(label="Most stops for one volunteer", min_value=1,
                                   max_value=50, initial=8, required=False)
    max_minutes = forms.IntegerField(label="Most minutes for one volunteer", min_value=10,
                                     max_value=600, required=False,
                                     help_text="Walking, plus a few minutes at each door. "
                                               "Leave empty for no limit.")

    def clean_pickup_postcode(self):
        try:
            return parse(self.cleaned_data["pickup_postcode"]).text
        except PostcodeError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        return _limits_clean(super().clean())


class StopsForm(forms.Form):
    lines = FreeTextField(
        label="Stops, one on each line", max_length=MAX_STOPS_PER_RUN * 500,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false", "autocomplete": "off"}),
        help_text="Name, address, postcode, and a note if there is one, separated by commas. "
                  "For example: Mrs Khan, Flat 2, 14 Oak Road, EN4 9HJ, ring twice")


class SplitForm(forms.Form):
    team_size = forms.IntegerField(label="How many volunteers?", min_value=1, max_value=20)
    max_stops = forms.IntegerField(label="Most stops for one volunteer", min_value=1,
                                   max_value=50, required=False)
    max_minutes = forms.IntegerField(label="Most minutes for one volunteer", min_value=10,
                                     max_value=600, required=False)

    def clean(self):
        return _limits_clean(super().clean())


class OutcomeForm(forms.Form):
    stop = forms.IntegerField(min_value=1)
    outcome = forms.ChoiceField(choices=[c for c in Stop.Outcome.choices
                                         if c[0] != Stop.Outcome.PENDING])
