"""Parse a group's coverage: postcode districts ("SW3") and sectors ("SW3 5").

Pure functions; full geocoding lives in the places app.
"""

from __future__ import annotations

import re

from kith.places.postcodes import PostcodeError, parse_area

_DISTRICT = r"[A-Z]{1,2}[0-9][0-9A-Z]?"
DISTRICT_RE = re.compile(rf"^{_DISTRICT}$")
SECTOR_RE = re.compile(rf"^({_DISTRICT}) ([0-9])$")
FULL_POSTCODE_RE = re.compile(rf"^({_DISTRICT}) ?([0-9])[A-Z]{{2}}$")


class CoverageError(ValueError):
    pass


def normalise_area(raw: str) -> str:
    """One district or sector in canonical form, or CoverageError saying what is wrong."""
    text = " ".join(raw.upper().split())
    match = SECTOR_RE.match(text)
    if DISTRICT_RE.match(text) or match:
        try:  # the official format rules, so no group lists an area that search can't match
            return parse_area(text)
        except PostcodeError as exc:
            raise CoverageError(str(exc)) from None
    full = FULL_POSTCODE_RE.match(text.replace(" ", "")) or FULL_POSTCODE_RE.match(text)
    if full:
        raise CoverageError(
            f"“{raw.strip()}” is a full postcode; use its sector “{full.group(1)} {full.group(2)}” "
            f"or district “{full.group(1)}”."
        )
    raise CoverageError(
        f"“{raw.strip()[:20]}” is not a postcode district (like SW3) or sector (like SW3 5)."
    )


def parse_coverage(text: str) -> list[str]:
    """Split on commas, semicolons or new lines; normalise; drop duplicates; keep order."""
    areas: list[str] = []
    errors: list[str] = []
    for chunk in re.split(r"[,;\n]+", text or ""):
        if not chunk.strip():
            continue
        try:
            area = normalise_area(chunk)
        except CoverageError as exc:
            errors.append(str(exc))
            continue
        if area not in areas:
            areas.append(area)
    if errors:
        raise CoverageError(" ".join(errors))
    return areas
