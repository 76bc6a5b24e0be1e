"""Free text typed into Kith's forms (notes, reasons, the best time to call): zero-width
characters dropped, direction overrides and controls refused with a message, what was typed
kept in the box."""

from __future__ import annotations

import pytest
from django import forms

from kith.core.formfields import FreeTextField, MultilineField, NameField
from kith.core.text import hidden_in_free_text, without_zero_width
from tests.formclasses import kith_form_classes


class _Note(forms.Form):
    note = FreeTextField(required=False)
    body = MultilineField(required=False)


@pytest.mark.parametrize("typed, kept", [
    ("Mornings\u200b please", "Mornings please"),
    ("\ufeffAfter 2pm\u2060", "After 2pm"),
    ("line one\r\nline two", "line one\nline two"),
    ("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"),
])
def test_it_drops_zero_width_characters_and_keeps_needed_joiners(typed, kept):
    form = _Note({"note": typed, "body": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["body"] == kept
    if "\r" not in typed:
        assert form.cleaned_data["note"] == kept


@pytest.mark.parametrize("typed", ["after \u202e2pm", "\u2066x\u2069", "bell\x07", "a\u202ab"])
def test_it_refuses_direction_and_control_characters_and_keeps_the_text(typed):
    form = _Note({"note": typed})
    assert not form.is_valid()
    assert "hidden character (U+" in form.errors["note"][0]
    assert form["note"].value() == typed


def test_pure_helpers():
    assert without_zero_width("a\u200bb") == "ab"
    assert hidden_in_free_text("two\nlines\tand tab") == []
    assert hidden_in_free_text("\u202e\u200b") == ["\u202e"]


def test_every_typed_text_field_refuses_hidden_characters():
    """No form keeps a plain CharField for text people type: each is a FreeTextField (or a
    NameField, phone or postcode field with its own stricter check)."""
    checked_as_phones = {"kith.groups.forms.GroupProfileForm.phone"}
    plain = [f"{form.__module__}.{form.__qualname__}.{name}"
             for form in kith_form_classes()
             for name, field in form.base_fields.items()
             if type(field) is forms.CharField and not isinstance(field.widget, forms.PasswordInput)
             and not isinstance(field.widget, forms.HiddenInput)]
    assert set(plain) - checked_as_phones == set()
    assert issubclass(MultilineField, FreeTextField) and not issubclass(NameField, FreeTextField)
