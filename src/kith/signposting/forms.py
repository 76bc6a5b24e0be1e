"""Forms for the directory of local services: a service, finding one, an Open Referral file."""

from __future__ import annotations

import re

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kith.core.formfields import FreeTextField, ISODateInput, MultilineField, NameField
from kith.groups.coverage import CoverageError, parse_coverage
from kith.signposting.models import LocalService
from kith.signposting.needs import NEEDS

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _text_area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def split_languages(text: str) -> list[str]:
    """"English, Arabic; Polish" -> ["English", "Arabic", "Polish"], each once, as typed."""
    found: list[str] = []
    for part in re.split(r"[,;\n]+", text or ""):
        word = " ".join(part.split())
        if word and word.lower() not in (f.lower() for f in found):
            found.append(word)
    return found


class ServiceForm(forms.Form):
    organisation = NameField(label=_("Organisation"), max_length=200,
                             help_text=_("Who runs it, for example: North Kensington Pantry Trust."))
    name = NameField(label=_("Service"), max_length=200,
                     help_text=_("What people call the service, for example: Tuesday food bank."))
    needs = forms.MultipleChoiceField(
        label=_("What it helps with"), choices=NEEDS, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one thing it helps with, so call handlers "
                                      "can find it.")})
    description = MultilineField(label=_("What it offers"), required=False, max_length=2000,
                                 widget=_text_area())
    eligibility = MultilineField(label=_("Who it is for"), required=False, max_length=1000,
                                 widget=_text_area(2),
                                 help_text=_("For example: anyone living in the borough; over 60s."))
    caution = MultilineField(
        label=_("Caution notes"), required=False, max_length=1000, widget=_text_area(2),
        help_text=_("What a call handler must know before sending anyone there, for example "
                    "\"may share information with immigration enforcement\". Shown first, in "
                    "a box; never shown to the public or exported."))
    phone = FreeTextField(label=_("Phone"), required=False, max_length=40,
                            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}))
    email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    website = forms.URLField(label=_("Website"), required=False, max_length=500,
                             assume_scheme="https")
    address = MultilineField(label=_("Address"), required=False, max_length=500,
                             widget=_text_area(2))
    postcode = FreeTextField(label=_("Postcode"), required=False, max_length=10,
                               help_text=_("Where it is, so Kith can put the nearest first. "
                                           "Leave empty for a phone line or website."))
    radius_miles = forms.FloatField(
        label=_("Serves people within (miles)"), required=False, min_value=0.1, max_value=100,
        help_text=_("Of its postcode. Leave empty if it serves the areas below, or everyone."))
    coverage = FreeTextField(
        label=_("Or serves these areas"), required=False, max_length=500,
        help_text=_("Postcode districts or sectors, separated by commas, for example: W10, W11 1."))
    opening_times = MultilineField(label=_("Opening times"), required=False, max_length=500,
                                   widget=_text_area(2),
                                   help_text=_("For example: Tuesdays and Thursdays 10am to 1pm."))
    languages = FreeTextField(label=_("Languages spoken"), required=False, max_length=300,
                                help_text=_("Separated by commas, for example: English, Arabic."))
    cost = FreeTextField(label=_("Cost"), required=False, max_length=200,
                           help_text=_("For example: free; £3 a meal."))
    how_to_refer = MultilineField(label=_("How to refer"), required=False, max_length=1000,
                                  widget=_text_area(2),
                                  help_text=_("For example: ring first; a voucher from us."))
    status = forms.ChoiceField(label=_("Running?"), choices=LocalService.Status.choices,
                               initial=LocalService.Status.ACTIVE)
    is_public = forms.BooleanField(
        label=_("Show it to residents on the public directory"), required=False,
        help_text=_("Only where no group covers their postcode. The caution notes stay here."))
    last_checked = forms.DateField(label=_("Last checked"), required=False,
                                   widget=ISODateInput(),
                                   help_text=_("When someone last confirmed these details."))

    @classmethod
    def for_service(cls, service: LocalService, data=None) -> ServiceForm:
        initial = {name: getattr(service, name) for name in cls.base_fields}
        initial["coverage"] = ", ".join(service.coverage)
        initial["languages"] = ", ".join(service.languages)
        return cls(data, initial=initial)

    def clean_phone(self) -> str:
        phone = " ".join(self.cleaned_data["phone"].split())
        if phone and sum(ch.isdigit() for ch in phone) < 3:
            raise forms.ValidationError(_("Give the number with its digits, for example "
                                          "020 7946 0100 or 0800 123 4567."))
        return phone

    def clean_postcode(self) -> str:
        from kith.places.postcodes import PostcodeError, parse

        text = self.cleaned_data["postcode"].strip()
        if not text:
            return ""
        try:
            return parse(text).text
        except PostcodeError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_coverage(self) -> list[str]:
        try:
            return parse_coverage(self.cleaned_data["coverage"])
        except CoverageError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_languages(self) -> list[str]:
        return split_languages(self.cleaned_data["languages"])

    def clean(self):
        data = super().clean()
        if data.get("radius_miles") and not data.get("postcode"):
            self.add_error("postcode", _("A distance needs a postcode to measure it from."))
        if data.get("radius_miles") and data.get("coverage"):
            self.add_error("coverage", _("Give a distance or a list of areas, not both."))
        return data


class FindForm(forms.Form):
    q = FreeTextField(label=_("Postcode"), max_length=12, required=False,
                        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True,
                                                      "spellcheck": "false",
                                                      "autocapitalize": "characters"}))
    need = forms.ChoiceField(label=_("What do they need?"), required=False,
                             choices=[("", _("Anything"))] + NEEDS)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Open Referral UK file (.json)"),
                           help_text=_("A council's directory as Open Referral UK JSON: a list "
                                       "of services, or one page of its /services answer."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("That file is over 5 MB. Use the kith services "
                                          "import command for a bigger one."))
        return upload


class ReferralForm(forms.Form):
    """What they agreed may be passed on, and why. The words read to them are built from
    these (referrals.consent_words) and shown before the consent box."""

    shared = forms.MultipleChoiceField(
        label=_("What may be passed on"), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose what they agreed may be passed on.")},
        help_text=_("Only what the service needs to help: usually their name and phone number."))
    why = FreeTextField(
        label=_("Why they are being referred"), max_length=300,
        help_text=_("In a few words the service will read, nothing about their health: for "
                    "example, a food parcel this week."))
    consented = forms.BooleanField(
        label=_("I read them these words and they said yes"), required=False)
    # The digest of the words last shown (referrals.words_digest), carried to "they said yes".
    shown = forms.CharField(required=False, max_length=128, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        from kith.signposting.referrals import MINIMUM, SHAREABLE

        super().__init__(*args, **kwargs)
        self.fields["shared"].choices = [(key, capfirst(label)) for key, label in SHAREABLE]
        self.fields["shared"].initial = MINIMUM

    def clean_why(self) -> str:
        from kith.signposting.referrals import health_word_in

        why = self.cleaned_data["why"]
        word = health_word_in(why)
        if word:
            raise forms.ValidationError(
                _("Leave out “%(word)s”: nothing about their health goes to the service. Say "
                  "what help they need instead, for example: a food parcel this week.")
                % {"word": word}, code="health")
        return why


class ReferralMoveForm(forms.Form):
    to = forms.ChoiceField(choices=[("accepted", "accepted"), ("closed", "closed")])
    outcome = FreeTextField(label=_("What happened"), max_length=300, required=False)


class SignpostField(forms.MultipleChoiceField):
    """Tick boxes for the local services a resident was pointed to, the likeliest first. Only
    the services offered are accepted: an id from another group's tree, or a made-up one, is
    refused with a message, like any other wrong choice."""

    widget = forms.CheckboxSelectMultiple
    default_error_messages = {
        "invalid_choice": _("Choose from the services listed: %(value)s isn't one of this "
                            "group's (or shared with it)."),
        "invalid_list": _("Choose from the services listed."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


# Tick boxes shown before the rest fold away under "n more services" (a tree's directory can
# be long; the likeliest come first).
SHOWN = 6


def signpost_choices(services: list[LocalService]) -> list[tuple[str, str]]:
    """A SignpostField's choices: the id, and the service with who runs it."""
    return [(str(s.pk), f"{s.name} ({s.organisation})") for s in services]


def picked(services: list[LocalService], ids: list[str]) -> list[LocalService]:
    """The services behind a SignpostField's cleaned ids, in the order they were listed."""
    chosen = set(ids)
    return [s for s in services if str(s.pk) in chosen]


class SignpostForm(forms.Form):
    """The "could not help" move's services, checked before the move is made."""

    def __init__(self, *args, services: list[LocalService], **kwargs):
        super().__init__(*args, **kwargs)
        self.offered = services
        self.fields["services"] = SignpostField(label=_("Which service did you point them to?"),
                                                choices=signpost_choices(services))

    def picked(self) -> list[LocalService]:
        return picked(self.offered, self.cleaned_data.get("services", []))
