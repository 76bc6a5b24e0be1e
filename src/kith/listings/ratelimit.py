"""The public forms' limit: LIMIT accepted submissions per address per hour.

Only accepted submissions count (a form with a typo does not use up a try). The try is counted
first, atomically, so submissions arriving together cannot all slip under the limit, and given
back if the form or the service refuses it.
"""

from __future__ import annotations

from kith.core import throttle

LIMIT = 5
WINDOW_SECONDS = 60 * 60


def take(request, scope: str) -> throttle.Counted | None:
    """Count this try; None (nothing counted) when the address has sent LIMIT this hour."""
    return throttle.take_for_address(request, f"listings:{scope}", limit=LIMIT,
                                     seconds=WINDOW_SECONDS)
