"""API tokens: made from 32 random bytes, shown once, kept only as a SHA-256 digest.

A plain digest (no salt, no slow hash) is enough here: the token is high-entropy, so there is
nothing to guess from a leaked digest, and it lets a request find its token in one indexed
lookup.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

TOKEN_START = "kith_"  # noqa: S105 (the start of every token, not a secret)
PREFIX_LENGTH = 12  # "kith_" and seven random characters: enough to tell tokens apart
MAX_TOKEN_LENGTH = 200  # anything longer is not one of ours


@dataclass(frozen=True)
class NewToken:
    secret: str  # shown to the coordinator once, never stored
    prefix: str
    digest: str


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token() -> NewToken:
    secret = TOKEN_START + secrets.token_urlsafe(32)
    return NewToken(secret=secret, prefix=secret[:PREFIX_LENGTH], digest=digest_of(secret))


def looks_like_token(text: str) -> bool:
    return text.startswith(TOKEN_START) and len(text) <= MAX_TOKEN_LENGTH and text.isascii()


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)
