"""Fixed-window counters on the shared cache: per visitor address for the public forms and
API, and per anything else a caller names (a request's reference, say).

Counting is atomic, so posts that arrive together cannot all slip under a limit. Django's file
cache, Kith's default because every gunicorn worker on the machine shares it, implements add()
and incr() as a read and then a write: posts arriving together all read the same count (the
ask form let 11 through against a limit of 10), and its incr() also resets the key's lifetime
to the cache's five-minute default, so an hour's count was forgotten after five quiet minutes.
Redis, Memcached and the local-memory cache count atomically themselves; for any other backend
the read and the write happen while holding an exclusive lock file (flock), which every
process and thread on the machine respects. `python -m bench.throttle` measures both.

The address is found the way allauth finds it for sign-in limits, so TRUSTED_PROXY_COUNT
applies here too. It is never part of a cache key: whoever counts (an address, a request's
reference) is keyed with Kith's digest key (core/digest.py), so a cache file's name, or a key
in Redis or Memcached, cannot be matched to a suspected visitor's address, nor tried against
every IPv4 address, by whoever runs the server. The count of a safeguarding report would
otherwise sit for an hour under the reporter's address.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

# Backends whose add() and incr() are atomic on their own (the local-memory one within its
# process, which is all it ever serves).
ATOMIC_BACKENDS = {
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
    "django.core.cache.backends.locmem.LocMemCache",
}
LOCK_FILES = 16  # keys share a few lock files, so unrelated counters rarely wait on each other
MARGIN = 5  # seconds a window's counter outlives the window


def client_ip(request) -> str:
    from allauth.account.adapter import get_adapter
    from django.core.exceptions import ImproperlyConfigured

    try:
        return get_adapter(request).get_client_ip(request) or "unknown"
    except ImproperlyConfigured:  # a forged or short X-Forwarded-For
        return request.META.get("REMOTE_ADDR", "unknown")


@dataclass(frozen=True)
class Counted:
    """One try counted in a window: `count` is the window's total including it."""

    key: str
    count: int
    seconds: int

    def give_back(self) -> None:
        """Uncount it: the try turned out not to count (a form with a typo, say)."""
        _add(self.key, -1, self.seconds)


def _key(scope: str, who: str, seconds: int) -> str:
    from kith.core.digest import keyed_digest

    # The scope is in the digest too: one address's counters do not share a digest across forms.
    who_digest = keyed_digest("throttle", f"{scope}\x00{who}")[:32]
    return f"throttle:{scope}:{who_digest}:{int(time.time() // seconds)}"


def _backend_path() -> str:
    return settings.CACHES["default"]["BACKEND"]


def _lock_dir() -> Path:
    config = settings.CACHES["default"]
    if config["BACKEND"].endswith("filebased.FileBasedCache"):
        return Path(config["LOCATION"])  # whoever shares the cache shares its folder
    return Path(settings.VAR_DIR) / "locks"


@contextlib.contextmanager
def _locked(key: str) -> Iterator[None]:
    folder = _lock_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"throttle-{zlib.crc32(key.encode()) % LOCK_FILES}.lock"
    # Each caller opens its own descriptor, so threads of one process exclude each other too.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _add(key: str, delta: int, seconds: int) -> int:
    """Add `delta` to the counter atomically and return its new value (a missing one is 0)."""
    timeout = seconds + MARGIN
    if _backend_path() in ATOMIC_BACKENDS:
        for _ in range(3):
            cache.add(key, 0, timeout)
            try:
                return cache.incr(key, delta)
            except ValueError:  # expired between add() and incr(): start it again
                continue
        raise RuntimeError(f"the cache would not keep the counter {key}")
    with _locked(key):
        value = max(0, cache.get(key, 0) + delta)
        cache.set(key, value, timeout)
        return value


def take(scope: str, who: str, *, limit: int, seconds: int) -> Counted | None:
    """Count one try for `who`, unless `who` has had `limit` in this window: then None, and
    nothing stays counted. Of any number of tries at once, exactly `limit` get through."""
    key = _key(scope, who, seconds)
    count = _add(key, 1, seconds)
    if count > limit:
        _add(key, -1, seconds)
        return None
    return Counted(key=key, count=count, seconds=seconds)


def take_for_address(request, scope: str, *, limit: int, seconds: int) -> Counted | None:
    """take() for the visitor's address."""
    return take(scope, client_ip(request), limit=limit, seconds=seconds)


def peek(request, scope: str, *, seconds: int) -> int:
    """How many this address has counted in the current window."""
    return cache.get(_key(scope, client_ip(request), seconds), 0)


def hit(request, scope: str, *, seconds: int) -> int:
    """Count one for this address; return the window's count so far."""
    return _add(_key(scope, client_ip(request), seconds), 1, seconds)


def over_limit(request, scope: str, *, limit: int, seconds: int) -> bool:
    """Count this request; True once the address has made more than `limit` in the window."""
    return hit(request, scope, seconds=seconds) > limit
