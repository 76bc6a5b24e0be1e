"""A small fixed-window rate limit on the shared cache, for public forms and the API."""

from __future__ import annotations

import time

from django.core.cache import cache


def client_ip(request) -> str:
    """The visitor's address, trusting X-Forwarded-For only as far as TRUSTED_PROXY_COUNT says."""
    from allauth.account.adapter import get_adapter
    from django.core.exceptions import ImproperlyConfigured

    try:
        return get_adapter(request).get_client_ip(request) or "unknown"
    except ImproperlyConfigured:  # a forged or short X-Forwarded-For
        return request.META.get("REMOTE_ADDR", "unknown")


def over_limit(request, scope: str, *, limit: int, seconds: int) -> bool:
    """Count this request; True once this address has made more than `limit` in the window."""
    window = int(time.time() // seconds)
    key = f"throttle:{scope}:{client_ip(request)}:{window}"
    cache.add(key, 0, seconds + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, seconds + 5)
        count = 1
    return count > limit
