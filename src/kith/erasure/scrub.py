"""Finding a person's identifiers in text and replacing them, without Django models.

`Identifiers` holds what names someone (their name, phone, email, address, postcode) as typed
in many ways; `Scrubber.redact()` replaces each with "[erased]". Used on free text written
about several people, where only the erased person's part may go.
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


def _postcode_pattern(postcode: str) -> str | None:
    squashed = re.sub(r"\s", "", postcode)
    if len(squashed) < 5:
        return None
    return r"\b" + re.escape(squashed[:-3]) + r"\s*" + re.escape(squashed[-3:]) + r"\b"


def _words(value: str) -> str:
    """The value as a pattern that allows any spacing or line break between its words."""
    parts = [re.escape(p) for p in value.split()]
    return r"\b" + r"[\s,]+".join(parts) + r"\b" if parts else ""


@dataclass
class Identifiers:
    names: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    postcodes: list[str] = field(default_factory=list)

    def add(self, kind: str, value: Any) -> None:
        if isinstance(value, str) and value.strip():
            getattr(self, kind).append(value.strip())

    def patterns(self) -> list[str]:
        out = []
        for name in self.names:
            if len(name) >= MIN_NAME:
                out.append(_words(name))
        for email in self.emails:
            out.append(re.escape(email))
        for phone in self.phones:
            pattern = _phone_pattern(phone)
            if pattern:
                out.append(pattern)
        for address in self.addresses:
            out.append(_words(address))
            # Each line of an address alone ("12 Golborne Road"), when it is long enough to
            # be that address and not a word.
            for line in re.split(r"[\n,]", address):
                if len(line.strip()) >= MIN_LINE and re.search(r"\d", line):
                    out.append(_words(line.strip()))
        for postcode in self.postcodes:
            pattern = _postcode_pattern(postcode)
            if pattern:
                out.append(pattern)
        # Longest first, so a full address goes before one of its lines.
        return sorted({p for p in out if p}, key=len, reverse=True)

    def plain_values(self) -> list[str]:
        """Every value as stored, for a quick database filter before the exact check."""
        return [v for v in [*self.names, *self.emails, *self.postcodes] if len(v) >= MIN_NAME]


class Scrubber:
    def __init__(self, ids: Identifiers):
        patterns = ids.patterns()
        self.regex = re.compile("|".join(patterns), re.IGNORECASE) if patterns else None

    def found(self, text: str) -> bool:
        return bool(self.regex and isinstance(text, str) and self.regex.search(text))

    def redact(self, text: str) -> str:
        if not self.regex or not isinstance(text, str):
            return text
        return self.regex.sub(ERASED, text)

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
