"""Names refuse characters nobody can see.

A group called "Golborne Road\u202eNeighbours" reads backwards after the override; "Priya\u200b"
looks exactly like "Priya" and is not. Every name field in Kith is a NameField
(core.formfields), which refuses control, invisible (zero-width and other format characters)
and direction characters with one message; the importer and the runs' pasted stops use the
same check (core.text.hidden_characters).
"""

from __future__ import annotations

import pytest
from django import forms
from django.urls import reverse

from kith.core.formfields import NameField, validate_name
from kith.core.models import AuditEvent
from kith.core.text import hidden_characters
from kith.groups.models import Group
from kith.runs.services import read_lines
from kith.volunteers.importing.values import WARNING, parse_name
from tests.formclasses import kith_form_classes

HIDDEN = {
    "right-to-left override": "Golborne Road\u202eNeighbours",
    "left-to-right isolate": "Priya \u2066Shah",
    "zero width space": "Priya\u200b",
    "zero width joiner between Latin letters": "Pri\u200dya",
    "right-to-left mark": "\u200fSam",
    "byte order mark": "\ufeffTom",
    "soft hyphen": "Bren\u00adnan",
    "word joiner": "Mrs\u2060Ahmed",
    "nul": "Olu\x00",
    "bell": "Olu\x07",
    "line separator": "Olu\u2028Adeyemi",
    "private use": "Olu \ue000",
    "hangul filler": "\u3164",
    "braille blank": "Tom\u2800",
    "a tag with no flag": "Tom\U000e0041",
}
VISIBLE = {
    "plain": "Mrs Ahmed",
    "accents and apostrophes": "Zoë O'Brien-Łukasz",
    "arabic": "محمد علی",
    "persian with a non-joiner inside a word": "می\u200cخواهم",
    "hindi with a joiner inside a word": "क्\u200dष",
    "an emoji family": "Knit & Natter \U0001f469\u200d\U0001f467",
    "a heart with its variation selector": "Knit & Natter \u2764\ufe0f",
    "the flag of England": "St George's \U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e"
                           "\U000e0067\U000e007f",
    "chinese": "王小明",
}
MESSAGE = "Names can only have characters people can see."


@pytest.mark.parametrize("text", HIDDEN.values(), ids=HIDDEN.keys())
def test_it_finds_characters_nobody_can_see(text):
    assert hidden_characters(text)
    with pytest.raises(forms.ValidationError, match=MESSAGE):
        validate_name(text)


@pytest.mark.parametrize("text", VISIBLE.values(), ids=VISIBLE.keys())
def test_it_lets_every_real_name_through(text):
    assert hidden_characters(text) == []
    validate_name(text)


def test_the_message_names_the_character():
    with pytest.raises(forms.ValidationError) as caught:
        validate_name(HIDDEN["right-to-left override"])
    assert "(U+202E, right-to-left override)" in caught.value.messages[0]
    assert "type the name again by hand" in caught.value.messages[0]


NAME_FIELDS = [(form_class, name) for form_class in kith_form_classes()
               for name, field in form_class.base_fields.items()
               if name.endswith("name") and isinstance(field, forms.CharField)]


def test_it_found_the_name_fields():
    assert len(NAME_FIELDS) >= 15, NAME_FIELDS


@pytest.mark.parametrize("form_class, name", NAME_FIELDS,
                         ids=[f"{c.__qualname__}.{n}" for c, n in NAME_FIELDS])
def test_every_name_field_in_kith_is_a_name_field(form_class, name):
    assert isinstance(form_class.base_fields[name], NameField)



@pytest.mark.django_db
def test_a_group_name_with_an_override_is_refused_and_kept_on_the_form(client, priya, street):
    typed = {"name": HIDDEN["right-to-left override"], "description": "", "whatsapp_url": "",
             "facebook_url": "", "phone": "", "email": "", "coverage": "W10 5"}
    client.force_login(priya)
    response = client.post(reverse("groups:settings", args=[street.slug]), typed)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode().replace("&#x27;", "'")
    assert "\u202e" in response.content.decode()  # what was typed is still in the box
    assert Group.objects.get(pk=street.pk).name == "Golborne Road Neighbours"
    assert not AuditEvent.objects.filter(action="kith.group.updated").exists()


@pytest.mark.django_db
def test_a_new_groups_name_is_checked_too(client):
    data = {"name": "Portobello\u200b Road", "kind": "street"}
    response = client.post(reverse("listings:register"), data)
    assert MESSAGE in response.content.decode()


def test_the_importer_leaves_out_a_name_with_a_hidden_character():
    name, issues = parse_name("Tom\u200e Brennan")
    assert name == ""
    (level, message), = issues
    assert level == WARNING
    assert "U+200E, left-to-right mark" in message
    assert parse_name("  Tom   Brennan ") == ("Tom Brennan", [])


def test_a_pasted_stop_with_a_hidden_character_in_the_name_is_refused():
    read = read_lines("Mrs\u202e Khan, Flat 2, 14 Oak Road, EN4 9HJ\nMr Lee, 3 Oak Road, EN4 9HJ")
    assert [s.who for s in read.stops] == ["Mr Lee"]
    assert read.errors == [f"Line 1: {MESSAGE} This one has a hidden character (U+202E, "
                           "right-to-left override), usually left by copying and pasting: type "
                           "the name again by hand."]
