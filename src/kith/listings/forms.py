from django import forms
from django.core.exceptions import ValidationError

from kith.core.formfields import FreeTextField, NameField
from kith.core.phones import normalise_uk_phone
from kith.groups.coverage import CoverageError, parse_coverage
from kith.groups.models import FACEBOOK_GROUP, WHATSAPP_INVITE, Group
from kith.listings.models import ListingReport
from kith.listings.services import parent_options

KIND_CHOICES = [
    (Group.Kind.STREET.value, "Street: a few streets, an estate or a block of flats"),
    (Group.Kind.NEIGHBOURHOOD.value, "Neighbourhood: several streets around a shared centre"),
    (Group.Kind.WARD.value, "Ward: a whole council ward"),
]

EMAIL_INVALID = "Enter an email address like name@example.org."
TOO_LONG = "Keep this to %(limit_value)d characters or fewer (it has %(show_value)d)."


def _coverage(text: str) -> list[str]:
    try:
        areas = parse_coverage(text)
    except CoverageError as exc:
        raise ValidationError(str(exc)) from None
    if not areas:
        raise ValidationError("Enter at least one postcode district (like SW3) or sector (like SW3 5).")
    return areas


class RegistrationForm(forms.Form):
    name = NameField(
        label="Name of the group", max_length=120,
        help_text="The name neighbours will know it by, for example: Portobello Road Neighbours.",
        error_messages={"required": "Enter the group's name.", "max_length": TOO_LONG},
    )
    kind = forms.ChoiceField(
        label="What kind of group is it?", choices=KIND_CHOICES, widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of group it is.",
                        "invalid_choice": "Choose one of the kinds listed."},
    )
    parent = forms.ChoiceField(
        label="Which bigger group should it sit under?",
        help_text="Usually your ward or borough group. Its network's coordinators approve new "
                  "groups. If you are not sure, choose the network.",
        error_messages={"required": "Choose the group it should sit under.",
                        "invalid_choice": "Choose a group from the list."},
    )
    coverage = FreeTextField(
        label="Areas it covers", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Postcode districts (like SW3) or sectors (like SW3 5), separated by commas. "
                  "Not full postcodes.",
        error_messages={"required": "Enter at least one postcode district (like SW3) or "
                                    "sector (like SW3 5)."},
    )
    whatsapp_url = FreeTextField(
        label="WhatsApp invite link (optional)", required=False, max_length=200,
        validators=[WHATSAPP_INVITE], error_messages={"max_length": TOO_LONG},
    )
    facebook_url = FreeTextField(
        label="Facebook group (optional)", required=False, max_length=200,
        validators=[FACEBOOK_GROUP], error_messages={"max_length": TOO_LONG},
    )
    phone = FreeTextField(
        label="Phone line (optional)", required=False, max_length=25,
        help_text="A number neighbours without the internet can ring or text.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        error_messages={"max_length": "That phone number is too long."},
    )
    email = forms.EmailField(
        label="Group's email address (optional)", required=False, max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        error_messages={"invalid": EMAIL_INVALID, "max_length": TOO_LONG},
    )
    organiser_name = NameField(
        label="Your name", max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "Enter your name.", "max_length": TOO_LONG},
    )
    organiser_email = forms.EmailField(
        label="Your email address", max_length=254,
        help_text="Not shown publicly. Once the group is approved we send you a link here to "
                  "become its coordinator.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": "Enter your email address, so we can tell you when the "
                                    "group is approved.",
                        "invalid": EMAIL_INVALID, "max_length": TOO_LONG},
    )

    CONTACT_FIELDS = ["whatsapp_url", "facebook_url", "phone", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._parents: dict[str, Group] = {}
        choices: list = [("", "Choose a group")]
        for network, tree in parent_options():
            options = []
            for group, depth in tree:
                self._parents[str(group.pk)] = group
                indent = "\u00a0\u00a0\u00a0" * depth
                options.append((str(group.pk), f"{indent}{group.name} ({group.get_kind_display().lower()})"))
            choices.append((network.name, options))
        self.fields["parent"].choices = choices

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_parent(self):
        return self._parents[self.cleaned_data["parent"]]

    def clean_coverage(self):
        return _coverage(self.cleaned_data["coverage"])

    def clean_phone(self):
        raw = self.cleaned_data["phone"]
        return normalise_uk_phone(raw) if raw.strip() else ""

    def clean(self):
        data = super().clean()
        kind, parent = data.get("kind"), data.get("parent")
        if kind and parent and Group.KIND_ORDER.index(kind) <= Group.KIND_ORDER.index(parent.kind):
            self.add_error("kind", f"A {Group.Kind(kind).label.lower()} group cannot sit under a "
                                   f"{parent.get_kind_display().lower()} group. Choose a smaller "
                                   "kind, or a bigger group to sit under.")
        contact_errors = any(name in self.errors for name in self.CONTACT_FIELDS)
        if not contact_errors and not any(data.get(name) for name in self.CONTACT_FIELDS):
            raise ValidationError("Give at least one way for neighbours to reach the group: a "
                                  "WhatsApp link, a Facebook group, a phone line or an email address.")
        return data


class ReportForm(forms.Form):
    problem = forms.ChoiceField(
        label="What is wrong with this listing?", choices=ListingReport.Problem.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what is wrong.",
                        "invalid_choice": "Choose one of the options listed."},
    )
    details = FreeTextField(
        label="Tell us more", required=False, max_length=ListingReport.DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Up to {ListingReport.DETAILS_MAX} characters. For example, which number "
                  "did not answer. Please don't include anyone's private details.",
        error_messages={"max_length": TOO_LONG},
    )
    reply_email = forms.EmailField(
        label="Your email address, if you would like a reply (optional)", required=False,
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="Only the group's coordinators see it.",
        error_messages={"invalid": EMAIL_INVALID, "max_length": TOO_LONG},
    )

    def clean(self):
        data = super().clean()
        if data.get("problem") == ListingReport.Problem.OTHER and not data.get("details", "").strip():
            self.add_error("details", "Tell us what is wrong, so the group can put it right.")
        return data


class DecisionForm(forms.Form):
    """Approve or turn down one registration. The button pressed gives the decision."""

    APPROVE, REJECT = "approve", "reject"

    reason = FreeTextField(
        label="Reason, if you turn it down", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Emailed to the organiser. For example: a group already covers W10 5.",
        error_messages={"max_length": TOO_LONG},
    )

    def __init__(self, *args, decision: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.decision = decision

    def clean(self):
        data = super().clean()
        if self.decision not in (self.APPROVE, self.REJECT):
            raise ValidationError("Choose Approve or Turn down.")
        if self.decision == self.REJECT and not data.get("reason", "").strip():
            self.add_error("reason", "Say why you are turning it down, so the organiser knows "
                                     "what to do next.")
        return data


class ResolveForm(forms.Form):
    resolution = FreeTextField(
        label="What did you do about it?", max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: updated the phone number. Seen by your group's coordinators.",
        error_messages={"required": "Say what you did about it, for the other coordinators.",
                        "max_length": TOO_LONG},
    )
