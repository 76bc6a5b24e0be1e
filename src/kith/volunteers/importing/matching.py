"""Finding the same person twice without a list of everyone's email and phone in the clear. No Django.

Each import makes a fresh random key and forgets it when it ends. Emails and phone numbers, from
the file and from the people already on Kith, are compared only as HMAC-SHA256 digests under that
key. So the lookup tables an import holds in memory (and that a traceback, a debug page or a
memory dump could show) hold no addresses or numbers, and the digests are worthless once the
import is over: with no key, a phone number's digest cannot be found again by trying all numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


class Matcher:
    __slots__ = ("_key",)

    def __init__(self, key: bytes | None = None):
        self._key = key or secrets.token_bytes(32)

    def __repr__(self) -> str:
        return "<Matcher>"

    def _digest(self, kind: bytes, value: str) -> bytes:
        return hmac.new(self._key, kind + value.encode(), hashlib.sha256).digest()

    def email(self, email: str) -> bytes:
        """Emails compare without regard to case (Kith keeps them lower case)."""
        return self._digest(b"e:", email.strip().lower())

    def phone(self, e164: str) -> bytes:
        """Phones compare in E.164 (+447911123456), as kith.core.phones writes them."""
        return self._digest(b"p:", e164.strip())
