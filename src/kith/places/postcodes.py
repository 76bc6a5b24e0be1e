"""UK postcodes: parse what people type, and say plainly what is wrong when it is not one.

Pure Python, no Django. The rules are Royal Mail's published format:

- the first half (the outward code) is one of A9, A99, AA9, AA99, A9A or AA9A, where A is a
  letter and 9 a digit; the second half (the inward code) is always 9AA;
- the first letter is never Q, V or X; the second letter is never I, J or Z;
- the letter in third place of A9A is one of A B C D E F G H J K P S T U W;
- the letter in fourth place of AA9A is one of A B E H M N P R V W X Y;
- the two letters of the second half are never C, I, K, M, O or V.

Girobank's GIR 0AA is the one special postcode accepted. British Forces (BFPO) numbers, overseas
territories' postcodes and other countries' postcodes are refused with a message saying what they
look like. Every refusal is a `PostcodeError` whose text can be shown to the public as it is;
nothing else is ever raised, whatever the input.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

EXAMPLE = "W10 5NW"

FIRST_LETTERS = "ABCDEFGHIJKLMNOPRSTUWYZ"  # never Q V X
SECOND_LETTERS = "ABCDEFGHKLMNOPQRSTUVWXY"  # never I J Z
THIRD_LETTERS_A9A = "ABCDEFGHJKPSTUW"
FOURTH_LETTERS_AA9A = "ABEHMNPRVWXY"
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # never C I K M O V

_F = f"[{FIRST_LETTERS}]"
_S = f"[{SECOND_LETTERS}]"
_OUTWARD = (
    rf"(?:{_F}[0-9]|{_F}[0-9][0-9]|{_F}{_S}[0-9]|{_F}{_S}[0-9][0-9]"
    rf"|{_F}[0-9][{THIRD_LETTERS_A9A}]|{_F}{_S}[0-9][{FOURTH_LETTERS_AA9A}])"
)
_INWARD = rf"[0-9][{INWARD_LETTERS}]{{2}}"
OUTWARD_RE = re.compile(rf"^{_OUTWARD}$")
POSTCODE_RE = re.compile(rf"^({_OUTWARD})({_INWARD})$")  # on the compact form, no space

MAX_INPUT = 40  # longer than any postcode with generous spacing; past this we do not look closer

# Postcodes of British Overseas Territories: real Royal Mail-style codes, but not in the UK.
OVERSEAS = {
    "ASCN1ZZ": "Ascension Island",
    "BBND1ZZ": "the British Indian Ocean Territory",
    "BIQQ1ZZ": "the British Antarctic Territory",
    "FIQQ1ZZ": "the Falkland Islands",
    "GX111AA": "Gibraltar",
    "PCRN1ZZ": "the Pitcairn Islands",
    "SIQQ1ZZ": "South Georgia and the South Sandwich Islands",
    "STHL1ZZ": "St Helena",
    "TDCU1ZZ": "Tristan da Cunha",
    "TKCA1ZZ": "the Turks and Caicos Islands",
}

_STRIP = " \t.,;:!?'\"`“”‘’«»()[]{}"
_UK_SHAPE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]{0,5}$")  # cheap, lenient: for looks_like_postcode
_EMAILISH = re.compile(r"\S+@\S+")
_WEBISH = re.compile(r"^(HTTPS?://|WWW\.)")
_PHONEISH = re.compile(r"^\+?[0-9][0-9 ()-]{8,}$")
_BFPO = re.compile(r"^BFPO ?[0-9]{0,4}$")
_US_ZIP4 = re.compile(r"^[0-9]{5}-[0-9]{4}$")
_FIVE_DIGITS = re.compile(r"^[0-9]{5}$")
_DUTCH = re.compile(r"^([0-9]{4}) ?([A-Z]{2})$")
_CANADIAN = re.compile(r"^([A-Z][0-9][A-Z]) ?([0-9][A-Z][0-9])$")
_EIR = "[0-9ACDEFHKNPRTVWXY]"
_EIRCODE = re.compile(rf"^([ACDEFHKNPRTVWXY][0-9]{{2}}|D6W) ?({_EIR}{{4}})$")
_OTHER_COUNTRY = re.compile(r"^[0-9][0-9 -]{3,9}[A-Z]{0,2}$")


class PostcodeError(ValueError):
    """Why some text is not a UK postcode, in words fit to show the person who typed it."""


@dataclass(frozen=True)
class Postcode:
    """A valid UK postcode, split into its two halves ("W10" and "5NW"). Make one with `parse`."""

    outward: str
    inward: str

    @property
    def text(self) -> str:
        """The usual written form: "W10 5NW"."""
        return f"{self.outward} {self.inward}"

    @property
    def compact(self) -> str:
        """No space: "W105NW"."""
        return self.outward + self.inward

    @property
    def sector(self) -> str:
        """The district and the first digit of the second half: "W10 5"."""
        return f"{self.outward} {self.inward[0]}"

    @property
    def district(self) -> str:
        """The first half: "W10"."""
        return self.outward

    @property
    def area(self) -> str:
        """The leading letters: "W" for W10 5NW, "SW" for SW3 5RT."""
        letters = len(self.outward) - len(self.outward.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        return self.outward[:letters]

    def __str__(self) -> str:
        return self.text


def _clean(raw: object) -> str:
    """Upper case, ordinary characters (NFKC), single spaces, no stray quotes or full stops."""
    if raw is None:
        return ""
    try:
        text = raw if isinstance(raw, str) else str(raw)
    except Exception:  # an object that cannot even say what it is: nothing to read
        return ""
    if len(text) > 4 * MAX_INPUT:
        return text[: 4 * MAX_INPUT]  # long enough to be refused as too long; no need to read on
    text = unicodedata.normalize("NFKC", text)
    # Invisible characters that copy and paste brings along (zero-width spaces, BOMs, soft hyphens).
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc") or ch.isspace())
    text = " ".join(text.upper().split())
    return text.strip(_STRIP)


def _quoted(text: str) -> str:
    return f"“{text}”"


def _check_outward(outward: str) -> str | None:
    """The reason `outward` cannot be the first half of a postcode, or None if it can."""
    shape = "".join("9" if ch.isdigit() else "A" for ch in outward)
    if shape.startswith("9"):
        return f"A UK postcode starts with one or two letters, like the W in {EXAMPLE}."
    if shape.startswith("AAA"):
        return f"A UK postcode starts with one or two letters, not three, like the W in {EXAMPLE}."
    if shape not in ("A9", "A99", "AA9", "AA99", "A9A", "AA9A"):
        if shape in ("A", "AA"):
            return (
                f"{_quoted(outward)} is only the letters at the start of a postcode. "
                f"Enter the whole postcode, like {EXAMPLE}."
            )
        if "999" in shape:
            return (
                f"{_quoted(outward)} has too many numbers. The first half of a postcode has one or "
                f"two letters, then one or two numbers, like W10 or SW3."
            )
        return (
            f"{_quoted(outward)} is not the first half of a UK postcode. That is one or two "
            f"letters, then a number, and sometimes one more number or letter, like W10 or SW1A."
        )
    if outward[0] not in FIRST_LETTERS:
        return "A UK postcode never starts with Q, V or X."
    if shape.startswith("AA") and outward[1] not in SECOND_LETTERS:
        return "The second letter of a UK postcode is never I, J or Z."
    if shape == "A9A" and outward[2] not in THIRD_LETTERS_A9A:
        return (
            f"{_quoted(outward)} is not a postcode district: after {outward[:2]} the letter is "
            f"always one of {' '.join(THIRD_LETTERS_A9A)}."
        )
    if shape == "AA9A" and outward[3] not in FOURTH_LETTERS_AA9A:
        return (
            f"{_quoted(outward)} is not a postcode district: after {outward[:3]} the letter is "
            f"always one of {' '.join(FOURTH_LETTERS_AA9A)}."
        )
    return None


def _check_inward(outward: str, inward: str) -> str:
    """The reason a (valid) first half and this second half do not make a postcode."""
    whole = f"{outward} {inward}".strip()
    if not inward:
        return (
            f"{outward} is only the first half of a postcode. "
            f"Add the rest, like {outward} 5NW."
        )
    if not inward[0].isdigit():
        if inward[0] == "O":
            return (
                "The second half of a postcode starts with a number. "
                "Did you type the letter O instead of a zero?"
            )
        return f"The second half of a postcode starts with a number, like the 5 in {EXAMPLE}."
    rest = inward[1:]
    if any(ch.isdigit() for ch in rest):
        return f"The second half of a postcode is a number and then two letters, like 5NW in {EXAMPLE}."
    if len(rest) == 0:
        return f"{whole} is missing its last two letters."
    if len(rest) == 1:
        return f"{whole} is missing its last letter."
    if len(rest) > 2:
        return (
            f"{_quoted(whole)} has too many letters at the end. The second half of a postcode "
            f"is a number and then two letters, like 5NW."
        )
    bad = sorted({ch for ch in rest if ch not in INWARD_LETTERS})
    if bad:
        which = " or ".join(bad)
        return (
            f"{_quoted(whole)} is not a postcode: the last two letters are never C, I, K, M, O or V "
            f"(this one has {which})."
        )
    return f"{_quoted(whole)} is not a valid UK postcode. Check it and try again."


def _split_unspaced(compact: str) -> tuple[str, str]:
    """Guess the two halves of something typed without a space, for explaining what is wrong."""
    match = re.match(r"^([A-Z]*)([0-9]*)(.*)$", compact)
    assert match is not None  # the pattern matches any string
    letters, digits, tail = match.groups()
    if tail[:1].isalpha() and tail[1:2].isdigit():
        # A9A or AA9A: the letter after the number belongs to the first half.
        return letters + digits + tail[0], tail[1:]
    if tail[:1].isalpha() and len(digits) == 1:
        return letters + digits + tail, ""
    if len(digits) >= 2:
        return letters + digits[:-1], digits[-1] + tail
    if len(compact) >= 5:
        return compact[:-3], compact[-3:]
    return compact, ""


_SLIPS = {"O": "0", "I": "1", "L": "1", "0": "O"}
_NAMES = {"O": "the letter O", "I": "the letter I", "L": "the letter L", "0": "a zero", "1": "the number 1"}


def _suggestion(compact: str) -> tuple[Postcode, str, str] | None:
    """A valid postcode one slip away (O typed for 0, I or L for 1, 0 for O), if exactly one.

    Gives the postcode, what was typed and what was meant.
    """
    found = {}
    for i, ch in enumerate(compact):
        if ch in _SLIPS:
            candidate = compact[:i] + _SLIPS[ch] + compact[i + 1 :]
            match = POSTCODE_RE.match(candidate)
            if match:
                found[Postcode(match.group(1), match.group(2))] = (ch, _SLIPS[ch])
    if len(found) != 1:
        return None
    ((postcode, (typed, meant)),) = found.items()
    return postcode, typed, meant


def _foreign(text: str) -> str | None:
    """A message if `text` looks like something other than a UK postcode, else None."""
    compact = text.replace(" ", "")
    if compact in OVERSEAS:
        shown = f"{compact[:-3]} {compact[-3:]}"
        return f"{_quoted(shown)} is a postcode for {OVERSEAS[compact]}, not for the UK."
    if _BFPO.match(text):
        return (
            "BFPO numbers are for British Forces mail and have no place on a map. "
            f"Enter a UK postcode, like {EXAMPLE}."
        )
    if _US_ZIP4.match(text):
        return f"{_quoted(text)} looks like a US ZIP code, not a UK postcode."
    if _FIVE_DIGITS.match(compact):
        return (
            f"{_quoted(compact)} looks like a US ZIP code or a German or French postcode, not a UK "
            f"one. UK postcodes start with letters, like {EXAMPLE}."
        )
    match = _DUTCH.match(text)
    if match:
        return f"{_quoted(match.group(1) + ' ' + match.group(2))} looks like a Dutch postcode, not a UK one."
    match = _CANADIAN.match(text)
    if match:
        return (
            f"{_quoted(match.group(1) + ' ' + match.group(2))} looks like a Canadian postal code, "
            "not a UK postcode."
        )
    match = _EIRCODE.match(text)
    if match:
        return (
            f"{_quoted(match.group(1) + ' ' + match.group(2))} looks like an Irish Eircode. "
            "Kith works with UK postcodes; in Northern Ireland they start with BT."
        )
    if _PHONEISH.match(text) and sum(ch.isdigit() for ch in text) >= 9:
        return f"That looks like a phone number, not a postcode. Enter a postcode, like {EXAMPLE}."
    if _OTHER_COUNTRY.match(text):
        return (
            f"{_quoted(text)} looks like a postcode from another country. UK postcodes start "
            f"with letters, like {EXAMPLE}."
        )
    return None


def _normalise_or_raise(raw: object, empty: str = f"Enter a postcode, like {EXAMPLE}.") -> str:
    text = _clean(raw)
    if not text:
        raise PostcodeError(empty)
    if len(text) > MAX_INPUT:
        raise PostcodeError(
            f"That is too long to be a postcode. A UK postcode has 5 to 7 letters and numbers, "
            f"like {EXAMPLE}."
        )
    if _EMAILISH.search(text):
        raise PostcodeError(f"That looks like an email address, not a postcode. Try one like {EXAMPLE}.")
    if _WEBISH.match(text):
        raise PostcodeError(f"That looks like a web address, not a postcode. Try one like {EXAMPLE}.")
    return text


def parse(raw: str) -> Postcode:
    """The postcode in `raw`, in any case and with any spacing; else PostcodeError saying why not."""
    text = _normalise_or_raise(raw)
    compact = text.replace(" ", "")
    if compact in OVERSEAS:  # before the UK rules: GX11 1AA has a UK shape
        raise PostcodeError(_foreign(text) or "")
    if compact == "GIR0AA":
        return Postcode("GIR", "0AA")
    match = POSTCODE_RE.match(compact)
    if match:
        return Postcode(match.group(1), match.group(2))
    if "-" in text and text.count("-") == 1:
        unhyphened = text.replace("-", "")
        match = POSTCODE_RE.match(unhyphened.replace(" ", ""))
        if match and not _foreign(text):
            return Postcode(match.group(1), match.group(2))
    reason = _foreign(text)
    if reason:
        raise PostcodeError(reason)
    if not (compact.isascii() and compact.isalnum()):
        raise PostcodeError(f"A postcode has only letters and numbers, like {EXAMPLE}.")
    suggestion = _suggestion(compact)
    if suggestion is not None:
        postcode, typed, meant = suggestion
        raise PostcodeError(
            f"{_quoted(text)} is not a valid postcode. Did you mean {postcode.text}? "
            f"It has {_NAMES[meant]} where you typed {_NAMES[typed]}."
        )
    if compact.isalpha():
        if len(compact) <= 2:
            raise PostcodeError(_check_outward(compact) or "")
        raise PostcodeError(
            f"{_quoted(text[:20])} has no numbers in it. A UK postcode has letters and numbers, "
            f"like {EXAMPLE}."
        )
    if compact[0].isdigit():
        raise PostcodeError(f"A UK postcode starts with one or two letters, like the W in {EXAMPLE}.")
    if len(compact) > 7:
        raise PostcodeError(
            f"{_quoted(text)} has too many letters and numbers for a UK postcode, which has 5 to 7, "
            f"like {EXAMPLE}."
        )
    if OUTWARD_RE.match(compact):
        raise PostcodeError(_check_inward(compact, ""))
    parts = text.split(" ")
    if len(parts) == 2 and _check_outward(parts[0]) is None:
        outward, inward = parts  # trust where they put the space, if the first half is good
    else:
        outward, inward = _split_unspaced(compact)
    reason = _check_outward(outward)
    if reason:
        raise PostcodeError(reason)
    raise PostcodeError(_check_inward(outward, inward))


def looks_like_postcode(raw: str) -> bool:
    """Cheap: is this text shaped like a postcode (or part of one) rather than a place name?

    True for full postcodes, valid or not ("SW1A 1AA", "SW1A 1A"), for districts ("W10") and
    sectors ("W10 5"), and for things `parse` has a specific message about (BFPO numbers, other
    countries' postcodes), so the caller shows that message instead of searching place names.
    False for words such as "Notting Hill". Never raises.
    """
    try:
        text = _clean(raw)
    except Exception:  # noqa: BLE001 - a yes/no check must not fail
        return False
    if not text or len(text) > 12 or text.count(" ") > 1:
        return False
    compact = text.replace(" ", "")
    if _UK_SHAPE.match(compact) or compact == "GIR0AA":
        return True
    return bool(compact in OVERSEAS or _BFPO.match(text) or _foreign(text))


_ANY_LETTERS_SHAPE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


def shaped_like_postcode(raw: object) -> str | None:
    """The written form ("ZZ99 9ZZ") of text laid out like a full postcode, whatever its letters:
    one or two letters, a number, perhaps a number or letter, then a number and two letters.

    None for anything else, for overseas territories' codes, and for a slip with one valid
    reading (an O typed for a zero), where `parse`'s own words help more. Lets a caller say
    "we couldn't find that postcode" instead of teaching which letters Royal Mail uses.
    """
    try:
        text = _normalise_or_raise(raw)
    except PostcodeError:
        return None
    compact = text.replace(" ", "")
    match = _ANY_LETTERS_SHAPE.match(compact)
    if match is None or compact in OVERSEAS or _suggestion(compact) is not None:
        return None
    return f"{match.group(1)} {match.group(2)}"


def parse_area(raw: str) -> str:
    """A postcode district ("W10") or sector ("W10 5") in its usual form; else PostcodeError.

    Written without a space, a valid district wins: "W15" is the district W15, not the sector
    "W1 5" (write that with its space). Full postcodes are refused with their sector and district
    offered instead.
    """
    text = _normalise_or_raise(raw, "Enter a postcode district or sector, like W10 or W10 5.")
    compact = text.replace(" ", "")
    try:
        full = parse(text)
    except PostcodeError:
        full = None
    if full is not None:
        raise PostcodeError(
            f"{_quoted(full.text)} is a full postcode. Use its sector, {full.sector}, "
            f"or its district, {full.district}."
        )
    if not (compact.isascii() and compact.isalnum()):
        reason = _foreign(text)
        raise PostcodeError(reason or "A postcode district has only letters and numbers, like W10 or SW3.")
    parts = text.split(" ")
    if len(parts) == 2:
        outward, rest = parts
        if OUTWARD_RE.match(outward) and len(rest) == 1 and rest.isdigit():
            return f"{outward} {rest}"
        reason = _check_outward(outward)
        if reason:
            raise PostcodeError(reason)
        raise PostcodeError(
            f"{_quoted(text)} is not a postcode district (like SW3) or sector (like SW3 5)."
        )
    if len(parts) > 2:
        raise PostcodeError(f"{_quoted(text)} is not a postcode district (like SW3) or sector (like SW3 5).")
    if OUTWARD_RE.match(compact):
        return compact
    if len(compact) >= 3 and compact[-1].isdigit() and OUTWARD_RE.match(compact[:-1]):
        return f"{compact[:-1]} {compact[-1]}"
    reason = _foreign(text)
    if reason:
        raise PostcodeError(reason)
    reason = None if compact.isalpha() and len(compact) > 2 else _check_outward(compact)
    if reason:
        raise PostcodeError(reason)
    raise PostcodeError(f"{_quoted(text)} is not a postcode district (like SW3) or sector (like SW3 5).")
