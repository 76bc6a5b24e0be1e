"""Fixed-window counters per visitor address, on the shared cache: the public forms and API.

The address is found the way allauth finds it for sign-in limits, so TRUSTED_PROXY_COUNT
applies here too.
"""

from __future__ import annotations

import time

from django.core.cache import cache


def client_ip(request) -> str:
    from allauth.account.adapter import get_adapter
    from django.core.exceptions import ImproperlyConfigured

    try:
        return get_adapter(request).get_client_ip(request) or "unknown"
    except ImproperlyConfigured:  # a forged or short X-Forwarded-For
        return request.META.get("REMOTE_ADDR", "unknown")


def _key(request, scope: str, seconds: int) -> str:
    return f"throttle:{scope}:{client_ip(request)}:{int(time.time() // seconds)}"


def peek(request, scope: str, *, seconds: int) -> int:
    """How many this address has counted in the current window."""
    return cache.get(_key(request, scope, seconds), 0)


def hit(request, scope: str, *, seconds: int) -> int:
    """Count one for this address; return the window's count so far."""
    key = _key(request, scope, seconds)
    if cache.add(key, 1, seconds + 5):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, seconds + 5)
        return 1


def over_limit(request, scope: str, *, limit: int, seconds: int) -> bool:
    """Count this request; True once the address has made more than `limit` in the window."""
    return hit(request, scope, seconds=seconds) > limit
