"""Restores honour erasures: what `kith restore` asks of the erasure app, before and after.

Before the database is replaced, the erasure log is read from everywhere it lives: this
install's file (var/erasure-log.jsonl), this install's `Erasure` table (in case the file was
lost), and a file given with `--erasure-log` (a new machine). After the restore, the file is
written back whole (the backup's own, older copy has just replaced it) and everyone in the log
that the restored database still holds is erased again (`services.reapply`).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.db import connection

from kith.erasure import log


def before_restore(extra: Path | None = None) -> list[log.Entry]:
    from kith.erasure.models import Erasure

    entries = log.read()
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if Erasure._meta.db_table in tables:  # a fresh install has none: nothing erased there
        entries += log.from_table()
    if extra is not None:
        entries += log.read(extra)
    seen, unique = set(), []
    for entry in sorted(entries, key=lambda e: e.erased_at):
        if (entry.kind, entry.subject_id) not in seen:
            seen.add((entry.kind, entry.subject_id))
            unique.append(entry)
    return unique


def after_restore(entries: list[log.Entry]) -> int:
    from kith.erasure import services

    if not entries:
        return 0
    _write_back(entries)
    return services.reapply(entries)


def _write_back(entries: list[log.Entry]) -> None:
    """The log as it was before the restore plus whatever the backup's copy had."""
    known = {(e.kind, e.subject_id) for e in entries}
    merged = list(entries) + [e for e in log.read() if (e.kind, e.subject_id) not in known]
    lines = "".join(log.line(e.kind, e.subject_id, e.erased_at) for e in merged)
    target = log.path()
    temporary = target.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(lines)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(target)
