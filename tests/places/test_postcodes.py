"""Postcodes people type: what we accept, and the plain reason when we do not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kith.places.postcodes import (
    FIRST_LETTERS,
    FOURTH_LETTERS_AA9A,
    INWARD_LETTERS,
    SECOND_LETTERS,
    THIRD_LETTERS_A9A,
    Postcode,
    PostcodeError,
    looks_like_postcode,
    parse,
    parse_area,
)
from tests.conftest import examples

DIGITS = "0123456789"


@pytest.mark.parametrize(
    ("typed", "outward", "inward"),
    [
        ("W10 5NW", "W10", "5NW"),
        ("w10 5nw", "W10", "5NW"),
        ("W105NW", "W10", "5NW"),
        ("  w1 0 5n w  ", "W10", "5NW"),  # any spacing
        ("W1 05NW", "W10", "5NW"),
        ("SW1A 1AA", "SW1A", "1AA"),
        ("ec1a1bb", "EC1A", "1BB"),
        ("W1A 0AX", "W1A", "0AX"),
        ("M1 1AE", "M1", "1AE"),
        ("B33 8TH", "B33", "8TH"),
        ("CR2 6XH", "CR2", "6XH"),
        ("DN55 1PT", "DN55", "1PT"),
        ("BT1 5GS", "BT1", "5GS"),
        ("JE2 3QA", "JE2", "3QA"),  # Channel Islands: a postcode, though the map data has no point
        ("GIR 0AA", "GIR", "0AA"),  # Girobank's, the one exception to the rules
        ("gir0aa", "GIR", "0AA"),
        ("Ｗ１０ ５ＮＷ", "W10", "5NW"),  # full-width characters from some keyboards
        ("W10\u00a05NW", "W10", "5NW"),  # a non-breaking space
        ("W10\u200b5NW", "W10", "5NW"),  # a zero-width space from copy and paste
        ("“W10 5NW”", "W10", "5NW"),
        ("W10 5NW.", "W10", "5NW"),
        ("SW1A-1AA", "SW1A", "1AA"),
    ],
)
def test_it_accepts_postcodes_however_they_are_typed(typed, outward, inward):
    assert parse(typed) == Postcode(outward, inward)


def test_it_gives_the_parts_of_a_postcode():
    postcode = parse("w10 5nw")
    assert postcode.text == "W10 5NW"
    assert str(postcode) == "W10 5NW"
    assert postcode.compact == "W105NW"
    assert postcode.sector == "W10 5"
    assert postcode.district == "W10"
    assert postcode.area == "W"
    assert parse("SW1A 1AA").area == "SW"
    assert parse("SW1A 1AA").sector == "SW1A 1"


REJECTIONS = [
    ("", "Enter a postcode, like W10 5NW."),
    ("   ", "Enter a postcode, like W10 5NW."),
    (None, "Enter a postcode, like W10 5NW."),
    ("SW1A 1A", "SW1A 1A is missing its last letter."),
    ("SW1A1A", "SW1A 1A is missing its last letter."),
    ("w105n", "W10 5N is missing its last letter."),
    ("W10 5", "W10 5 is missing its last two letters."),
    ("W10", "W10 is only the first half of a postcode. Add the rest, like W10 5NW."),
    ("SW", "“SW” is only the letters at the start of a postcode. Enter the whole postcode, like W10 5NW."),
    ("1234 AB", "“1234 AB” looks like a Dutch postcode, not a UK one."),
    ("1234ab", "“1234 AB” looks like a Dutch postcode, not a UK one."),
    ("12345", "“12345” looks like a US ZIP code or a German or French postcode, not a UK one. "
              "UK postcodes start with letters, like W10 5NW."),
    ("75001", "“75001” looks like a US ZIP code or a German or French postcode, not a UK one. "
              "UK postcodes start with letters, like W10 5NW."),
    ("12345-6789", "“12345-6789” looks like a US ZIP code, not a UK postcode."),
    ("D02 X285", "“D02 X285” looks like an Irish Eircode. "
                 "Kith works with UK postcodes; in Northern Ireland they start with BT."),
    ("d6w1234", "“D6W 1234” looks like an Irish Eircode. "
                "Kith works with UK postcodes; in Northern Ireland they start with BT."),
    ("K1A 0B1", "“K1A 0B1” looks like a Canadian postal code, not a UK postcode."),
    ("110001", "“110001” looks like a postcode from another country. "
               "UK postcodes start with letters, like W10 5NW."),
    ("BFPO 123", "BFPO numbers are for British Forces mail and have no place on a map. "
                 "Enter a UK postcode, like W10 5NW."),
    ("GX11 1AA", "“GX11 1AA” is a postcode for Gibraltar, not for the UK."),
    ("FIQQ 1ZZ", "“FIQQ 1ZZ” is a postcode for the Falkland Islands, not for the UK."),
    ("QW1 1AA", "A UK postcode never starts with Q, V or X."),
    ("V1 1AA", "A UK postcode never starts with Q, V or X."),
    ("XA1 1AA", "A UK postcode never starts with Q, V or X."),
    ("SZ1 1AA", "The second letter of a UK postcode is never I, J or Z."),
    ("AJ1 1AA", "The second letter of a UK postcode is never I, J or Z."),
    ("W1Z 1AA", "“W1Z” is not a postcode district: after W1 the letter is always one of "
                "A B C D E F G H J K P S T U W."),
    ("W1M 0AA", "“W1M” is not a postcode district: after W1 the letter is always one of "
                "A B C D E F G H J K P S T U W."),
    ("SW1C 1AA", "“SW1C” is not a postcode district: after SW1 the letter is always one of "
                 "A B E H M N P R V W X Y."),
    ("SW1A 1CC", "“SW1A 1CC” is not a postcode: the last two letters are never C, I, K, M, O or V "
                 "(this one has C)."),
    ("W10 5NK", "“W10 5NK” is not a postcode: the last two letters are never C, I, K, M, O or V "
                "(this one has K)."),
    ("SWIA 1AA", "“SWIA 1AA” is not a valid postcode. Did you mean SW1A 1AA? "
                 "It has the number 1 where you typed the letter I."),
    ("SW1A OAA", "“SW1A OAA” is not a valid postcode. Did you mean SW1A 0AA? "
                 "It has a zero where you typed the letter O."),
    ("W10 SNW", "The second half of a postcode starts with a number, like the 5 in W10 5NW."),
    ("W10 5N1", "The second half of a postcode is a number and then two letters, like 5NW in W10 5NW."),
    ("SW1A 1AAA", "“SW1A 1AAA” has too many letters and numbers for a UK postcode, which has 5 to 7, "
                  "like W10 5NW."),
    ("W100 5NW", "“W100” has too many numbers. The first half of a postcode has one or two letters, "
                 "then one or two numbers, like W10 or SW3."),
    ("ABC1 2DE", "A UK postcode starts with one or two letters, not three, like the W in W10 5NW."),
    ("1AB 2CD", "A UK postcode starts with one or two letters, like the W in W10 5NW."),
    ("LONDON", "“LONDON” has no numbers in it. A UK postcode has letters and numbers, like W10 5NW."),
    ("020 7946 0000", "That looks like a phone number, not a postcode. Enter a postcode, like W10 5NW."),
    ("bob@example.org", "That looks like an email address, not a postcode. Try one like W10 5NW."),
    ("https://example.org", "That looks like a web address, not a postcode. Try one like W10 5NW."),
    ("😀", "A postcode has only letters and numbers, like W10 5NW."),
    ("W10 5NW😀", "A postcode has only letters and numbers, like W10 5NW."),
    ("<script>alert(1)</script>", "A postcode has only letters and numbers, like W10 5NW."),
    ("W10 5NW" * 20, "That is too long to be a postcode. A UK postcode has 5 to 7 letters and numbers, "
                     "like W10 5NW."),
]


@pytest.mark.parametrize(("typed", "reason"), REJECTIONS)
def test_it_says_plainly_why_something_is_not_a_postcode(typed, reason):
    with pytest.raises(PostcodeError) as refused:
        parse(typed)
    assert str(refused.value) == reason


def test_a_postcode_error_is_a_value_error():
    assert issubclass(PostcodeError, ValueError)


def test_it_refuses_a_megabyte_of_text_quickly_and_plainly():
    with pytest.raises(PostcodeError, match="too long"):
        parse("A" * 1_000_000)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("W10 5NW", True),
        ("w10", True),  # a district
        ("W10 5", True),  # a sector
        ("SW1A 1A", True),  # not valid, but a postcode-shaped mistake: parse() will explain
        ("e1", True),
        ("GIR 0AA", True),
        ("1234 AB", True),  # foreign postcodes go to parse(), which says what they look like
        ("12345", True),
        ("BFPO 12", True),
        ("Notting Hill", False),
        ("London", False),
        ("Portobello Road", False),
        ("10 Downing Street", False),
        ("", False),
        (None, False),
        ("😀", False),
        ("W10 5NW" * 10, False),
    ],
)
def test_it_tells_postcodes_from_place_names(typed, expected):
    assert looks_like_postcode(typed) is expected


@pytest.mark.parametrize(
    ("typed", "area"),
    [
        ("W10", "W10"),
        ("w10 5", "W10 5"),
        ("W105", "W10 5"),
        ("W15", "W15"),  # without a space a valid district wins
        ("W1 5", "W1 5"),
        ("SW1A", "SW1A"),
        ("sw1a 1", "SW1A 1"),
        ("  SW3   5 ", "SW3 5"),
    ],
)
def test_it_normalises_districts_and_sectors(typed, area):
    assert parse_area(typed) == area


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("W10 5NW", "“W10 5NW” is a full postcode. Use its sector, W10 5, or its district, W10."),
        ("", "Enter a postcode district or sector, like W10 or W10 5."),
        ("Q1", "A UK postcode never starts with Q, V or X."),
        ("W10 5N", "“W10 5N” is not a postcode district (like SW3) or sector (like SW3 5)."),
        ("FOO", "“FOO” is not a postcode district (like SW3) or sector (like SW3 5)."),
        ("12345", "“12345” looks like a US ZIP code or a German or French postcode, not a UK one. "
                  "UK postcodes start with letters, like W10 5NW."),
        ("W1Z", "“W1Z” is not a postcode district: after W1 the letter is always one of "
                "A B C D E F G H J K P S T U W."),
        ("W10 😀", "A postcode district has only letters and numbers, like W10 or SW3."),
    ],
)
def test_it_says_why_an_area_is_not_a_district_or_sector(typed, reason):
    with pytest.raises(PostcodeError) as refused:
        parse_area(typed)
    assert str(refused.value) == reason


# Valid postcodes, generated from the rules themselves.
letter = st.sampled_from
digit = st.sampled_from(DIGITS)
outwards = st.one_of(
    st.tuples(letter(FIRST_LETTERS), digit),  # A9
    st.tuples(letter(FIRST_LETTERS), digit, digit),  # A99
    st.tuples(letter(FIRST_LETTERS), letter(SECOND_LETTERS), digit),  # AA9
    st.tuples(letter(FIRST_LETTERS), letter(SECOND_LETTERS), digit, digit),  # AA99
    st.tuples(letter(FIRST_LETTERS), digit, letter(THIRD_LETTERS_A9A)),  # A9A
    st.tuples(letter(FIRST_LETTERS), letter(SECOND_LETTERS), digit, letter(FOURTH_LETTERS_AA9A)),  # AA9A
).map("".join)
inwards = st.tuples(digit, letter(INWARD_LETTERS), letter(INWARD_LETTERS)).map("".join)
postcodes = st.builds(Postcode, outwards, inwards)


@given(postcodes)
def test_every_valid_postcode_survives_its_own_text(postcode):
    assert parse(postcode.text) == postcode
    assert parse(postcode.compact) == postcode
    assert parse(postcode.text.lower()) == postcode
    assert looks_like_postcode(postcode.text)
    assert parse_area(postcode.sector) == postcode.sector
    assert parse_area(postcode.district) == postcode.district


@given(postcodes, st.sampled_from([" ", "  ", "\t", "\u00a0"]), st.integers(min_value=0, max_value=8))
def test_spacing_never_matters(postcode, space, where):
    compact = postcode.compact
    where = min(where, len(compact))
    assert parse(space + compact[:where] + space + compact[where:] + space) == postcode


@given(postcodes, st.integers(min_value=0, max_value=6))
def test_a_postcode_missing_its_end_is_refused_with_a_reason(postcode, cut):
    text = postcode.text[: max(1, len(postcode.text) - 1 - cut)]
    with pytest.raises(PostcodeError) as refused:
        parse(text)
    assert str(refused.value)


@settings(max_examples=examples(500))
@given(st.text(max_size=60))
def test_anything_at_all_gives_a_postcode_or_a_postcode_error(text):
    try:
        parse(text)
    except PostcodeError as refused:
        assert str(refused)
    looks_like_postcode(text)  # never raises
    try:
        parse_area(text)
    except PostcodeError as refused:
        assert str(refused)


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -", max_size=12))
def test_postcode_like_noise_gives_a_postcode_or_a_postcode_error(text):
    try:
        postcode = parse(text)
    except PostcodeError as refused:
        assert str(refused)
    else:
        assert parse(postcode.text) == postcode


@pytest.mark.parametrize(("typed", "shaped"), [
    ("ZZ99 9ZZ", "ZZ99 9ZZ"),  # the right layout, letters no postcode uses
    ("zz999zz", "ZZ99 9ZZ"),
    ("W10 5NC", "W10 5NC"),
    ("XX1 1AA", "XX1 1AA"),
    ("W10 5NW", "W10 5NW"),
    ("W1O 5NW", None),  # one slip from W10 5NW: parse's "Did you mean" helps more
    ("W10 ONW", None),
    ("GX11 1AA", None),  # Gibraltar: parse says so
    ("W10", None), ("W10 5N", None), ("1234 AB", None), ("hello there", None), ("", None),
])
def test_it_tells_a_well_shaped_postcode_from_a_malformed_one(typed, shaped):
    from kith.places.postcodes import shaped_like_postcode

    assert shaped_like_postcode(typed) == shaped
