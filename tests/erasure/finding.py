"""Looking for someone everywhere Kith keeps anything: every text column of every table (sealed
ones opened), and every file under var/ (encrypted ones decrypted). Used by the "done when"
tests and the restore test."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import models

from kith.core import crypto
from kith.core.fields import Sealed
from kith.erasure.scan import decode


def needles(*, name: str, phone: str | None = None, email: str | None = None,
            address: str | None = None, postcode: str | None = None) -> dict[str, re.Pattern]:
    """Each identifier as a pattern that also finds it typed differently."""
    out = {"name": re.compile(re.escape(name), re.I)}
    if phone:
        national = re.sub(r"\D", "", phone)[2:] if phone.startswith("+44") else phone[1:]
        out["phone"] = re.compile(r"(?:\+44|0)[\s-]*" + r"[\s-]*".join(national))
    if email:
        out["email"] = re.compile(re.escape(email), re.I)
    if address:
        out["address"] = re.compile(re.escape(address.splitlines()[0].split(",")[0].strip()), re.I)
    if postcode:
        squashed = postcode.replace(" ", "")
        out["postcode"] = re.compile(re.escape(squashed[:-3]) + r"\s*" + re.escape(squashed[-3:]),
                                     re.I)
    return out


def _text(value) -> str:
    if isinstance(value, Sealed):
        try:
            return crypto.decrypt(value.token)
        except (crypto.UnreadableSecret, UnicodeDecodeError):
            # An import's upload: bytes in the export's own encoding.
            return decode(crypto.fernet().decrypt(value.token.encode()))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def in_tables(patterns: dict[str, re.Pattern]) -> list[str]:
    found = []
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields
                  if isinstance(f, models.CharField | models.TextField | models.JSONField)]
        if not fields:
            continue
        for row in models.QuerySet(model=model).values_list("pk", *fields).iterator():
            for name, value in zip(fields, row[1:], strict=True):
                text = _text(value)
                if model._meta.label == "sessions.Session" and text:
                    text = json.dumps(models.QuerySet(model=model).get(pk=row[0]).get_decoded())
                for what, pattern in patterns.items():
                    if pattern.search(text):
                        found.append(f"{model._meta.label}#{row[0]}.{name}: {what}")
    return found


def in_files(patterns: dict[str, re.Pattern], root: Path | None = None) -> list[str]:
    found = []
    root = root or Path(settings.VAR_DIR)
    for path in root.rglob("*"):
        if not path.is_file() or path.suffix in {".sqlite3", ".sqlite3-wal", ".sqlite3-shm"}:
            continue
        if "places" in path.parts or "static" in path.parts or "cache" in path.parts:
            continue
        data = path.read_bytes()
        with contextlib.suppress(InvalidToken):  # not encrypted: read it as it is
            data = crypto.fernet().decrypt(data)
        text = decode(data)
        for what, pattern in patterns.items():
            if pattern.search(text):
                found.append(f"{path}: {what}")
    return found
