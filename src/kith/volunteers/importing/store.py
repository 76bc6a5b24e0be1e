"""The uploaded file, kept between the web import's pages: encrypted, under VAR_DIR/imports.

Why a file and not the session: an export can be 5 MB, sessions live in the database and are
read on every request, and the file holds everyone's personal details. So the upload is written
once, encrypted with the field keys (the same MultiFernet that seals personal data at rest),
readable only by Kith's user (mode 600), under a random name that only the uploader's session
knows. It is deleted when the import is committed or cancelled; anything older than a day is
deleted the next time anyone uploads, and refused if asked for.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from cryptography.fernet import InvalidToken
from django.conf import settings

from kith.core import crypto

MAX_AGE_SECONDS = 24 * 60 * 60
SUFFIX = ".csv.enc"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def folder() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _path(token: str) -> Path | None:
    if not isinstance(token, str) or not _TOKEN.match(token):
        return None
    return folder() / f"{token}{SUFFIX}"


def save(data: bytes) -> str:
    """Keep `data` encrypted; return the random name to find it by."""
    sweep()
    token = secrets.token_urlsafe(24)  # 32 characters
    path = folder() / f"{token}{SUFFIX}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(crypto.fernet().encrypt(data))
    return token


def load(token: str) -> bytes | None:
    """The file's bytes, or None if it is gone, too old or not ours."""
    path = _path(token)
    if path is None or not path.exists():
        return None
    if time.time() - path.stat().st_mtime > MAX_AGE_SECONDS:
        path.unlink(missing_ok=True)
        return None
    try:
        return crypto.fernet().decrypt(path.read_bytes())
    except InvalidToken:
        return None


def delete(token: str) -> None:
    path = _path(token)
    if path is not None:
        path.unlink(missing_ok=True)


def sweep(now: float | None = None) -> int:
    """Delete uploads older than a day; return how many."""
    now = time.time() if now is None else now
    removed = 0
    for path in folder().glob(f"*{SUFFIX}"):
        try:
            if now - path.stat().st_mtime > MAX_AGE_SECONDS:
                path.unlink(missing_ok=True)
                removed += 1
        except FileNotFoundError:
            continue
    return removed
