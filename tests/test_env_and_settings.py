"""Pure helpers: environment readers, coverage parsing and UK phone numbers."""

from __future__ import annotations

import re
import stat

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kith.core.phones import display_phone, normalise_uk_phone
from kith.env import envbool, envint, envlist, secret_file
from kith.groups.coverage import CoverageError, normalise_area, parse_coverage

VAR = "KITH_TEST_VALUE"


# --- env ----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [
    ("yes", True), ("YES", True), ("1", True), ("true", True), (" True ", True), ("on", True),
    ("no", False), ("0", False), ("false", False), ("False", False), ("off", False), ("", False),
])
def test_it_reads_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv(VAR, raw)
    assert envbool(VAR, default=not expected) is expected


@pytest.mark.parametrize("default", [True, False])
def test_it_falls_back_to_the_boolean_default(monkeypatch, default):
    monkeypatch.delenv(VAR, raising=False)
    assert envbool(VAR, default) is default


@pytest.mark.parametrize("raw", ["maybe", "2", "y e s", "nope"])
def test_it_names_the_variable_when_a_boolean_is_junk(monkeypatch, raw):
    monkeypatch.setenv(VAR, raw)
    with pytest.raises(ValueError, match=rf"{VAR} must be one of yes/no/true/false/1/0"):
        envbool(VAR)


@pytest.mark.parametrize("raw, expected", [("42", 42), (" 7 ", 7), ("-3", -3), ("", 5)])
def test_it_reads_whole_numbers(monkeypatch, raw, expected):
    monkeypatch.setenv(VAR, raw)
    assert envint(VAR, 5) == expected


def test_it_falls_back_to_the_integer_default(monkeypatch):
    monkeypatch.delenv(VAR, raising=False)
    assert envint(VAR, 60) == 60


@pytest.mark.parametrize("raw", ["1.5", "ten", "12abc"])
def test_it_names_the_variable_when_an_integer_is_junk(monkeypatch, raw):
    monkeypatch.setenv(VAR, raw)
    with pytest.raises(ValueError, match=rf"{VAR} must be a whole number"):
        envint(VAR, 0)


@pytest.mark.parametrize("raw, expected", [
    ("a.example,b.example", ["a.example", "b.example"]),
    (" a.example , ,b.example, ", ["a.example", "b.example"]),
    ("", []),
])
def test_it_reads_comma_separated_lists(monkeypatch, raw, expected):
    monkeypatch.setenv(VAR, raw)
    assert envlist(VAR, ["default"]) == expected


def test_it_falls_back_to_a_copy_of_the_list_default(monkeypatch):
    monkeypatch.delenv(VAR, raising=False)
    default = ["localhost"]
    result = envlist(VAR, default)
    assert result == ["localhost"]
    assert result is not default
    assert envlist(VAR) == []


def test_it_creates_a_secret_file_once_with_owner_only_access(tmp_path):
    path = tmp_path / "var" / "secret_key"
    made = []

    def make():
        made.append(1)
        return f"secret-{len(made)}"

    first = secret_file(path, make)
    assert first == "secret-1"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_file(path, make) == first
    assert made == [1]


# --- coverage -----------------------------------------------------------------------------


def test_it_normalises_and_deduplicates_coverage():
    assert parse_coverage("sw3, W10 5 ,w10 5") == ["SW3", "W10 5"]


@pytest.mark.parametrize("text, expected", [
    ("", []), (None, []), ("SW3;sw5\nW10  6", ["SW3", "SW5", "W10 6"]), ("sw1a", ["SW1A"]),
])
def test_it_splits_coverage_on_commas_semicolons_and_lines(text, expected):
    assert parse_coverage(text) == expected


@pytest.mark.parametrize("postcode, sector, district", [
    ("W10 5NW", "W10 5", "W10"), ("w105nw", "W10 5", "W10"), ("SW1A 1AA", "SW1A 1", "SW1A"),
])
def test_it_suggests_the_sector_of_a_full_postcode(postcode, sector, district):
    with pytest.raises(CoverageError) as caught:
        parse_coverage(f"SW3, {postcode}")
    message = str(caught.value)
    assert "full postcode" in message
    assert f"“{sector}”" in message
    assert f"“{district}”" in message


@pytest.mark.parametrize("junk", ["banana", "12345", "W10 55", "SW3 X"])
def test_it_names_the_junk_token(junk):
    with pytest.raises(CoverageError, match=junk):
        parse_coverage(f"SW3, {junk}, W10 5")


def test_it_names_every_bad_token():
    with pytest.raises(CoverageError) as caught:
        parse_coverage("banana, SW3, apple")
    assert "banana" in str(caught.value)
    assert "apple" in str(caught.value)


AREAS = st.from_regex(r"\A\s*[A-Za-z]{1,2}[0-9][0-9A-Za-z]?(\s+[0-9])?\s*\Z")


@settings(database=None)
@given(st.one_of(AREAS, st.text(max_size=12)))
def test_it_normalises_areas_idempotently(raw):
    try:
        once = normalise_area(raw)
    except CoverageError:
        assume(False)
    assert normalise_area(once) == once
    assert parse_coverage(once) == [once]


# --- phones -------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, e164", [
    ("020 7946 0000", "+442079460000"),
    ("+44 20 7946 0000", "+442079460000"),
    ("0044 20 7946 0000", "+442079460000"),
    ("(020) 7946-0123", "+442079460123"),
    ("07911 123456", "+447911123456"),
    (" 07911123456 ", "+447911123456"),
])
def test_it_normalises_uk_numbers_to_e164(raw, e164):
    assert normalise_uk_phone(raw) == e164


def test_it_refuses_a_number_from_abroad():
    with pytest.raises(ValidationError, match="UK"):
        normalise_uk_phone("+31 20 123 4567")


@pytest.mark.parametrize("raw", [
    "call me",
    "phone",
    "020 7946 ABCD",
    "0800 FLOWERS",
])
def test_it_refuses_letters(raw):
    with pytest.raises(ValidationError):
        normalise_uk_phone(raw)


@pytest.mark.parametrize("raw, message", [
    ("020 7946 000000", "too few or too many"),
    ("123", "too few or too many"),
    ("0" * 26, "too long"),
])
def test_it_explains_a_bad_length(raw, message):
    with pytest.raises(ValidationError, match=message):
        normalise_uk_phone(raw)


def test_it_accepts_the_example_numbers_it_suggests():
    with pytest.raises(ValidationError) as refused:
        normalise_uk_phone("020 7946 ABCD")
    examples = re.findall(r"0[0-9 ]{9,12}[0-9]", refused.value.messages[0])
    assert len(examples) == 2
    for example in examples:
        assert normalise_uk_phone(example).startswith("+44")


def test_it_displays_a_number_in_national_format():
    assert display_phone("+442079460000") == "020 7946 0000"
