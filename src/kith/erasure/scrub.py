"""Finding a person's identifiers in text and replacing them, without Django models.

`Identifiers` holds what names someone (their name, phone, email, address, postcode) as typed
in many ways; `Scrubber.redact()` replaces each with "[erased]". Used on free text written
about several people, where only the erased person's part may go: so a bare surname, a first
name alone, a town or a postcode alone (shared by a street) are never patterns of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

ERASED = "[erased]"
# A name shorter than this is too likely to be part of other words or other people's names
# to be replaced in someone else's text ("Al", "Jo"): their own rows are blanked instead.
MIN_NAME = 3
MIN_LINE = 6


def _phone_pattern(e164: str) -> str | None:
    """+447700900123 however typed: +44 7700 900123, 07700-900-123, 0044 7700..."""
    digits = re.sub(r"\D", "", e164)
    if e164.startswith("+44") and len(digits) > 4:
        national = digits[2:]
    elif digits.startswith("0") and len(digits) > 4:
        national = digits[1:]
    else:
        return None
    gap = r"[\s\-().]*"
    return r"(?:\+44|0044|\b0)" + gap + r"(?:\(0\))?" + gap + gap.join(national) + r"(?!\d)"


# A UK postcode anywhere in a line ("London W10 5NW"), to tell it from the street.
_POSTCODE = re.compile(r"(?<!\w)[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}(?!\w)", re.IGNORECASE)


def _postcode_pattern(postcode: str) -> str | None:
    squashed = re.sub(r"\s", "", postcode)
    if len(squashed) < 5:
        return None
    return re.escape(squashed[:-3]) + r"\s*" + re.escape(squashed[-3:])


# Between the words of a name or an address: spaces, a line break, a comma, a full stop after
# an abbreviation ("St. Mark's Rd, London").
_SEP = r"\.?[\s,]+"


def _whole(pattern: str) -> str:
    """Not part of a longer word or number. Not \\b: after a name ending in ")" or "." there
    is no word boundary, so "Mr Xu (024)" never matched (review 16 #18)."""
    return r"(?<!\w)(?:" + pattern + r")(?!\w)"


def _word(word: str, *, street: bool = False) -> str:
    """One word, with either apostrophe (O'Brien, O’Brien); in an address, a street type in
    any of its spellings (Road, Rd)."""
    if street and word.lower().rstrip(".") in _STREET:
        return "(?:" + "|".join(_STREET[word.lower().rstrip(".")]) + ")"
    dot = r"\.?" if len(word) > 2 and word.endswith(".") else ""  # "Jr." or "Jr"
    return re.sub(r"\\?['’]", "['’]", re.escape(word.removesuffix(".") if dot else word)) + dot


def _seq(value: str, *, street: bool = False) -> str:
    """The words of a value, with any spacing, line break or comma between them."""
    return _SEP.join(_word(w, street=street) for w in value.split())


def _words(value: str) -> str:
    return _whole(_seq(value)) if value.split() else ""


# --- Names ----------------------------------------------------------------------------------

# A title is matched only as it is stored ("Mrs" or "Mrs."): "Ms Quinn" and "Miss Quinn" may
# be two residents of one street, and erasing one must not blank the other from a neighbour's
# notes (second review of 16, E). A name stored without a title gives no "title + surname"
# at all: "Mr Ahmed" may be her husband, "Dr Ahmed" her GP (B).
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "revd", "reverend", "sir",
           "dame", "lady", "lord"}
_SUFFIXES = {"jr", "jnr", "sr", "snr", "ii", "iii"}


def _name(pattern: str) -> str:
    """As _whole, and not part of a double-barrelled name: erasing Edith Clarke leaves her
    niece "Edith Clarke-Smith" whole."""
    return r"(?<![\w-])(?:" + pattern + r")(?![\w-])"


# On a row about them (a look at their details, with its reason), a title and surname can
# only be them, however it is written: "Ringing Mrs Pargeter" for Edna Pargeter.
_ANY_TITLE = ("mr", "mrs", "ms", "miss", "mx", "dr")


def _name_patterns(name: str, about_them: bool = False) -> list[str]:
    """Their name as stored, and as people write it: without a "(...)" tail ("Mr Carter
    (048)"), with its own title and the surname ("Mrs Ahmed", when stored so), "AHMED,
    Margaret", the first name or its initial and the surname ("Margaret Ahmed", "M. Ahmed",
    "Ahmed, M."). Never the surname alone (a bare surname may be someone else's, or a shop's)
    nor the first name alone."""
    out = [_name(_seq(name))] if len(name) >= MIN_NAME and name.split() else []
    bare = re.sub(r"\s*\([^()]*\)\s*$", "", name).strip()
    words = bare.split()
    title = words[0].lower().rstrip(".") if words and words[0].lower().rstrip(".") in _TITLES \
        else None
    rest = words[1:] if title else words
    while len(rest) > 1 and rest[-1].lower().rstrip(".") in _SUFFIXES:
        rest = rest[:-1]
    if bare != name and len(bare) >= MIN_NAME:
        out.append(_name(_seq(bare)))
    if not rest or (not title and len(rest) < 2):
        return out  # one word, no title: a first name, found only as stored
    first, surname = rest[0], rest[-1]
    if len(surname.rstrip(".")) < 2:
        return out  # an initial ("Margaret A."): "Mr A" would be anyone
    # Stored with a title: that title only, even about them ("Ms Quinn" is not "Miss Quinn",
    # who may live down the road). Without one: none, unless the text is about them.
    titles = [title] if title else (list(_ANY_TITLE) if about_them else [])
    titled = ("(?:" + "|".join(map(re.escape, titles)) + r")\.?\s+") if titles else ""
    if titles:
        out.append(_name(titled + _word(surname)))
    if len(rest) > 1:
        initial = re.escape(first[0]) + r"\.?"
        # "Mrs Margaret Ann Ahmed" as one, not "Mrs [erased]".
        out.append(_name(f"(?:{titled})?" + _seq(" ".join(rest))))
        out.append(_name(f"(?:{titled})?" + _seq(f"{first} {surname}")))
        out.append(_name(f"(?:{titled})?" + initial + r"\s*" + _word(surname)))
        out.append(_name(_word(surname) + r"\s*,\s*(?:" + _word(first) + "|" + initial + ")"))
    return out


# --- Addresses ------------------------------------------------------------------------------

# Street types and their common abbreviations: "77 Golborne Rd" is 77 Golborne Road.
STREET_TYPES = [("road", "rd"), ("street", "st"), ("avenue", "ave", "av"), ("lane", "ln"),
                ("close", "cl"), ("crescent", "cres", "cresc"), ("gardens", "gdns"),
                ("place", "pl"), ("drive", "dr"), ("court", "ct"), ("square", "sq"),
                ("terrace", "ter", "terr")]
_STREET = {w: group for group in STREET_TYPES for w in group}
# Other last words of a street's name, for an address with a house name and no number.
_OTHER_STREETS = {"way", "walk", "row", "mews", "grove", "hill", "park", "parade", "rise",
                  "green", "view", "yard", "wharf", "villas", "gate", "passage", "broadway"}
# A house number (14, 14a, 12-14, 3/14) and then a name: "14 Wornington Road", not "Flat 3".
_NUMBERED = re.compile(r"(?<!\w)\d+[a-z]?(?:[-/]\d+[a-z]?)?\s+\S*[^\W\d_]{2,}",
                       re.IGNORECASE)


def _is_street(line: str) -> bool:
    words = line.split()
    return bool(words) and words[-1].lower().rstrip(".") in (_STREET.keys() | _OTHER_STREETS)


def _address_patterns(address: str, postcodes: list[str]) -> list[str]:
    """Their address only where it is theirs: a line with a house number and a street ("77
    Golborne Rd"), or a house name and its street ("Rose Cottage, Mill Lane"), with the lines
    before and after it and the postcode when those are written too. Never a postcode, a town
    or "Flat 3" on its own: those are shared with neighbours (review 16 #20)."""
    codes = sorted({p for p in map(_postcode_pattern, [*postcodes, *_POSTCODE.findall(address)])
                    if p})
    postcode = f"(?:{_SEP}(?:{'|'.join(codes)}))?" if codes else ""
    lines = [_POSTCODE.sub("", line).strip(" .") for line in re.split(r"[\n,]", address)]
    lines = [line for line in lines if line]
    out = []
    for i, line in enumerate(lines):
        if _NUMBERED.search(line) and len(line) >= MIN_LINE:
            start = i
        elif i > 0 and _is_street(line):
            start = i - 1  # a house name or number on its own line, then its street
        else:
            continue
        before = "".join(f"(?:{_seq(prev, street=True)}{_SEP})?" for prev in lines[:start])
        core = _SEP.join(_seq(part, street=True) for part in lines[start:i + 1])
        after = "".join(f"(?:{_SEP}{_seq(rest, street=True)})?" for rest in lines[i + 1:])
        out.append(_whole(before + core + after + postcode))
    return out


@dataclass
class Identifiers:
    names: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    # Only as part of an address: a postcode alone is shared by a street.
    postcodes: list[str] = field(default_factory=list)

    def add(self, kind: str, value: Any) -> None:
        if isinstance(value, str) and value.strip():
            getattr(self, kind).append(value.strip())

    def patterns(self, about_them: bool = False) -> list[str]:
        out = []
        for name in self.names:
            out += _name_patterns(name, about_them)
        for email in self.emails:
            out.append(re.escape(email))
        for phone in self.phones:
            pattern = _phone_pattern(phone)
            if pattern:
                out.append(pattern)
        for address in self.addresses:
            out += _address_patterns(address, self.postcodes)
        # Longest first, so a full address goes before one of its lines.
        return sorted({p for p in out if p}, key=len, reverse=True)

    def plain_values(self) -> list[str]:
        """Every value as stored, for a quick database filter before the exact check."""
        return [v for v in [*self.names, *self.emails] if len(v) >= MIN_NAME]


def _compiled(patterns: list[str]):
    """The patterns as one regex, and each alone (for the longest match at a place)."""
    if not patterns:
        return None, []
    return (re.compile("|".join(patterns), re.IGNORECASE),
            [re.compile(p, re.IGNORECASE) for p in patterns])


def _longest_end(each, text: str, start: int) -> int:
    """Where the longest of their identifiers starting here ends: "Sammy Davis Jr." as one,
    not "[erased] Jr." (a regex alternation takes the first that matches)."""
    ends = (m.end() for p in each if (m := p.match(text, start)))
    return max(ends, default=start)


class Scrubber:
    def __init__(self, ids: Identifiers, neutral: dict[str, str] | None = None,
                 about_them: bool = False):
        """`neutral`: words that read wrong once redacted, and what they read instead
        ("[erased] stopped volunteering" -> "A volunteer stopped volunteering").
        `about_them`: for rows about the person alone, where any title with their surname
        is them (elsewhere it may be their husband, or a neighbour of the same name)."""
        self.neutral = neutral or {}
        self.regex, self.each = _compiled(ids.patterns(about_them))
        # A text that names them in full is about them: there "Mrs Pargeter" is Edna
        # Pargeter too, whatever the title (a neighbour's note: "Edna Pargeter has a key.
        # Mrs Pargeter's number is...").
        self.named, _ = _compiled([_name(_seq(n)) for n in ids.names
                                   if len(n) >= MIN_NAME and n.split()])
        self.about = (self.regex, self.each) if about_them else _compiled(ids.patterns(True))

    def found(self, text: str) -> bool:
        return bool(self.regex and isinstance(text, str) and self.regex.search(text))

    def redact(self, text: str) -> str:
        if not self.regex or not isinstance(text, str):
            return text
        regex, each = (self.about if self.named and self.named.search(text)
                       else (self.regex, self.each))
        out, pos = [], 0
        while match := regex.search(text, pos):
            out += [text[pos:match.start()], ERASED]
            pos = max(match.end(), _longest_end(each, text, match.start()))
        redacted = "".join([*out, text[pos:]])
        for words, instead in self.neutral.items():
            redacted = redacted.replace(words, instead)
        return redacted

    def redact_json(self, value: Any) -> Any:
        """Strings anywhere in a JSON value (keys kept: they are field names)."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, list):
            return [self.redact_json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.redact_json(v) for k, v in value.items()}
        return value

    def redact_lines(self, text: str, keep_first: bool = True) -> str:
        """A spreadsheet: the lines that name them are cut out (the header stays)."""
        lines = text.splitlines(keepends=True)
        head = lines[:1] if keep_first else []
        rest = lines[1:] if keep_first else lines
        return "".join(head + [line for line in rest if not self.found(line)])


def any_found(scrubber: Scrubber, values: Iterable[Any]) -> bool:
    return any(scrubber.found(v) for v in values if isinstance(v, str))
