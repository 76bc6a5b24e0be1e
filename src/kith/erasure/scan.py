"""Applying the registry: blanking a person's own rows, and their identifiers everywhere else.

Updates go through a plain QuerySet, not the model's manager: the audit trail, the timeline
and the books are append-only for everyone else, and erasure is the one writer allowed to
scrub their words (never an amount, a date or a link).
"""

from __future__ import annotations

from collections import Counter
from functools import partial
from typing import Any

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from kith.core import crypto
from kith.core.fields import EncryptedTextField, Sealed
from kith.erasure.registry import OWN, TEXT, rules_for
from kith.erasure.scrub import ERASED, Scrubber

CANCELLED = gettext_noop("Not sent: the person it was for was erased")


def opened(value: Any) -> str | None:
    """A sealed value's text, for erasure's own comparisons (never shown, never logged)."""
    if isinstance(value, Sealed):
        try:
            return crypto.decrypt(value.token)
        except (crypto.UnreadableSecret, UnicodeDecodeError):
            return None
    return value if isinstance(value, str) else None


def import_text(run) -> str:
    """An import run's spreadsheet as text (its bytes, whatever the export's encoding)."""
    if run.upload is None:
        return ""
    data = crypto.fernet().decrypt(run.upload.token.encode())
    return decode(data)


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _raw(model) -> models.QuerySet:
    return models.QuerySet(model=model)


def blank(field) -> Any:
    """The empty value a field can hold."""
    if isinstance(field, models.JSONField):
        default = field.get_default()
        return type(default)() if isinstance(default, dict | list) else None
    if field.null:
        return None
    if isinstance(field, EncryptedTextField) or not field.blank:
        return ERASED
    return ""


def erase_own(scopes) -> dict[str, int]:
    """Blank the OWN and TEXT fields of each scope's rows; returns rows touched per model."""
    counts: Counter = Counter()
    for scope in scopes:
        model = scope.rows.model
        pks = list(scope.rows.values_list("pk", flat=True))
        if not pks:
            continue
        if scope.delete:
            _raw(model).filter(pk__in=pks).delete()
            counts[scope.label] += len(pks)
            continue
        rules = rules_for(model)
        names = scope.fields or [n for n, r in rules.items() if r.action in (OWN, TEXT)]
        if scope.label == "messaging.Message":
            _cancel_messages(model, pks)
        if scope.label == "money.Receipt":
            _delete_receipts(model, pks)
            counts[scope.label] += len(pks)
            continue
        values = {n: blank(model._meta.get_field(n)) for n in names} | scope.named
        if values:
            _raw(model).filter(pk__in=pks).update(**values)
        counts[scope.label] += len(pks)
    return dict(counts)


def redact_about_them(scopes, scrubber: Scrubber) -> dict[str, int]:
    """Their own rows' free text that erase_own kept (a scope naming only some fields: who
    looked at their details stays, with its reason), with the scrubber for rows about them."""
    counts: Counter = Counter()
    for scope in scopes:
        if scope.delete or scope.fields is None:
            continue
        model = scope.rows.model
        kept = [n for n, r in rules_for(model).items()
                if r.action == TEXT and n not in scope.fields]
        fields = [model._meta.get_field(n) for n in kept]
        for row in scope.rows.values_list("pk", *kept).iterator(chunk_size=500) if kept else ():
            changes = _redacted(scrubber, fields, row[1:])
            if changes:
                _raw(model).filter(pk=row[0]).update(**changes)
                counts[f"{scope.label} (about them)"] += 1
    return dict(counts)


def _cancel_messages(model, pks) -> None:
    """Waiting ones are never sent; sent ones keep their state and lose address and words."""
    waiting = [model.State.QUEUED, model.State.SENDING]
    _raw(model).filter(pk__in=pks, state__in=waiting).update(
        state=model.State.FAILED, error=CANCELLED)


def _delete_receipts(model, pks) -> None:
    from kith.money import receipts

    names = list(_raw(model).filter(pk__in=pks, deleted_at__isnull=True)
                 .values_list("file_name", flat=True))
    _raw(model).filter(pk__in=pks, deleted_at__isnull=True).update(deleted_at=timezone.now())
    for name in names:
        transaction.on_commit(partial(receipts.remove, name))


def redact_everywhere(scrubber: Scrubber) -> dict[str, int]:
    """Every TEXT field of every registered model: their identifiers replaced where found.

    Reads everything (sealed fields opened here and nowhere shown); a few thousand rows per
    group take well under a second. Returns rows changed per model."""
    counts: Counter = Counter()
    if scrubber.regex is None:
        return {}
    for model in apps.get_models():
        names = [n for n, r in rules_for(model).items() if r.action == TEXT]
        if not names:
            continue
        fields = [model._meta.get_field(n) for n in names]
        for row in _raw(model).values_list("pk", *names).iterator(chunk_size=500):
            changes = _redacted(scrubber, fields, row[1:])
            if changes:
                _raw(model).filter(pk=row[0]).update(**changes)
                counts[f"{model._meta.label} (mentions)"] += 1
    counts.update(_redact_import_files(scrubber))
    return dict(counts)


def _redacted(scrubber: Scrubber, fields, values) -> dict[str, Any]:
    changes = {}
    for field, value in zip(fields, values, strict=True):
        if isinstance(field, models.JSONField):
            new = scrubber.redact_json(value)
            if new != value:
                changes[field.name] = new
            continue
        text = opened(value)
        if text and scrubber.found(text):
            # "[erased]" can be longer than the name it replaces: a full column must not
            # overflow (PostgreSQL refuses it, and the whole erasure with it).
            changes[field.name] = scrubber.redact(text)[:getattr(field, "max_length", None)]
    return changes


def _redact_import_files(scrubber: Scrubber) -> dict[str, int]:
    """Spreadsheets waiting between the import's pages (var/imports) that name them go: the
    coordinator uploads again. Their rows cannot be cut from a file Kith only half read."""
    from kith.volunteers.importing import store

    removed = 0
    for path in store.folder().glob(f"*{store.SUFFIX}"):
        try:
            text = decode(crypto.fernet().decrypt(path.read_bytes()))
        except (InvalidToken, OSError):
            continue  # a file no key opens, or gone since: it names nobody Kith can find
        if scrubber.found(text):
            transaction.on_commit(partial(path.unlink, missing_ok=True))
            removed += 1
    return {"var/imports (files)": removed} if removed else {}

