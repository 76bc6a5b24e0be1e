"""How far, in the one unit every public page uses: miles, as residents in the UK say it.

Volunteers' and coordinators' pages work in kilometres (radius, routes, offers); anything a
resident reads goes through `in_miles()` or the `|miles` filter, so no page mixes "900 m"
with "0.7 miles".
"""

from __future__ import annotations

from django.utils.translation import gettext, ngettext

METRES_PER_MILE = 1609.344


def in_miles(metres: float | None) -> str:
    """"under 0.1 miles", "0.4 miles", "1 mile", "3.7 miles", "12 miles"; "" if unknown."""
    if metres is None:
        return ""
    miles = metres / METRES_PER_MILE
    if miles < 0.05:
        return gettext("under 0.1 miles")
    # A tenth of a mile is a couple of minutes' walk; past ten miles the tenths are noise.
    shown = round(miles, 1) if miles < 9.95 else float(round(miles))
    number = f"{shown:g}"
    return ngettext("%(number)s mile", "%(number)s miles", 1 if shown == 1 else 2) % {
        "number": number}
