"""The erasure log as a file: one JSON line per erasure, ids only, appended and never rewritten.

Why a file as well as the `Erasure` table: restoring an older backup replaces the database,
table and all, with one from before the erasures made since. `kith restore` reads this file
before it replaces anything and erases those people again afterwards. The file lives in
var/ (KITH_VAR_DIR), which a restore does not rewrite it from the backup; on a new machine
copy it over and pass `--erasure-log FILE` (docs/DEPLOY.md, "Backups").
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

FILE_NAME = "erasure-log.jsonl"


@dataclass(frozen=True)
class Entry:
    kind: str
    subject_id: int
    erased_at: str


def path() -> Path:
    return Path(getattr(settings, "KITH_ERASURE_LOG", Path(settings.VAR_DIR) / FILE_NAME))


def append(erasure) -> None:
    """Called once the erasure commits. O_APPEND: two writers never interleave a line."""
    text = line(erasure.kind, erasure.subject_id, erasure.erased_at.isoformat())
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def line(kind: str, subject_id: int, erased_at: str) -> str:
    return json.dumps({"kind": kind, "subject_id": subject_id, "erased_at": erased_at},
                      sort_keys=True) + "\n"


def read(source: Path | None = None) -> list[Entry]:
    """Every entry, oldest first; a torn last line (a crash mid-write) is skipped."""
    source = source or path()
    if not source.exists():
        return []
    entries = []
    for raw in source.read_text().splitlines():
        try:
            row = json.loads(raw)
            entries.append(Entry(str(row["kind"]), int(row["subject_id"]), str(row["erased_at"])))
        except (ValueError, KeyError, TypeError):
            continue
    return entries


def from_table() -> list[Entry]:
    """The database's own log, for a restore whose file is missing."""
    from kith.erasure.models import Erasure

    return [Entry(e.kind, e.subject_id, e.erased_at.isoformat())
            for e in Erasure.objects.order_by("erased_at", "pk")]
