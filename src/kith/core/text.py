"""Cleaning and checking free text: search boxes, and names people and groups are known by.

`hidden_characters()` is pure Python, so the spreadsheet importer's core can use it too.
"""

from __future__ import annotations

import re
import unicodedata

# Categories a name never needs: controls, format characters (zero-width spaces and joiners,
# direction marks, overrides and isolates, the byte-order mark, soft hyphens, tags), line and
# paragraph separators, private use and lone surrogates.
HIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs"}
# Letters and marks that draw nothing: fillers used to make a name look empty or like another.
FILLERS = {"\u034f", "\u115f", "\u1160", "\u17b4", "\u17b5", "\u2800", "\u3164", "\uffa0"}
ZWNJ, ZWJ = "\u200c", "\u200d"
# Scripts whose spelling needs a zero-width (non-)joiner between two letters: Persian and Urdu
# words in Arabic script, and the Indic scripts. Named as unicodedata names their letters.
JOINING_SCRIPTS = ("ARABIC", "SYRIAC", "DEVANAGARI", "BENGALI", "GURMUKHI", "GUJARATI", "ORIYA",
                   "TAMIL", "TELUGU", "KANNADA", "MALAYALAM", "SINHALA")
BLACK_FLAG = "\U0001f3f4"  # subdivision flags (England, Scotland, Wales) are it plus tags


def search_term(request, name: str = "q", limit: int = 100) -> str:
    """The search box's text, trimmed, without control characters (PostgreSQL refuses NUL)."""
    raw = request.GET.get(name, "")[: limit * 2]
    kept = "".join(ch for ch in raw if unicodedata.category(ch) != "Cc")
    return " ".join(kept.split())[:limit]


def _joining_letter(ch: str) -> bool:
    return (unicodedata.category(ch)[0] in "LM"
            and unicodedata.name(ch, "").startswith(JOINING_SCRIPTS))


def _emoji(ch: str) -> bool:
    return unicodedata.category(ch) == "So" or ch == "\ufe0f"


def _needed(text: str, i: int) -> bool:
    """Is the format character at `i` part of how something is spelt or drawn?"""
    ch = text[i]
    before = text[i - 1] if i > 0 else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    if ch in (ZWNJ, ZWJ) and before and after:
        if _joining_letter(before) and _joining_letter(after):
            return True
        return ch == ZWJ and _emoji(before) and _emoji(after)  # 👩‍👧: one picture
    if "\U000e0020" <= ch <= "\U000e007f":  # a tag, spelling out a subdivision flag
        return before == BLACK_FLAG or "\U000e0020" <= before <= "\U000e007e"
    return False


def hidden_characters(text: str) -> list[str]:
    """The characters in `text` a reader cannot see, or that change how the text around them
    reads (a right-to-left override shows "Priya" for "ayirP"), each once, in order."""
    found: list[str] = []
    for i, ch in enumerate(text):
        hidden = ch in FILLERS or unicodedata.category(ch) in HIDDEN_CATEGORIES
        if hidden and not _needed(text, i) and ch not in found:
            found.append(ch)
    return found


def describe(ch: str) -> str:
    """"U+202E, right-to-left override": enough to find it, in words a coordinator can read."""
    name = unicodedata.name(ch, "")
    what = name.lower() if name else "a control character"
    return f"U+{ord(ch):04X}, {what}"


# Characters that draw nothing and change nothing about direction: safe to drop from free text
# (a zero-width space pasted from a web page, a word joiner, a byte-order mark, a soft hyphen).
ZERO_WIDTH = {"\u200b", ZWNJ, ZWJ, "\u2060", "\ufeff", "\u00ad", "\u180e"}
# Line breaks and tabs belong in free text over several lines.
LAYOUT = {"\n", "\r", "\t"}


def without_zero_width(text: str) -> str:
    """`text` without the zero-width characters nobody needs (a joiner that spells a Persian
    word or an emoji stays)."""
    return "".join(ch for i, ch in enumerate(text)
                   if ch not in ZERO_WIDTH or _needed(text, i))


def hidden_in_free_text(text: str) -> list[str]:
    """What free text may not hold once zero-width characters are dropped: direction overrides
    and isolates (which turn the words after them around), controls and other format
    characters nobody can see."""
    return [ch for ch in hidden_characters(without_zero_width(text)) if ch not in LAYOUT]


def readable(text: str) -> str:
    """Free text Kith cannot refuse (a text message someone sent), made safe to show: the
    zero-width characters dropped as above, and the direction overrides and isolates, controls
    and other invisible characters that `hidden_in_free_text` would refuse taken out, so
    "Thanks <U+202E>evil<U+202C> see you" reads as typed, not as "Thanks live see you". Line
    breaks stay."""
    kept = without_zero_width(text)
    hidden = set(hidden_in_free_text(kept))
    return "".join(ch for ch in kept if ch not in hidden) if hidden else kept


# A UK number as people write it: 0 or +44 (the 0 sometimes kept in brackets), then digits with
# spaces, dashes, dots or brackets between them. Counted by its digits, not its shape.
_PHONE_LIKE = re.compile(r"(?:\+\s?44|\(?\b0)[\d\s\-.()]{8,20}\d")
# A full postcode, outward and inward (W10 5NW, w105nw): an area ("W10") alone is fine.
_POSTCODE_LIKE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s?[0-9][A-Z]{2}\b", re.IGNORECASE)


def contact_detail_in(text: str) -> str:
    """The first thing in `text` that looks like a UK phone number or a full postcode, as it
    was typed; "" if none. For notes many people read, where contact details do not belong."""
    for match in _PHONE_LIKE.finditer(text or ""):
        found = match.group()
        digits = sum(ch.isdigit() for ch in found)
        national = found.lstrip("(").startswith("0")
        if national and 10 <= digits <= 12 or not national and 11 <= digits <= 13:
            return found
    postcode = _POSTCODE_LIKE.search(text or "")
    return postcode.group() if postcode else ""
