"""The public side of help requests, no account needed: asking for help, a partner's referral,
and a resident checking on their request with a reference number and a one-time code.

Written for someone who may be 80 and on a phone: every label says what to type in plain
words, and every error says how to put it right.
"""

from __future__ import annotations

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from kith.core.formfields import FreeTextField, NameField, PostcodeField, UKPhoneField
from kith.core.phones import normalise_uk_phone
from kith.groups.catalogue import SERVICE_LABELS, SERVICES
from kith.requests.intake import Contact, Need, normalise_reference
from kith.requests.models import HelpRequest

TOO_LONG = "Keep this to %(limit_value)d characters or fewer (it has %(show_value)d)."
EMAIL_INVALID = "Enter an email address like name@example.org."
CHECKBOX_TEMPLATE = "requests/public/_checkbox.html"

# Offered as suggestions in the language box; anything else may be typed.
LANGUAGES = [
    "English", "Albanian", "Amharic", "Arabic", "Bengali", "Bulgarian", "Cantonese", "Farsi",
    "French", "Greek", "Gujarati", "Hindi", "Italian", "Kurdish", "Lithuanian", "Mandarin",
    "Polish", "Portuguese", "Punjabi", "Romanian", "Russian", "Somali", "Spanish", "Tagalog",
    "Tamil", "Tigrinya", "Turkish", "Twi", "Ukrainian", "Urdu", "Yoruba",
]


def service_choices(group) -> list[tuple[str, str]]:
    """The group's own services in the catalogue's order; every service if it lists none."""
    offered = set(group.services or [])
    keys = [key for key, _ in SERVICES if key in offered] or [key for key, _ in SERVICES]
    return [(key, SERVICE_LABELS[key]) for key in keys]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _phone_or_email(raw: str) -> str:
    """A UK phone number (E.164) or an email address, with a specific reason if it is neither."""
    text = raw.strip()
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError:
            raise ValidationError(EMAIL_INVALID) from None
        return text
    return normalise_uk_phone(text)


def _is_landline(e164: str) -> bool:
    try:
        number = phonenumbers.parse(e164, "GB")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE


class _RequestForm(forms.Form):
    """What every public request needs: who, how to reach them, where, what and when."""

    name = NameField(
        label="What should we call you?", max_length=100,
        help_text="For example: Joan, or Mrs Ahmed.",
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        error_messages={"required": "Tell us what to call you.", "max_length": TOO_LONG},
    )
    phone = UKPhoneField(
        label="Phone number", required=False, help_text="A mobile or a landline.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"max_length": "That phone number is too long."},
    )
    email = forms.EmailField(
        label="Email address", max_length=254, required=False,
        help_text="If you have no phone, or would rather we emailed.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": EMAIL_INVALID, "max_length": TOO_LONG},
    )
    postcode = PostcodeField(
        label="Postcode", max_length=20,
        help_text="The full postcode where the help is needed, like W10 5NW.",
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "autocapitalize": "characters",
                                      "class": "short"}),
        error_messages={"required": "Enter the postcode, like W10 5NW.", "max_length": TOO_LONG},
    )
    service = forms.ChoiceField(
        label="What do you need help with?", widget=forms.RadioSelect,
        help_text="Choose the closest. You can tell us more below.",
        error_messages={"required": "Choose what you need help with.",
                        "invalid_choice": "Choose one of the kinds of help listed."},
    )
    details = FreeTextField(
        label="Anything we should know? (optional)", max_length=1000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: the shopping list, or that the doorbell does not work. Please do "
                  "not write bank card details here.",
        error_messages={"max_length": TOO_LONG},
    )
    urgency = forms.ChoiceField(
        label="When do you need help?", choices=HelpRequest.Urgency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose when you need help.",
                        "invalid_choice": "Choose one of the times listed."},
    )
    when = FreeTextField(
        label="Best day or time (optional)", max_length=120, required=False,
        help_text="For example: weekday mornings, or not on Tuesdays.",
        error_messages={"max_length": TOO_LONG},
    )
    language = FreeTextField(
        label="Language you would like us to use (optional)", max_length=40, required=False,
        help_text="For example: Arabic, Polish or Somali.",
        widget=forms.TextInput(attrs={"list": "languages", "autocomplete": "off"}),
        error_messages={"max_length": TOO_LONG},
    )

    def __init__(self, *args, group, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.group = group
        self.fields["service"].choices = service_choices(group)
        self.order_fields([name for _, _, names in self.SECTIONS for name in names])

    def clean_name(self):
        return _one_line(self.cleaned_data["name"])

    def clean_email(self):
        return self.cleaned_data["email"].strip()

    def clean_when(self):
        return _one_line(self.cleaned_data["when"])

    def clean_language(self):
        return _one_line(self.cleaned_data["language"])

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not data.get("email") and not self.has_error("phone") \
                and not self.has_error("email"):
            self.add_error("phone", self.NO_CONTACT)
        return data

    NO_CONTACT = "Give a phone number or an email address, so we can get back to you."

    SECTIONS: list[tuple[str, str, list[str]]] = []

    def sections(self):
        """(heading, intro, bound fields) in page order, for the template."""
        return [(heading, intro, [self[name] for name in names])
                for heading, intro, names in self.SECTIONS]

    def contact(self) -> Contact:
        data = self.cleaned_data
        return Contact(name=data["name"], phone=data["phone"], email=data["email"],
                       postcode=data["postcode"],  # intake sets the sector from it
                       language=data.get("language", ""))

    def _need(self, **extra) -> Need:
        data = self.cleaned_data
        return Need(service=data["service"], details=data["details"].strip(),
                    urgency=data["urgency"], when=data["when"], consent=True, **extra)


class AskForm(_RequestForm):
    contact_by = forms.ChoiceField(
        label="How should we get in touch?", choices=HelpRequest.ContactBy.choices,
        widget=forms.RadioSelect, initial=HelpRequest.ContactBy.CALL,
        error_messages={"required": "Choose how we should get in touch.",
                        "invalid_choice": "Choose one of the ways listed."},
    )
    on_behalf = forms.BooleanField(
        label="I am asking for someone else", required=False, template_name=CHECKBOX_TEMPLATE,
        help_text="Please check they are happy for you to ask.",
    )
    asked_by = FreeTextField(
        label="Your name", max_length=120, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text="So we know who asked.",
        error_messages={"max_length": TOO_LONG},
    )
    consent = forms.BooleanField(
        label="", template_name=CHECKBOX_TEMPLATE,
        error_messages={"required": "Tick this box so the group can keep your details and "
                                    "get back to you."},
    )

    SECTIONS = [
        ("About you", "Give a phone number, an email address, or both.",
         ["name", "phone", "email", "contact_by", "postcode", "language"]),
        ("The help you need", "", ["service", "details", "urgency", "when"]),
        ("Asking for someone else?", "Put their name above, and the phone number or email we "
                                     "should use. Leave this part empty if the help is for you.",
         ["on_behalf", "asked_by"]),
        ("Keeping your details", "", ["consent"]),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = (
            f"You may keep these details to arrange help and get back to me. Only the "
            f"organisers of {self.group.name} will see them.")

    def clean_asked_by(self):
        return _one_line(self.cleaned_data["asked_by"])

    def clean(self):
        data = super().clean()
        if data.get("on_behalf") and not data.get("asked_by") and not self.has_error("asked_by"):
            self.add_error("asked_by", "Tell us your name, so we know who asked for them.")
        self._check_contact_by(data)
        return data

    def _check_contact_by(self, data) -> None:
        how, phone, email = data.get("contact_by"), data.get("phone"), data.get("email")
        if not how or self.has_error("phone") or self.has_error("email"):
            return
        if how == HelpRequest.ContactBy.CALL and not phone:
            self.add_error("contact_by", "To phone you we need your number. Give a phone number "
                                         "above, or choose email.")
        elif how == HelpRequest.ContactBy.TEXT and not phone:
            self.add_error("contact_by", "To text you we need your mobile number. Give it above, "
                                         "or choose another way.")
        elif how == HelpRequest.ContactBy.TEXT and _is_landline(phone):
            self.add_error("contact_by", "That number looks like a landline, which cannot get "
                                         "text messages. Give a mobile number, or choose a "
                                         "phone call.")
        elif how == HelpRequest.ContactBy.EMAIL and not email:
            self.add_error("contact_by", "To email you we need your email address. Give it "
                                         "above, or choose a phone call.")

    def need(self) -> Need:
        data = self.cleaned_data
        return self._need(contact_by=data["contact_by"], asked_by=data["asked_by"])


class ReferForm(_RequestForm):
    partner_kind = forms.ChoiceField(
        label="What kind of organisation are you?", choices=HelpRequest.PartnerKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of organisation you are.",
                        "invalid_choice": "Choose one of the kinds listed."},
    )
    partner_name = NameField(
        label="Name of your organisation", max_length=120,
        help_text="For example: Golborne Pharmacy, or North Kensington Food Bank.",
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
        error_messages={"required": "Enter the name of your organisation.", "max_length": TOO_LONG},
    )
    referrer_name = NameField(
        label="Your name", max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "Enter your name, so the group knows who referred them.",
                        "max_length": TOO_LONG},
    )
    referrer_contact = FreeTextField(
        label="Your phone number or email address", max_length=254,
        help_text="So the group can ask you questions. Only the group's organisers see it.",
        error_messages={"required": "Give your phone number or email address, so the group "
                                    "can reach you with questions.",
                        "max_length": TOO_LONG},
    )
    consent = forms.BooleanField(
        label="The person agreed to be referred to this group and to their details being shared",
        template_name=CHECKBOX_TEMPLATE,
        help_text="We record when they agreed. Please do not refer anyone who has not agreed.",
        error_messages={"required": "Tick this box to confirm the person agreed. If they have "
                                    "not, please ask them first."},
    )

    SECTIONS = [
        ("About the person who needs help", "Give their phone number, their email address, or both.",
         ["name", "phone", "email", "postcode", "language"]),
        ("The help they need", "", ["service", "details", "urgency", "when"]),
        ("About you", "", ["partner_kind", "partner_name", "referrer_name", "referrer_contact"]),
        ("Their agreement", "", ["consent"]),
    ]

    LABELS = {
        "name": ("What should the group call them?",
                 "Their first name is fine, or for example Mrs Ahmed."),
        "phone": ("Their phone number", "A mobile or a landline, like 07911 123456."),
        "email": ("Their email address", "If they have no phone, or would rather be emailed."),
        "postcode": ("Their postcode", "The full postcode where the help is needed, like W10 5NW."),
        "service": ("What do they need help with?", "Choose the closest. You can say more below."),
        "details": ("Anything the group should know? (optional)",
                    "Only what the group needs to help, for example: hard of hearing, or a "
                    "fourth floor flat with no lift. Only the group's organisers see this."),
        "urgency": ("When do they need help?", ""),
        "language": ("Language they would like the group to use (optional)",
                     "For example: Arabic, Polish or Somali."),
    }
    NO_CONTACT = "Give their phone number or email address, so the group can reach them."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (label, help_text) in self.LABELS.items():
            self.fields[name].label, self.fields[name].help_text = label, help_text
        self.fields["name"].error_messages["required"] = "Tell us what to call the person."
        self.fields["postcode"].widget.attrs["autocomplete"] = "off"
        for name in ("name", "phone", "email"):
            self.fields[name].widget.attrs["autocomplete"] = "off"
        self.fields["service"].error_messages["required"] = "Choose what they need help with."
        self.fields["urgency"].error_messages["required"] = "Choose when they need help."

    def clean_partner_name(self):
        return _one_line(self.cleaned_data["partner_name"])

    def clean_referrer_name(self):
        return _one_line(self.cleaned_data["referrer_name"])

    def clean_referrer_contact(self):
        return _phone_or_email(self.cleaned_data["referrer_contact"])

    def need(self) -> Need:
        data = self.cleaned_data
        contact_by = HelpRequest.ContactBy.CALL if data["phone"] else HelpRequest.ContactBy.EMAIL
        return self._need(contact_by=contact_by, asked_by=data["referrer_name"],
                          partner_kind=data["partner_kind"], partner_name=data["partner_name"],
                          partner_contact=data["referrer_contact"])


class _PlainForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class StatusStartForm(_PlainForm):
    reference = FreeTextField(
        label="Your reference number", max_length=20,
        help_text="Six letters and numbers, like KXT-4M9. We gave it to you when you asked.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false", "class": "short"}),
        error_messages={"required": "Enter your reference number, like KXT-4M9.",
                        "max_length": "A reference number has six letters and numbers, like KXT-4M9."},
    )
    contact = FreeTextField(
        label="The phone number or email address you gave us", max_length=254,
        help_text="We send a code to it, to check it is you.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Enter the phone number or email address you gave us.",
                        "max_length": TOO_LONG},
    )

    def clean_reference(self):
        reference = normalise_reference(self.cleaned_data["reference"])
        if len(reference) != 7:
            raise ValidationError("A reference number has six letters and numbers, like KXT-4M9.")
        return reference

    def clean_contact(self):
        return _phone_or_email(self.cleaned_data["contact"])


class StatusCodeForm(_PlainForm):
    code = FreeTextField(
        label="The 6-digit code", max_length=20,
        help_text="From the text message or email we just sent. It works for 15 minutes.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                      "class": "short"}),
        error_messages={"required": "Enter the 6 digits we sent you.",
                        "max_length": "The code has 6 digits, like 123456."},
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split()).replace("-", "")
        if len(code) != 6 or not code.isascii() or not code.isdigit():
            raise ValidationError("The code has 6 digits, like 123456. Check the message and "
                                  "try again.")
        return code
