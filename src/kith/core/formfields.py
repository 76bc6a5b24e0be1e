"""Form fields and widgets for what Kith's forms ask again and again: a UK phone number, a
postcode, a name and a date.

One place for the cleaning and the messages, so every form says the same thing about a bad
number, a postcode with a letter O for a zero, or a name with a hidden character in it.
"""

from __future__ import annotations

from html import escape

from django import forms
from django.core.exceptions import ValidationError
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from kith.core.phones import normalise_uk_phone
from kith.core.text import (
    contact_detail_in,
    describe,
    hidden_characters,
    hidden_in_free_text,
    without_zero_width,
)

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


def hidden_character_message(text: str) -> str:
    """Why a name is refused, or "" when it is fine."""
    found = hidden_characters(text)
    if not found:
        return ""
    return _("Names can only have characters people can see. This one has a hidden character "
             "(%(which)s), usually left by copying and pasting: type the name again by hand.") % {
        "which": describe(found[0])}


def validate_name(value: str) -> None:
    """Refuse control, invisible (zero-width and other format characters) and direction
    characters in any name: a person's, a resident's, a group's. Two names that look the same
    must be the same, and a name must not turn the text after it around."""
    message = hidden_character_message(value or "")
    if message:
        raise ValidationError(message, code="hidden_character")


class NameField(forms.CharField):
    """A name: a CharField that refuses characters nobody can see (validate_name)."""

    default_validators = [validate_name]


def validate_free_text(value: str) -> None:
    """Refuse direction overrides and other hidden characters in free text (a note, a reason,
    the best time to call): "\u202e" would show the words after it backwards to whoever
    reads them next."""
    found = hidden_in_free_text(value or "")
    if found:
        raise ValidationError(
            _("This has a hidden character (%(which)s) that can change how the text reads, "
              "usually left by copying and pasting: type it again by hand.")
            % {"which": describe(found[0])}, code="hidden_character")


def validate_no_contact_details(value: str) -> None:
    """Refuse a phone number or a full postcode in a note the whole group reads (a request's
    timeline, a callback's note): those are sealed in the resident's record, opened with a
    reason and logged, and a note would show them to everyone without either."""
    found = contact_detail_in(value or "")
    if found:
        raise ValidationError(
            _("Take “%(found)s” out of the note: no phone numbers or addresses here. Everyone "
              "in the group reads notes, so contact details stay in the resident's record.")
            % {"found": found}, code="contact_detail")


class FreeTextField(forms.CharField):
    """Free text typed by people: zero-width characters dropped (they draw nothing, so a
    reason made of them would look blank), direction overrides and controls refused."""

    default_validators = [validate_free_text]

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return text
        cleaned = without_zero_width(text)
        return cleaned.strip() if self.strip else cleaned


class MultilineField(FreeTextField):
    """Free text over several lines, kept with plain line breaks (LF). Browsers send a
    textarea's line breaks as CR LF, so text stored with LF (the demo's, an import's) would
    otherwise differ from itself after a save with nothing changed."""

    def to_python(self, value):
        text = super().to_python(value)
        return text.replace("\r\n", "\n").replace("\r", "\n")


class ISODateInput(forms.DateInput):
    """The browser's own date picker (type="date"). It reads only ISO dates (2026-12-02): sent
    a UK date (02/12/2026) it shows an empty box and posts nothing, so a date already saved
    would be wiped the next time the form is saved."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ISODateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker (type="datetime-local"), which reads only
    2026-12-02T14:30, for the same reason as ISODateInput."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class FlatChoices(BaseChoiceIterator):
    """Choices already flat (value, label) pairs: Django takes them as they are instead of
    normalising every pair again each time a form is made (a few thousand on a busy street's
    request list, twice a page)."""

    def __init__(self, pairs: list[tuple]):
        self.pairs = pairs

    def __iter__(self):
        return iter(self.pairs)


class QuickSelect(forms.Select):
    """A select drawn in Python: the same HTML as Django's, without a template per option.

    Django renders each <option> through its own template and a dict of context, about 0.1 ms
    apiece: a coordinator's list of a busy street's volunteers cost 200 ms a page. Flat
    choices only; grouped ones are left to Django."""

    def render(self, name, value, attrs=None, renderer=None):
        choices = list(self.choices)
        if any(isinstance(label, list | tuple) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        wanted = set(self.format_value(value))
        options, chosen = [], False
        for option_value, label in choices:
            text = "" if option_value is None else str(option_value)
            selected = not chosen and text in wanted  # as Django: the first match only
            chosen = chosen or selected
            options.append(f'<option value="{escape(text)}"{" selected" if selected else ""}>'
                           f"{_text(label)}</option>")
        return mark_safe(f'<select name="{escape(name)}"'  # noqa: S308 (each part escaped)
                         f"{_attributes(self.build_attrs(self.attrs, attrs))}>"
                         f'{"".join(options)}</select>')


def _attributes(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html writes them: in order, True bare, False left out."""
    return "".join(f" {escape(name)}" if value is True else f' {escape(name)}="{escape(str(value))}"'
                   for name, value in attrs.items() if value is not False)


def _text(label) -> str:
    """Escaped, unless already safe HTML (as the template's autoescape does)."""
    return str(label) if hasattr(label, "__html__") else escape(str(label))
