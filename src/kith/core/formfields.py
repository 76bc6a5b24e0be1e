"""Form fields for the two things every Kith form asks: a UK phone number and a postcode.

One place for the cleaning and the messages, so every form says the same thing about a bad
number or a postcode with a letter O for a zero.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from kith.core.phones import normalise_uk_phone

PHONE_ATTRS = {"type": "tel", "inputmode": "tel", "autocomplete": "off", "spellcheck": "false"}


class UKPhoneField(forms.CharField):
    """Cleans to E.164 (+447911123456), or "" when left empty and not required."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 25)
        kwargs.setdefault("widget", forms.TextInput(attrs=PHONE_ATTRS))
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        return normalise_uk_phone(text) if text else ""


class PostcodeField(forms.CharField):
    """Cleans a full UK postcode to its standard form ("W10 5NW"), or "" when left empty and
    not required; a bad one gets places.postcodes' own specific message."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)

    def clean(self, value):
        from kith.places.postcodes import PostcodeError, parse

        text = super().clean(value)
        if not text:
            return ""
        try:
            return parse(text).text
        except PostcodeError as exc:
            raise ValidationError(str(exc)) from None
