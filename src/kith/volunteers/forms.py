"""Forms for volunteers and for the coordinators who check them. Errors are plain English."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kith.core.formfields import FreeTextField, ISODateInput, NameField
from kith.core.phones import normalise_uk_phone
from kith.groups.catalogue import SERVICES
from kith.places.postcodes import PostcodeError, parse
from kith.volunteers.models import (
    CHECK_LABELS,
    CHECKS,
    DAY_LABELS,
    DAYS,
    PART_LABELS,
    PARTS,
    SLOTS,
    Consent,
    Vetting,
    VolunteerProfile,
)

SLOT_LABELS = {f"{day}_{part}": f"{DAY_LABELS[day]} {PART_LABELS[part].lower()}"
               for day in DAYS for part in PARTS}
# Kept in kilometres, read in miles like every distance (directory/distance.py).
RADIUS_CHOICES = [(1, "Up to 0.6 miles (about 15 minutes' walk)"), (2, "Up to 1.2 miles"),
                  (5, "Up to 3 miles"), (10, "Up to 6 miles"), (20, "Up to 12 miles")]
LANGUAGE_RE = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$")
MAX_LANGUAGES = 10


PART_SHORT = {"am": _("a.m."), "pm": _("p.m."), "eve": _("eve.")}


class AvailabilityGrid(forms.CheckboxSelectMultiple):
    """Weekdays down, morning/afternoon/evening across: one labelled checkbox per cell."""

    template_name = "volunteers/widgets/availability_grid.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = set(context["widget"]["value"] or [])
        base = context["widget"]["attrs"].get("id") or f"id_{name}"
        # A phone 320 px wide has room for three columns only with short headings.
        context["parts"] = [{"label": PART_LABELS[p], "short": PART_SHORT[p]} for p in PARTS]
        context["grid"] = [
            {"label": DAY_LABELS[day], "cells": [
                {"value": f"{day}_{part}", "id": f"{base}_{day}_{part}",
                 "label": SLOT_LABELS[f"{day}_{part}"], "checked": f"{day}_{part}" in chosen}
                for part in PARTS]}
            for day in DAYS
        ]
        return context


class PolicyGrid(forms.Widget):
    """Services down, checks across, for the vetting policy."""

    template_name = "volunteers/widgets/policy_grid.html"
    use_fieldset = True

    def format_value(self, value):
        return value or {}

    def value_from_datadict(self, data, files, name):
        return {service: [c for c in data.getlist(f"{name}_{service}") if c in CHECKS]
                for service, _ in SERVICES}

    def value_omitted_from_data(self, data, files, name):
        return False

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = context["widget"]["value"]
        base = context["widget"]["attrs"].get("id") or f"id_{name}"
        context["checks"] = [CHECK_LABELS[c] for c in CHECKS]
        context["grid"] = [
            {"label": label, "cells": [
                {"name": f"{name}_{service}", "value": check, "id": f"{base}_{service}_{check}",
                 "label": f"{CHECK_LABELS[check]} for {label.lower()}",
                 "checked": check in chosen.get(service, [])}
                for check in CHECKS]}
            for service, label in SERVICES
        ]
        return context


def _safety_help() -> str:
    return format_html('<a href="{}" target="_blank">Read the safety guidance</a> '
                       "(opens in a new tab, so nothing you typed here is lost).",
                       reverse("volunteers:safety"))


CONSENT_HELP = {
    Consent.Kind.DATA: "Your group's coordinators see your name, email and area. Your phone "
                       "and full postcode are sealed: a coordinator must give a reason to see "
                       "them, and every look is recorded.",
    Consent.Kind.ADULT: "Under 18? Join through a group whose coordinator knows you.",
    Consent.Kind.UNPAID: "Residents pay back what you spend on their shopping, nothing more.",
}


def consent_field(kind) -> forms.BooleanField:
    help_text = _safety_help() if kind == Consent.Kind.SAFETY else CONSENT_HELP[kind]
    return forms.BooleanField(label=Consent.Kind(kind).label, help_text=help_text,
                              error_messages={"required": "Tick this to volunteer with us."})


class DetailsForm(forms.Form):
    """What a volunteer offers, when and how far: the same on sign-up and on editing."""

    services = forms.MultipleChoiceField(
        label="How can you help?", choices=SERVICES, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one way you can help.",
                        "invalid_choice": "Choose from the list of ways to help."},
    )
    availability = forms.MultipleChoiceField(
        label="When are you usually free?", choices=[(s, SLOT_LABELS[s]) for s in SLOTS],
        widget=AvailabilityGrid, required=False,
        help_text="Tick the times that usually suit you. If it changes every week, leave it "
                  "empty and use the on-duty switch when you are free.",
        error_messages={"invalid_choice": "Choose times from the table."},
    )
    languages = FreeTextField(
        label="Languages you speak (optional)", max_length=200, required=False,
        help_text="Separate them with commas, for example: English, Arabic, Polish.",
    )
    transport = forms.ChoiceField(
        label="How do you get about?", choices=VolunteerProfile.Transport.choices,
        widget=forms.RadioSelect, initial=VolunteerProfile.Transport.FOOT,
        error_messages={"required": "Choose how you get about.",
                        "invalid_choice": "Choose how you get about."},
    )
    radius_km = forms.TypedChoiceField(
        label="How far will you go?", choices=RADIUS_CHOICES, coerce=int, initial=2,
        error_messages={"required": "Choose how far you will go.",
                        "invalid_choice": "Choose how far you will go."},
    )
    weekly_cap = forms.IntegerField(
        label="Most tasks in a week", min_value=1, max_value=20, initial=3,
        help_text="We won't offer you more than this.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": "Give a number from 1 to 20.",
                        "invalid": "Give a number from 1 to 20.",
                        "min_value": "Give a number from 1 to 20.",
                        "max_value": "Give a number from 1 to 20."},
    )
    postcode = FreeTextField(
        label="Your postcode", max_length=40,
        help_text="The full postcode, like W10 5NW, to find your nearest group and tasks "
                  "near you. It is sealed: coordinators see only the area (like W10 5).",
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
        error_messages={"required": "Enter your postcode, like W10 5NW."},
    )

    def clean_languages(self) -> list[str]:
        seen: dict[str, str] = {}
        for part in self.cleaned_data["languages"].split(","):
            name = " ".join(part.split())
            if not name:
                continue
            if len(name) > 40 or not LANGUAGE_RE.match(name):
                raise ValidationError(f"“{name[:40]}” doesn't look like a language. Use letters, "
                                      "and commas between languages.")
            seen.setdefault(name.casefold(), name[:1].upper() + name[1:])
        if len(seen) > MAX_LANGUAGES:
            raise ValidationError(f"List at most {MAX_LANGUAGES} languages.")
        return list(seen.values())

    def clean_postcode(self) -> str:
        raw = self.cleaned_data["postcode"]
        if not raw.strip() and not self.fields["postcode"].required:
            return ""
        try:
            postcode = parse(raw)
        except PostcodeError as exc:
            raise ValidationError(str(exc)) from None
        from kith.directory.geocoding import place_for

        try:
            place_for(postcode.text)  # a real postcode we can place, or say so now
        except PostcodeError as exc:
            raise ValidationError(str(exc)) from None
        return postcode.text

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in
                ("services", "availability", "languages", "transport", "radius_km",
                 "weekly_cap")}


class SignUpForm(DetailsForm):
    """Sign-up: who they are (unless signed in), the details, and the consents."""

    display_name = NameField(
        label="Your name", max_length=100,
        help_text="As you'd like neighbours and coordinators to see it.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "Tell us your name."},
    )
    email = forms.EmailField(
        label="Your email address", max_length=254,
        help_text="We'll email you a code to confirm it. No password needed.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": "Enter your email address.",
                        "invalid": "Enter an email address like name@example.com."},
    )
    phone = FreeTextField(
        label="Phone number (optional)", max_length=25, required=False,
        help_text="Sealed. Only your coordinators can see it, and each look is recorded.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    on_duty = forms.BooleanField(label="I'm free to help right now (on duty)", required=False)

    field_order = ["display_name", "email", "phone", "services", "availability", "on_duty",
                   "languages", "transport", "radius_km", "weekly_cap", "postcode"]

    def __init__(self, *args, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if signed_in:  # their account already knows who they are
            for name in ("display_name", "email", "phone"):
                del self.fields[name]
        for kind in Consent.Kind:
            self.fields[f"consent_{kind.value}"] = consent_field(kind)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"]
        return normalise_uk_phone(raw) if raw.strip() else ""

    def consents(self) -> list[str]:
        return [kind.value for kind in Consent.Kind if self.cleaned_data.get(f"consent_{kind.value}")]


class EditDetailsForm(DetailsForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        postcode = self.fields["postcode"]
        postcode.required = False
        postcode.label = "New postcode (optional)"
        postcode.help_text = ("Leave empty to keep the one you gave (we never show it back). "
                              "Your groups stay the same; ask a coordinator to move you.")


class ConsentsForm(forms.Form):
    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[f"consent_{kind}"] = consent_field(kind)

    def kinds(self) -> list[str]:
        return [name.removeprefix("consent_") for name, value in self.cleaned_data.items() if value]


class BreakForm(forms.Form):
    until = forms.DateField(
        label="When will you be back?", widget=ISODateInput(),
        help_text="No offers until that day. You can come back sooner.",
        error_messages={"required": "Give the day you'll be back.",
                        "invalid": "Give a date like 31/12/2026."},
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y"],
    )


class DutyForm(forms.Form):
    on_duty = forms.TypedChoiceField(choices=[("1", "On"), ("0", "Off")],
                                     coerce=lambda v: v == "1")


DATE_ERRORS = {"invalid": "Give a date like 31/12/2026."}


def _date(label: str) -> forms.DateField:
    return forms.DateField(label=label, required=False,
                           widget=ISODateInput(),
                           input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y"],
                           error_messages=DATE_ERRORS)


class VettingForm(forms.Form):
    id_seen_at = _date("ID seen on")
    references_at = _date("References checked on")
    dbs_level = forms.ChoiceField(label="DBS check", choices=Vetting.DBS.choices, required=False,
                                  error_messages={"invalid_choice": "Choose a DBS level."})
    dbs_date = _date("DBS certificate date")
    safeguarding_at = _date("Safeguarding training on")

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        for name in ("id_seen_at", "references_at", "dbs_date", "safeguarding_at"):
            if data.get(name) and data[name] > today:
                self.add_error(name, "That date is in the future. Give the day it happened.")
        return data


class PolicyForm(forms.Form):
    requirements = forms.Field(
        label="Checks needed before a volunteer takes each kind of task", widget=PolicyGrid,
        required=False,
    )


# --- the coordinators' list

ACTIVE_CHOICES = [("", "Any time"), ("7", "In the last week"), ("30", "In the last 30 days"),
                  ("idle", "Not in the last 30 days")]
VETTING_CHOICES = [("", "Any"), ("approved", "Approved"), ("waiting", "Waiting for checks")]
STATUS_CHOICES = [("", "Any"), ("active", "Active"), ("on_duty", "On duty now"),
                  ("on_break", "Taking a break"), ("no_profile", "No profile yet"),
                  ("no_email", _("No email yet: ring them"))]
SORT_CHOICES = [("name", "Name"), ("busiest", "Busiest first (last 30 days)"),
                ("idlest", "Least busy first (last 30 days)"), ("recent", "Last active")]


class RosterFilterForm(forms.Form):
    service = forms.ChoiceField(label="Service", required=False, choices=[("", "Any")] + SERVICES)
    area = forms.ChoiceField(label="Area", required=False)
    slot = forms.ChoiceField(label="Free on", required=False,
                             choices=[("", "Any time")] + [(s, SLOT_LABELS[s]) for s in SLOTS])
    vetting = forms.ChoiceField(label="Checks", required=False, choices=VETTING_CHOICES)
    status = forms.ChoiceField(label="Status", required=False, choices=STATUS_CHOICES)
    active = forms.ChoiceField(label="Last active", required=False, choices=ACTIVE_CHOICES)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=SORT_CHOICES)

    def __init__(self, *args, areas: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = ([("", "Any")] + [(a, a) for a in areas]
                                       + [("none", _("Not known: ask them"))])
        for field in self.fields.values():
            field.error_messages["invalid_choice"] = "That isn't one of the choices; ignored."

    def filters(self) -> dict[str, str]:
        """The valid filters given (invalid ones are ignored, with a message on the form)."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v}
