from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kith.core.audit import action_label
from kith.core.formfields import FreeTextField, ISODateInput, MultilineField, NameField
from kith.core.phones import normalise_uk_phone
from kith.groups.catalogue import SERVICES
from kith.groups.coverage import CoverageError, parse_coverage
from kith.groups.models import FACEBOOK_GROUP, WHATSAPP_INVITE, Group
from kith.groups.roles import ROLES


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", ROLES)
        kwargs.setdefault("label", "Roles")
        kwargs.setdefault("error_messages", {"required": "Choose at least one role."})
        super().__init__(**kwargs)


class RolesForm(forms.Form):
    roles = RolesField()


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="Their email address (optional)", required=False, max_length=254,
        help_text="Leave empty to make a link you can share on WhatsApp or by text.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    roles = RolesField()  # nothing pre-ticked: a coordinator invited is not made a volunteer


class GroupProfileForm(forms.ModelForm):
    name = NameField(label="Name", max_length=120)
    description = MultilineField(label="Description", required=False,
                                 widget=forms.Textarea(attrs={"rows": 4}),
                                 help_text="Shown on the public listing.")
    services = forms.MultipleChoiceField(
        choices=SERVICES, required=False, widget=forms.CheckboxSelectMultiple,
        label="Services you offer",
    )
    # Plain text boxes: the model's validators then give the specific hint, not "Enter a valid URL".
    whatsapp_url = FreeTextField(label="WhatsApp invite link", required=False, max_length=200,
                                   validators=[WHATSAPP_INVITE])
    facebook_url = FreeTextField(label="Facebook group", required=False, max_length=200,
                                   validators=[FACEBOOK_GROUP])
    coverage = FreeTextField(
        label="Areas you cover", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Postcode districts (like SW3) or sectors (like SW3 5), separated by commas.",
    )

    class Meta:
        model = Group
        fields = ["name", "description", "whatsapp_url", "facebook_url", "phone", "email",
                  "services", "coverage", "shares_personal_data_with_parent"]
        labels = {"shares_personal_data_with_parent": "Share residents' details with the group above"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["coverage"] = ", ".join(self.instance.coverage or [])
        if self.instance.parent_id is None:
            del self.fields["shares_personal_data_with_parent"]

    def clean_coverage(self):
        try:
            return parse_coverage(self.cleaned_data["coverage"])
        except CoverageError as exc:
            raise ValidationError(str(exc)) from None

    def clean_phone(self):
        raw = self.cleaned_data["phone"]
        return normalise_uk_phone(raw) if raw.strip() else ""


class SubgroupForm(forms.Form):
    name = NameField(label="Name of the new group", max_length=120,
                     help_text="For example: Portobello Road Neighbours.")
    kind = forms.ChoiceField(label="What kind of group is it?", widget=forms.RadioSelect)
    coverage = FreeTextField(
        label="Areas it covers", required=False,
        help_text="Postcode districts (like SW3) or sectors (like SW3 5), separated by commas.",
    )

    def __init__(self, *args, parent: Group, **kwargs):
        super().__init__(*args, **kwargs)
        deeper = Group.KIND_ORDER[Group.KIND_ORDER.index(parent.kind) + 1:]
        self.fields["kind"].choices = [(k, Group.Kind(k).label) for k in deeper]
        if deeper:
            self.fields["kind"].initial = deeper[-1]  # most new groups are streets

    def clean_coverage(self):
        try:
            return parse_coverage(self.cleaned_data["coverage"])
        except CoverageError as exc:
            raise ValidationError(str(exc)) from None


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label="What happened", required=False)
    actor = forms.ChoiceField(label="Who did it", required=False)
    about = FreeTextField(label=_("About (a name or a reference)"), required=False,
                            max_length=100)
    since = forms.DateField(label="From (date)", required=False,
                            widget=ISODateInput())
    until = forms.DateField(label="To (date)", required=False,
                            widget=ISODateInput())

    def __init__(self, *args, actions=(), actors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Anything")] + [(a, action_label(a)) for a in actions]
        self.fields["actor"].choices = [("", "Anyone")] + [(str(p.pk), str(p)) for p in actors]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError("The 'From' date is after the 'To' date.")
        return data
