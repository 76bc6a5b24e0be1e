"""Per-address limits for the public forms, counted in Django's cache.

The address is found the way allauth finds it for sign-in limits, so TRUSTED_PROXY_COUNT
applies here too. The window is fixed: it starts at the first counted submission and lasts
an hour.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.core.cache import cache

LIMIT = 5
WINDOW_SECONDS = 60 * 60


def _key(request, scope: str) -> str:
    return f"kith:listings:{scope}:{get_adapter(request).get_client_ip(request)}"


def is_limited(request, scope: str) -> bool:
    """True when this address has already made LIMIT submissions in the current hour."""
    return cache.get(_key(request, scope), 0) >= LIMIT


def count(request, scope: str) -> None:
    """Count one accepted submission from this address."""
    key = _key(request, scope)
    if cache.add(key, 1, WINDOW_SECONDS):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, WINDOW_SECONDS)
