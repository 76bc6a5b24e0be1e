"""The safeguarding forms: the report (public, and for members), and the lead's steps on a
case. Every box people type in is a FreeTextField; nothing typed is lost on a mistake."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kith.core.formfields import FreeTextField, ISODateInput, MultilineField
from kith.requests.models import Exclusion
from kith.safeguarding.models import Case, IcoDecision

WHAT_MAX = 4000


class ReportForm(forms.Form):
    """What happened, how urgent, and the reporter's choices: to be contacted, to give their
    name (members only), and whether the person hurt agreed their details may be shared."""

    kind = forms.ChoiceField(label=_("What is it about?"), choices=Case.Kind.choices,
                             widget=forms.RadioSelect,
                             error_messages={"required": _("Choose what it is about.")})
    urgency = forms.ChoiceField(label=_("How urgent is it?"), choices=Case.Urgency.choices,
                                widget=forms.RadioSelect, initial=Case.Urgency.SOON,
                                error_messages={"required": _("Choose how urgent it is.")})
    what_happened = MultilineField(
        label=_("What happened?"), max_length=WHAT_MAX, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Say what you saw or heard, where and when. Only the group's safeguarding "
                    "leads will read it."),
        error_messages={"required": _("Tell us what happened, in a few words."),
                        "max_length": _("Keep it to at most 4,000 characters.")})
    victim_consent = forms.ChoiceField(
        label=_("If someone was hurt, have they agreed that their details may be shared?"),
        choices=Case.VictimConsent.choices, widget=forms.RadioSelect,
        initial=Case.VictimConsent.NOT_ASKED)
    victim = MultilineField(
        label=_("Who was hurt (only if they agreed)"), required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Their name and how to reach them. Leave it empty if they did not agree."))
    wants_contact = forms.BooleanField(
        label=_("I would like someone to contact me about this"), required=False,
        help_text=_("Otherwise nobody will know who sent this report."))
    contact = FreeTextField(
        label=_("How can we contact you?"), required=False, max_length=300,
        help_text=_("A name and a phone number or email address. Only the safeguarding leads "
                    "see it."))

    def __init__(self, *args, member: bool = False, own_task: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if member:
            self.fields["named"] = forms.BooleanField(
                label=_("Put my name to this report"), required=False,
                help_text=_("Left unticked, the report is anonymous: your name is not stored "
                            "with it."))
        if own_task:
            # The task names its volunteer: linking it to an anonymous report would name them.
            self.fields["link_task"] = forms.BooleanField(
                label=_("Link this report to my task"), required=False,
                help_text=_("It helps the lead find the resident. But the lead will then be "
                            "able to tell the report came from you, because the task shows "
                            "who did it."))

    def clean(self):
        data = super().clean()
        if data.get("wants_contact") and not data.get("contact"):
            self.add_error("contact", _("Say how we can contact you, or untick the box above."))
        if data.get("victim") and data.get("victim_consent") != Case.VictimConsent.YES:
            self.add_error("victim", _("Leave this empty unless they agreed their details may "
                                       "be shared, or choose that they agreed."))
        return data


class TriageForm(forms.Form):
    # Radio buttons, not menus: the choices are sentences, which a phone's menu would cut off.
    kind = forms.ChoiceField(label=_("What is it about?"), choices=Case.Kind.choices,
                             widget=forms.RadioSelect)
    urgency = forms.ChoiceField(label=_("How urgent is it?"), choices=Case.Urgency.choices,
                                widget=forms.RadioSelect)
    risk = forms.ChoiceField(label=_("How serious is the risk?"), choices=Case.Risk.choices,
                             widget=forms.RadioSelect,
                             error_messages={"required": _("Choose how serious the risk is.")})
    triage_note = MultilineField(label=_("Your first look: what you think, what next"),
                                 required=False, max_length=2000,
                                 widget=forms.Textarea(attrs={"rows": 3}))


class ActionForm(forms.Form):
    what = FreeTextField(label=_("What needs doing?"), max_length=200,
                         error_messages={"required": _("Say what needs doing.")},
                         help_text=_("The person who will do it is sent these words, and only "
                                     "these: write what they need to know and nothing more."))
    owner = forms.ChoiceField(
        label=_("Who will do it?"), required=False,
        help_text=_("A safeguarding lead, or one of the group's coordinators. A coordinator "
                    "cannot open the case: they are told the action and asked to tell you "
                    "when it is done."))
    due_on = forms.DateField(label=_("By when?"), required=False, widget=ISODateInput(),
                             error_messages={"invalid": _("Enter a date, for example 24 12 2026.")})

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(p.pk): p for p in people}
        field = self.fields["owner"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Nobody yet"))] + [(k, str(p)) for k, p in self.people.items()]

    def clean_owner(self):
        return self.people.get(self.cleaned_data.get("owner") or "")

    def clean_due_on(self):
        from django.utils import timezone

        due_on = self.cleaned_data.get("due_on")
        if due_on is not None and due_on < timezone.localdate():
            raise forms.ValidationError(_("That day has passed. Choose today or a later day."))
        return due_on


class ToldForm(forms.Form):
    who = FreeTextField(label=_("Who was told?"), max_length=200,
                        help_text=_("For example: the police, the council's adult social care, "
                                    "the ICO, the resident's daughter."),
                        error_messages={"required": _("Say who was told.")})
    told_on = forms.DateField(label=_("When?"), widget=ISODateInput(),
                              error_messages={"required": _("Say when they were told."),
                                              "invalid": _("Enter a date, for example 24 12 2026.")})
    note = FreeTextField(label=_("Anything to add (a reference number, say)"), required=False,
                         max_length=300)

    def __init__(self, *args, opened_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.opened_on = opened_on

    def clean(self):
        data = super().clean()
        if "told_on" not in self.errors:
            check_told_on(self, "told_on", data.get("told_on"), self.opened_on)
        return data


class CloseForm(forms.Form):
    outcome = MultilineField(label=_("What happened in the end?"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("Say what happened in the end.")})
    prevention = MultilineField(label=_("What will stop it happening again?"), max_length=2000,
                                widget=forms.Textarea(attrs={"rows": 3}),
                                error_messages={"required": _("Say what will stop it happening "
                                                              "again.")})
    prevention_owner = FreeTextField(label=_("Who is responsible for that?"), max_length=200,
                                     error_messages={"required": _("Say who is responsible.")})
    exclusion_reason = forms.ChoiceField(
        label=_("Add the resident to the exclusion list?"), required=False,
        choices=[("", _("No"))] + list(Exclusion.Reason.choices),
        help_text=_("Zero tolerance: the group will no longer help them. Choose why."))

    def __init__(self, *args, has_resident: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_resident:  # nobody on record to exclude
            del self.fields["exclusion_reason"]


class IcoForm(forms.Form):
    """A data breach: either the ICO was told (their reference and the day) or the lead
    decided it is not reportable (and why)."""

    decision = forms.ChoiceField(label=_("What did you decide?"), choices=IcoDecision.choices,
                                 widget=forms.RadioSelect,
                                 error_messages={"required": _("Choose whether you told the ICO "
                                                               "or it is not reportable.")})
    reference = FreeTextField(label=_("The ICO's reference"), required=False, max_length=100,
                              help_text=_("If you told them: the reference they gave you."))
    told_on = forms.DateField(label=_("The day you told them"), required=False,
                              widget=ISODateInput(),
                              error_messages={"invalid": _("Enter a date, for example 24 12 2026.")})
    why_not = MultilineField(label=_("Why it is not reportable"), required=False,
                             max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("If it is not reportable: why it is unlikely to put "
                                         "anyone at risk."))

    def __init__(self, *args, opened_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.opened_on = opened_on

    def clean(self):
        data = super().clean()
        if data.get("decision") == IcoDecision.TOLD:
            if not data.get("reference"):
                self.add_error("reference", _("Give the reference the ICO gave you."))
            check_told_on(self, "told_on", data.get("told_on"), self.opened_on)
        elif data.get("decision") == IcoDecision.NOT_REPORTABLE and not data.get("why_not"):
            self.add_error("why_not", _("Say why it is not reportable."))
        return data


def check_told_on(form, name: str, day, opened_on) -> None:
    """A day someone was told: given, not before the case was opened, not in the future."""
    from django.utils import timezone

    if day is None:
        if name not in form.errors:
            form.add_error(name, _("Say the day they were told."))
    elif day > timezone.localdate():
        form.add_error(name, _("That day is in the future. Give the day they were told."))
    elif opened_on is not None and day < opened_on:
        form.add_error(name, _("That day is before the case was opened."))
