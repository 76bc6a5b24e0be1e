"""Keyed digests: match a phone number or a name and postcode without keeping it twice.

An HMAC with a key of Kith's own (not SECRET_KEY, which operators rotate for other reasons)
turns a normalised value into a fixed string. Equal inputs give equal digests, so intake can
find a returning resident or an exclusion by digest, and a stolen database does not give the
numbers back (an unkeyed hash of a phone number is reversed by trying them all).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError

from kith.env import secret_file


@lru_cache(maxsize=1)
def _key() -> bytes:
    if settings.KITH_DIGEST_KEY:
        return settings.KITH_DIGEST_KEY.encode()
    return secret_file(settings.KITH_DIGEST_KEY_FILE, lambda: secrets.token_hex(32)).encode()


def keyed_digest(purpose: str, value: str) -> str:
    return hmac.new(_key(), f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()


def phone_digest(raw: str) -> str:
    """The digest of a UK phone number however it was typed; "" when it is not one."""
    from kith.core.phones import normalise_uk_phone

    if not raw or not raw.strip():
        return ""
    try:
        return keyed_digest("phone", normalise_uk_phone(raw))
    except ValidationError:
        return ""


def identity_digest(name: str, postcode: str) -> str:
    """Name plus full postcode, both folded ("Mrs  Ahmed", "w10 5nw" = "mrs ahmed", "W105NW")."""
    folded_name = " ".join("".join(ch for ch in name.lower() if ch.isalnum() or ch.isspace()).split())
    folded_postcode = "".join(postcode.upper().split())
    if not folded_name or not folded_postcode:
        return ""
    return keyed_digest("identity", f"{folded_name}|{folded_postcode}")
