"""Forms for the call handlers' pages: a missed call, a call attempt, and phone intake."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kith.core.formfields import (
    PHONE_ATTRS,
    FreeTextField,
    NameField,
    UKPhoneField,
    validate_no_contact_details,
)
from kith.groups.catalogue import SERVICE_LABELS, SERVICES
from kith.groups.coverage import SECTOR_RE
from kith.requests.models import CallAttempt, Callback, HelpRequest
from kith.requests.scripts import CONSENT_LINE
from kith.signposting.forms import SignpostField, picked, signpost_choices

RANG_FROM = {"required": "Enter the phone number they rang from, like 07911 123456."}


class MissedCallForm(forms.Form):
    phone = UKPhoneField(label="Phone number they rang from", error_messages=dict(RANG_FROM),
                         help_text="As shown on the phone, like 07911 123456.")
    caller_name = NameField(label="Their name (optional)", max_length=100, required=False,
                            help_text="If they left one on the voicemail.")
    note = FreeTextField(
        label="What they said (optional)", required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="From the voicemail, if there was one. Sealed; each look is logged.",
    )


class AttemptForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What happened on the call?", choices=CallAttempt.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happened on the call."},
    )
    result = forms.ChoiceField(
        label="How are they?", choices=Callback.Result.choices, widget=forms.RadioSelect,
        required=False, help_text="Only if you reached them.",
    )
    note = FreeTextField(
        # A concern goes only into the sealed case, which holds more (see clean()).
        label="Note (optional)", max_length=2000, required=False,
        validators=[validate_no_contact_details], widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For whoever calls next, like “rang twice, try after 2pm”. No phone numbers.",
    )

    address = FreeTextField(
        label="Their address, if they gave it (optional)", max_length=300, required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text="The volunteer needs it to go there. It is sealed like their phone number.",
    )

    services = SignpostField()  # made with its choices in __init__, or taken away

    def __init__(self, *args, checking: bool = False, ask_address: bool = False,
                 signpost_to: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.checking = checking
        self.signpost_to = signpost_to or []
        if not checking:
            del self.fields["result"]
        if not ask_address:
            del self.fields["address"]
        if self.signpost_to:  # a check-up about a request, in a group with a directory
            self.fields["services"] = SignpostField(
                label=_("If they need more help, which local services did you point them to?"),
                help_text=_("Optional. From this group's directory, those for what they asked "
                            "and nearest them first."),
                choices=signpost_choices(self.signpost_to))
        else:
            del self.fields["services"]
        self.order_fields(["outcome", "result", "services", "note", "address"])

    def clean(self):
        data = super().clean()
        reached = data.get("outcome") == CallAttempt.Outcome.REACHED
        if self.checking and reached and not data.get("result"):
            self.add_error("result", "Say how they are: all well, needs more help, or a concern.")
        concern = reached and data.get("result") == Callback.Result.CONCERN
        if not concern and len(data.get("note") or "") > 300:
            self.add_error("note", "Keep the note under 300 characters.")
        if data.get("services") and not (reached and data.get("result") == Callback.Result.MORE_HELP):
            self.add_error("services", _("Tick a service only when you reached them and they "
                                         "need more help."))
        return data

    def signposted(self) -> list:
        """The services ticked, in the order they were listed."""
        return picked(self.signpost_to, self.cleaned_data.get("services", []))


class PhoneSearchForm(forms.Form):
    phone = UKPhoneField(
        label="Caller's phone number", error_messages=dict(RANG_FROM),
        help_text="Type it and press Enter. We look for anyone who has rung before.",
        widget=forms.TextInput(attrs={**PHONE_ATTRS, "autofocus": True}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "search_%s")  # the intake form below has its own id_phone
        super().__init__(*args, **kwargs)


def service_choices(group) -> list[tuple[str, str]]:
    """The group's own services in the catalogue's order; every service if it lists none."""
    offered = set(group.services or [])
    chosen = [(key, label) for key, label in SERVICES if key in offered]
    return chosen or list(SERVICES)


class IntakeForm(forms.Form):
    """Phone intake, in the order a phone conversation goes."""

    resident = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = NameField(label="What to call them", max_length=100,
                     help_text="For example: Mrs Ahmed, or Joe.",
                     error_messages={"required": "Enter a name to call them by."})
    phone = UKPhoneField(label="Phone number", required=False,
                         help_text="The number to ring them back on.")
    asked_by = NameField(
        label=_("Speaking to someone else for them? (optional)"), max_length=120, required=False,
        help_text=_("Their name, and who they are to them: “Dev, her son”."))
    postcode = FreeTextField(
        label="Postcode", max_length=10, required=False,
        help_text="The full postcode, like W10 5NW, or just the first part and a digit, like "
                  "W10 5. Sealed.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    address = FreeTextField(
        label="Address (optional now)", required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text="A volunteer needs it to go there. Sealed; only the volunteer doing the task "
                  "sees it.",
    )
    service = forms.ChoiceField(
        label="What help do they need?", widget=forms.RadioSelect,
        error_messages={"required": "Choose what help they need."},
    )
    urgency = forms.ChoiceField(
        label="How soon?", choices=HelpRequest.Urgency.choices, widget=forms.RadioSelect,
        initial=HelpRequest.Urgency.SOON,
        error_messages={"required": "Choose how soon they need it."},
    )
    when = FreeTextField(label="Best day or time (optional)", max_length=120, required=False,
                           help_text="For example: Tuesday morning, not before 10.")
    details = FreeTextField(
        label="Details (optional)", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What they need, in their words. Sealed: may hold health details.",
    )
    language = FreeTextField(label="Preferred language (optional)", max_length=40,
                               required=False)
    at_risk = forms.BooleanField(
        label="At risk: we should keep an eye on them", required=False,
        help_text="Lives alone and frail, recently out of hospital, or anything that worries "
                  "you. Their calls come sooner.",
    )
    contact_by = forms.ChoiceField(
        label="How should we reach them?",
        choices=[(c.value, c.label) for c in HelpRequest.ContactBy if c != HelpRequest.ContactBy.EMAIL],
        widget=forms.RadioSelect, initial=HelpRequest.ContactBy.CALL,
        error_messages={"required": "Choose how to reach them."},
    )
    consent = forms.BooleanField(
        label="I read them the consent line and they agreed",
        error_messages={"required": "Read them the consent line. If they do not agree, we "
                                    "cannot keep their details."},
    )

    def __init__(self, *args, group, consent_on_file: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        self.fields["service"].choices = service_choices(group)
        consent = self.fields["consent"]
        consent.help_text = "Read aloud: " + CONSENT_LINE.format(group=group.name)
        if consent_on_file:
            # A returning resident agreed before; they can say no at any time, not every call.
            consent.required = False
            consent.label = "I read them the consent line again (optional: they agreed before)"

    def clean_resident(self):
        pk = self.cleaned_data.get("resident")
        if pk is None:
            return None
        from kith.residents.erased import live

        resident = live(self.group.residents).filter(pk=pk).first()  # never an erased row
        if resident is None:
            raise ValidationError("That resident is not in this group. Search again.")
        return resident

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_asked_by(self):
        return " ".join(self.cleaned_data["asked_by"].split())

    def clean_postcode(self):
        """A full postcode (sealed) or a sector; returns (postcode, sector)."""
        from kith.places.postcodes import PostcodeError, parse

        raw = " ".join(self.cleaned_data["postcode"].upper().split())
        if not raw:
            return ("", "")
        if SECTOR_RE.match(raw):
            return ("", raw)
        try:
            parsed = parse(raw)
        except PostcodeError as exc:
            raise ValidationError(str(exc)) from None
        return (parsed.text, parsed.sector)

    def clean(self):
        data = super().clean()
        if (not self.errors and data.get("resident") is None and not data.get("phone")
                and not data.get("address")):
            self.add_error("phone", "Give a phone number or an address, so someone can reach "
                                    "them.")
        return data

    @property
    def service_label(self) -> str:
        return SERVICE_LABELS.get(self["service"].value() or "", "")
