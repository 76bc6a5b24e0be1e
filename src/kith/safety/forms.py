from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kith.core.formfields import FreeTextField, ISODateInput, MultilineField
from kith.requests.lifecycle import IllegalMove
from kith.safety.checkins import DURATIONS
from kith.safety.models import Collectors, RiskLevel
from kith.safety.prescriptions import check_policy


class RiskAssessmentForm(forms.Form):
    hazards = MultilineField(label=_("What could go wrong"), max_length=3000,
                             widget=forms.Textarea(attrs={"rows": 5}))
    who_harmed = MultilineField(label=_("Who might be harmed, and how"), max_length=2000,
                                widget=forms.Textarea(attrs={"rows": 3}))
    controls = MultilineField(label=_("What we do about it"), max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 6}))
    remaining_risk = forms.ChoiceField(label=_("Risk that remains after that"),
                                       choices=RiskLevel.choices)
    owner = forms.TypedChoiceField(label=_("Who looks after it"), coerce=int)
    review_by = forms.DateField(label=_("Look at it again by"), widget=ISODateInput())

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("Choose someone"))] + list(people)


class SafetySettingsForm(forms.Form):
    visit_minutes = forms.TypedChoiceField(
        label=_("Usual time for a visit"), coerce=int,
        choices=[(m, _("%(n)s minutes") % {"n": m}) for m in DURATIONS],
        help_text=_("What “I'm on my way” offers first. Volunteers can choose another time."))
    grace_minutes = forms.IntegerField(
        label=_("Minutes to wait after a missed check-in"), min_value=5, max_value=120,
        error_messages={
            "required": _("Say how many minutes to wait: a number from 5 to 120."),
            "invalid": _("Write the minutes as a number from 5 to 120, like 20."),
            "min_value": _("Wait at least 5 minutes: the volunteer needs a moment to answer."),
            "max_value": _("Wait no more than 120 minutes (2 hours): someone may need help."),
        },
        help_text=_("Kith asks the volunteer first. After this long the coordinators are "
                    "told; after the same again, the safeguarding lead."))
    prescriptions = forms.ChoiceField(label=_("Who may collect prescriptions"),
                                      choices=Collectors.choices)
    controlled_drugs = forms.ChoiceField(label=_("Who may collect controlled drugs"),
                                         choices=Collectors.choices,
                                         help_text=_("At least as strict as other "
                                                     "prescriptions."))

    def clean(self):
        data = super().clean()
        if data.get("prescriptions") and data.get("controlled_drugs"):
            try:
                check_policy(data["prescriptions"], data["controlled_drugs"])
            except IllegalMove as exc:
                self.add_error("controlled_drugs", str(exc))
        return data


class CollectionForm(forms.Form):
    controlled_drug = forms.BooleanField(
        label=_("A controlled drug"), required=False,
        help_text=_("The pharmacist will say. Only the stricter rule's volunteers may collect "
                    "it. Write nothing about the medicine itself."))
    bag_reference = FreeTextField(
        label=_("The pharmacy's bag reference"), required=False, max_length=40,
        help_text=_("Leave empty to keep the one recorded."))
