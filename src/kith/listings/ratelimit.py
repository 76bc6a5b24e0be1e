"""The public forms' limit: LIMIT accepted submissions per address per hour.

Only accepted submissions count (a form with a typo does not use up a try), so the check
(is_limited) and the count (count) are separate calls around the save.
"""

from __future__ import annotations

from kith.core import throttle

LIMIT = 5
WINDOW_SECONDS = 60 * 60


def is_limited(request, scope: str) -> bool:
    return throttle.peek(request, f"listings:{scope}", seconds=WINDOW_SECONDS) >= LIMIT


def count(request, scope: str) -> None:
    throttle.hit(request, f"listings:{scope}", seconds=WINDOW_SECONDS)
