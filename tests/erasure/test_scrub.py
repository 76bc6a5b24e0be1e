"""What the scrubber finds of an erased person in other people's free text (review 16 #16, #18,
#20): their name as people write it, their address however the street type is spelled; and
what it leaves alone (a neighbour's shared postcode, a bare surname, a first name alone)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kith.erasure.scrub import ERASED, STREET_TYPES, Identifiers, Scrubber

pytestmark = pytest.mark.django_db(transaction=False)


def _redact(text: str, **ids) -> str:
    return Scrubber(Identifiers(**ids)).redact(text)


# --- Names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("stored", "text", "expected"), [
    # #18: a name ending in ")" or "." is found (there is no \b after punctuation).
    ("Mr Xu (024)", "Shouted at Sam; Mr Xu (024) rang", f"Shouted at Sam; {ERASED} rang"),
    ("Mr Xu (024)", "Mr Xu (024)", ERASED),
    ("Sammy Davis Jr.", "Ask Sammy Davis Jr. first", f"Ask {ERASED} first"),
    # #16: the stored name without its "(...)" part, a title and surname, "SURNAME, First".
    ("Mr Carter (048)", "Ringing Mr Carter on Monday", f"Ringing {ERASED} on Monday"),
    ("Mr Carter (048)", "mr. carter's hip", f"{ERASED}'s hip"),
    ("Mrs Ahmed", "Calling Mrs. Ahmed back", f"Calling {ERASED} back"),
    ("Margaret Ahmed", "AHMED, Margaret", ERASED),
    # Her initial and surname, as registers write it.
    ("Edith Clarke", "Mrs E. Clarke has a key", f"Mrs {ERASED} has a key"),
    ("Edith Clarke", "E Clarke signed", f"{ERASED} signed"),
    ("Edith Clarke", "Clarke, E. (no. 74)", f"{ERASED} (no. 74)"),
    ("Mrs Edith Clarke", "Mrs E. Clarke has a key", f"{ERASED} has a key"),
    # A text that names her in full is about her: there a title and her surname are her.
    ("Edith Clarke", "Edith Clarke has a key; Mrs Clarke is deaf",
     f"{ERASED} has a key; {ERASED} is deaf"),
    # ...but a stored title still keeps apart two residents of one street (review 16b, E).
    ("Ms Quinn (072)", "Friend Ms Quinn (072) has a key. Miss Quinn (036) must not be told.",
     f"Friend {ERASED} has a key. Miss Quinn (036) must not be told."),
    ("Margaret Ahmed", "Ahmed,Margaret asked", f"{ERASED} asked"),
    ("Mrs Margaret Ahmed", "Mrs Margaret Ahmed asked", f"{ERASED} asked"),
    ("Margaret Ahmed", "Mrs Margaret Ahmed asked", f"{ERASED} asked"),
    ("Margaret Ann Ahmed", "Margaret Ahmed asked", f"{ERASED} asked"),
    ("Mrs Ahmed", "Spoke to Mrs Ahmed", f"Spoke to {ERASED}"),
    ("Mr Tom O'Brien", "Mr O’Brien is away", f"{ERASED} is away"),
    ("Tom O'Brien", "Tom O’Brien is away", f"{ERASED} is away"),
    ("Tom Brennan", "Tom Brennan's van", f"{ERASED}'s van"),
])
def test_a_name_as_people_write_it_is_found(stored, text, expected):
    assert _redact(text, names=[stored]) == expected


@pytest.mark.parametrize(("stored", "text"), [
    # A bare surname may be someone else's (a shop, a relative); a first name alone too.
    ("Margaret Ahmed", "Ahmed Stores is shut"),
    ("Margaret Ahmed", "Margaret said yes"),
    # A stored title keeps its sense: Mrs Ahmed's husband is not her.
    ("Mrs Ahmed", "Mr Ahmed rang"),
    ("Mr Carter (048)", "Dr Carter at the surgery"),
    # Nor is another title another spelling of hers: Ms Quinn and Miss Quinn may be two
    # residents of one street (second review of 16, E).
    ("Ms Quinn (072)", "Miss Quinn (036) must not be told"),
    ("Mrs Ahmed", "Spoke to Ms Ahmed"),
    # Stored without a title, title + surname may be anyone of the family (B).
    ("Margaret Ahmed", "Mr Ahmed her husband called"),
    ("Margaret Ahmed", "Dr Ahmed at the surgery"),
    ("Edith Clarke", "Mrs Clarke rang"),
    # A double-barrelled name is someone else's (her niece).
    ("Edith Clarke", "Edith Clarke-Smith is her niece"),
    # Part of a longer word is not the name.
    ("Mr Xu (024)", "Mr Xuereb called"),
    ("Margaret Ahmed", "Mrs Ahmedova called"),
    # An initial is no surname.
    ("Margaret A.", "Mr A Smith called"),
])
def test_what_is_not_their_name_is_left(stored, text):
    assert _redact(text, names=[stored]) == text


# --- Addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize(("stored", "text", "expected"), [
    ("77 Golborne Road", "Stan from no. 77 Golborne Rd said", f"Stan from no. {ERASED} said"),
    ("77 Golborne Road", "at 77 Golborne Rd.", f"at {ERASED}."),
    ("77 Golborne Rd", "at 77 GOLBORNE ROAD today", f"at {ERASED} today"),
    ("14 St Mark's Road\nLondon", "14 St. Mark's Rd, London", ERASED),
    ("Flat 3, 14 Wornington Road", "Flat 3, 14 Wornington Rd W10 5QF", ERASED),
    ("Flat 3, 14 Wornington Road", "at 14 Wornington Road", f"at {ERASED}"),
    ("Rose Cottage\nMill Lane\nLondon", "Rose Cottage, Mill Ln", ERASED),
    ("14\nWornington Road", "keys at 14 Wornington Rd", f"keys at {ERASED}"),
])
def test_an_address_with_its_street_type_spelled_either_way_is_found(stored, text, expected):
    assert _redact(text, addresses=[stored], postcodes=["W10 5QF"]) == expected


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(STREET_TYPES), st.data(), st.integers(1, 999),
       st.sampled_from(["", "a"]))
def test_every_street_type_matches_its_abbreviations(spellings, data, number, letter):
    stored = data.draw(st.sampled_from(spellings))
    typed = data.draw(st.sampled_from(spellings))
    typed = data.draw(st.sampled_from([typed, typed.upper(), typed.capitalize()]))
    text = f"Keys are at {number}{letter} Bevington {typed} with Jo"
    redacted = _redact(text, addresses=[f"{number}{letter} Bevington {stored}\nLondon"])
    assert redacted == f"Keys are at {ERASED} with Jo"


# #20: a postcode is shared by a street; it goes only as part of their address.
STANLEY = {"names": ["Stanley Hill"], "addresses": ["77 Golborne Road\nLondon"],
           "postcodes": ["W10 5NW"]}


@pytest.mark.parametrize("text", [
    "Take Mrs Ahmed's shopping to 14 Golborne Road, London W10 5NW",
    "Pharmacy at W10 5NW is shut",
    "Everyone in w105nw had a leaflet",
    "Golborne Road is closed for the market",
    "77 Golborne Gardens",
])
def test_a_neighbours_address_or_a_shared_postcode_is_left(text):
    assert _redact(text, **STANLEY) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("77 Golborne Road, London W10 5NW", ERASED),
    ("Stan, 77 Golborne Rd W10 5NW.", f"Stan, {ERASED}."),
    ("77 golborne road london w105nw", ERASED),
])
def test_their_whole_address_goes_with_its_postcode(text, expected):
    assert _redact(text, **STANLEY) == expected


@pytest.mark.parametrize(("address", "text"), [
    # A line is an address only with a house number or house name and a street.
    ("London W10 5NW", "Shops in London W10 5NW"),
    ("Flat 3, 14 Wornington Road", "Flat 3 has a leak"),
    ("Rose Cottage\nMill Lane\nLondon", "Mill Lane is flooded"),
    ("Rose Cottage\nMill Lane\nLondon", "The pub in London"),
])
def test_part_of_an_address_that_is_not_theirs_alone_is_left(address, text):
    assert _redact(text, addresses=[address], postcodes=["W10 5NW"]) == text


MARGARET = {"names": ["Mrs Margaret Ahmed (014)"], "phones": ["+447700900111"],
            "addresses": ["Flat 2, 14 Wornington Road\nLondon"], "postcodes": ["W10 5QF"]}
PIECES = ["Margaret Ahmed", "Mrs Ahmed", "MS. AHMED", "Ahmed, Margaret", "Mrs Margaret Ahmed (014)",
          "14 Wornington Rd", "Flat 2, 14 Wornington Road, London W10 5QF", "07700 900111",
          "+44 7700 900 111", "rang", "Ahmed Stores", "W10 5QF", "Margaret",
          "16 Wornington Road"]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12))
def test_nothing_of_hers_is_left_and_what_is_not_hers_stays(pieces):
    scrub = Scrubber(Identifiers(**MARGARET))
    text = " | ".join(pieces)  # each piece on its own, as in a list of notes
    redacted = scrub.redact(text)
    assert not scrub.found(redacted)
    assert scrub.redact(redacted) == redacted
    # A shared postcode, a shop, a first name and a neighbour's door are never hers alone.
    for kept in ("Ahmed Stores", "16 Wornington Road", "W10 5QF", "Margaret", "rang"):
        assert redacted.split(" | ").count(kept) == pieces.count(kept)


def test_a_redacted_value_never_outgrows_its_column():
    from kith.erasure.scan import _redacted
    from kith.requests.models import Callback

    field = Callback._meta.get_field("caller_name")
    full = ("Edna " * 40)[:field.max_length]
    changes = _redacted(Scrubber(Identifiers(names=["Edna"])), [field], [full])
    assert len(changes["caller_name"]) <= field.max_length
    assert "Edna" not in changes["caller_name"]
