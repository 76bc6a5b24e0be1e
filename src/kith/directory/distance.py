"""How far, in the one unit every person reads: miles, as people in the UK say it.

Kith stores and computes in metres and kilometres (matching, routes, a volunteer's radius);
every distance anyone reads, a resident on the directory, a volunteer in an offer's email or
on a route, a coordinator on a proposal, goes through `in_miles()`, `km_in_miles()` or the
`|miles` and `|km_miles` filters, so no page or message mixes "900 m", "1.2 km" and
"0.7 miles".
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


def km_in_miles(km: float | None) -> str:
    """A distance Kith keeps in kilometres, in the words `in_miles` uses."""
    return "" if km is None else in_miles(float(km) * 1000)
