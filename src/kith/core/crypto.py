"""Encryption at rest for personal data: MultiFernet over keys from the environment or var/.

The first key encrypts; every key decrypts, so a new key can be put in front and the
old rows re-encrypted at leisure (`kith rotate-keys`).
"""

from __future__ import annotations

import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from kith.env import secret_file


class UnreadableSecret(Exception):
    """A stored value that none of the configured keys can decrypt."""


def _load_keys() -> list[str]:
    if settings.KITH_FIELD_KEYS:
        return list(settings.KITH_FIELD_KEYS)
    text = secret_file(settings.KITH_FIELD_KEYS_FILE, lambda: Fernet.generate_key().decode())
    return [line.strip() for line in text.splitlines() if line.strip()]


@lru_cache(maxsize=1)
def fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in _load_keys()])


def reset_cache() -> None:
    fernet.cache_clear()


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UnreadableSecret("no configured key decrypts this value") from None


def rotate_token(token: str) -> str:
    return fernet().rotate(token.encode()).decode()


def add_primary_key_to_file() -> str:
    """Put a fresh key in front of the keys kept in var/; return it. Env-held keys are the operator's job."""
    if settings.KITH_FIELD_KEYS:
        raise RuntimeError(
            "KITH_FIELD_KEYS is set in the environment: put a new key first in that list, "
            "restart, then run `kith rotate-keys --reencrypt-only`."
        )
    existing = _load_keys()
    new_key = Fernet.generate_key().decode()
    path = settings.KITH_FIELD_KEYS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join([new_key, *existing]) + "\n")
    tmp.replace(path)
    reset_cache()
    return new_key
