"""UK phone numbers: one normaliser so every form says the same thing about a bad number."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError

# Ofcom keeps 07700 900000-900999 for drama: no real phone has one, so the demo gives its
# texting volunteers these. The library (rightly) calls them not in use, so only the demo
# takes them.
DRAMA_MOBILES = "+447700900"


def _demo_mobile(number) -> bool:
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return settings.DEMO and e164.startswith(DRAMA_MOBILES) and len(e164) == 13


def is_mobile(e164: str) -> bool:
    """A UK mobile, which can take texts (the demo's drama numbers count)."""
    number = phonenumbers.parse(e164, "GB")
    return (phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
            or _demo_mobile(number))


def normalise_uk_phone(raw: str) -> str:
    """Return E.164 (+447700900123) or raise ValidationError with a plain reason."""
    text = raw.strip()
    if len(text) > 25:
        raise ValidationError("That phone number is too long.")
    if any(ch.isalpha() for ch in text):
        # The library would turn letters into keypad digits; nobody means that here.
        raise ValidationError(
            "Enter a phone number with digits only, like 020 7946 0000 or 07911 123456."
        )
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        raise ValidationError(
            "Enter a phone number with digits only, like 020 7946 0000 or 07911 123456."
        ) from None
    if number.country_code != 44:
        raise ValidationError("Enter a UK phone number (starting 0 or +44).")
    if not phonenumbers.is_possible_number(number):
        raise ValidationError("That phone number has too few or too many digits.")
    if not phonenumbers.is_valid_number(number) and not _demo_mobile(number):
        raise ValidationError("That is not a UK phone number in use. Check the digits.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    try:
        number = phonenumbers.parse(e164, "GB")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
