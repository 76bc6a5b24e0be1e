"""Making a backup and restoring one (`kith backup`, `kith restore`); the file format and the
encryption are in `backup_format.py`.

A restore is meant for a fresh install (after `make install`, with or without `kith migrate`):
it refuses a database that already holds people unless told to replace it. It puts back the
database, the keys and var/'s files, then counts every table against the counts the backup
recorded, so an operator knows the restore is whole before opening the site.
"""

from __future__ import annotations

import json
import os
import tarfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from django.conf import settings
from django.db import connection, connections, transaction

from kith.core import backup_format as fmt
from kith.core.backup_format import BackupError, Database


@dataclass
class Restored:
    tables: int
    rows: int
    files: int
    created: str
    migrated: list[str] = field(default_factory=list)  # run after the restore: an older backup
    # Erasures made after the backup, erased again once it is back (kith.erasure.restores).
    erasures_reapplied: int = 0


def _kith_version() -> str:
    try:
        return version("kith")
    except PackageNotFoundError:
        return "unknown"


def _row_counts() -> dict[str, int]:
    """Rows per table, every table Django knows (Kith's, allauth's, the task queue's)."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def _keys() -> dict[str, str]:
    """The keys in use, wherever they came from (the environment or var/)."""
    from kith.core import crypto, digest

    return {"field_keys": "\n".join(crypto._load_keys()),
            "digest_key": digest._key().decode(),
            "secret_key": settings.SECRET_KEY}


@contextmanager
def _one_view_of_the_database(database: Database):
    """The counts and the copy see the same rows. SQLite: the transaction takes the write lock
    at BEGIN (settings: IMMEDIATE), so nothing changes until the copy is made. PostgreSQL: a
    repeatable-read transaction exports its snapshot, and pg_dump reads through it."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if database.engine == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SELECT pg_export_snapshot()")
                yield cursor.fetchone()[0]
        else:
            yield ""


def make_backup(target: Path, passphrase: str) -> dict:
    """Write the encrypted backup to `target` (which must not exist); return its manifest."""
    fmt.check_passphrase(passphrase)
    if target.exists():
        raise BackupError(f"{target} already exists: name a new file.")
    if not target.parent.is_dir() or not os.access(target.parent, os.W_OK):
        raise BackupError(f"Cannot write into {target.parent}: name a folder that exists and "
                          f"that this user may write to.")
    database = Database.of(connection.settings_dict)
    var_dir = Path(settings.VAR_DIR)
    with fmt.workspace(var_dir, ".backup-") as work, fmt.room_checked(var_dir):
        archive_path = work / "backup.tar"
        with tarfile.open(archive_path, "w") as archive:
            dump = work / database.archive_name
            with _one_view_of_the_database(database) as snapshot:
                counts = _row_counts()
                database.dump(dump, snapshot)
            archive.add(dump, database.archive_name)
            for name, value in _keys().items():
                fmt.add_bytes(archive, f"keys/{name}", value.encode())
            files = list(fmt.var_files(var_dir))
            for path in files:
                archive.add(path, f"files/{path.relative_to(var_dir).as_posix()}", recursive=False)
            manifest = {"kith": _kith_version(), "engine": database.engine,
                        "migrations": _applied_migrations(),
                        "created": datetime.now(UTC).isoformat(timespec="seconds"),
                        "rows": counts, "files": len(files)}
            fmt.add_bytes(archive, "manifest.json", fmt.manifest_bytes(manifest))
        try:
            fmt.encrypt_file(archive_path, target, passphrase)
        except OSError as exc:
            raise BackupError(f"Cannot write {target}: {exc.strerror}.") from None
    _audit("kith.backup.made", {"tables": len(counts), "rows": sum(counts.values()),
                                "files": len(files)})
    return manifest


def restore_backup(source: Path, passphrase: str, *, replace: bool = False,
                   erasure_log: Path | None = None) -> Restored:
    """`erasure_log`: another install's erasure log (a fresh machine); this install's own log,
    file and table, is always read before anything is replaced."""
    from kith.erasure import restores

    database = Database.of(connection.settings_dict)
    var_dir = Path(settings.VAR_DIR)
    with fmt.workspace(var_dir, ".restore-") as work:
        archive_path = work / "backup.tar"
        fmt.decrypt_file(source, archive_path, passphrase)
        with tarfile.open(archive_path, "r") as archive:
            members = dict((path.as_posix(), member) for member, path in fmt.safe_members(archive))
            manifest = _manifest(archive, members, database)
            _check_fresh(replace)
            _check_not_newer(manifest)
            keys = {name: fmt.read_member(archive, members[f"keys/{name}"]).decode()
                    for name in ("field_keys", "digest_key", "secret_key")}
            _check_keys(keys)
            # People erased since the backup was made must not come back with it.
            erased_since = restores.before_restore(erasure_log)
            dump = work / database.archive_name
            fmt.write_private(dump, fmt.read_member(archive, members[database.archive_name]))
            connections.close_all()
            database.load(dump)
            if database.engine == "sqlite":
                os.chmod(database.settings["NAME"], 0o600)  # as private as the keys beside it
            _write_keys(keys, var_dir)
            files = _restore_files(archive, members, var_dir)
    restored = _verify(manifest, files)
    restored.migrated = _bring_up_to_date()
    restored.erasures_reapplied = restores.after_restore(erased_since)
    return restored


def _manifest(archive, members, database: Database) -> dict:
    if "manifest.json" not in members:
        raise BackupError("The backup has no manifest: it was not made by `kith backup`.")
    manifest = json.loads(fmt.read_member(archive, members["manifest.json"]))
    if manifest.get("engine") != database.engine or database.archive_name not in members:
        raise BackupError(f"This backup is of a {manifest.get('engine')} database; this install "
                          f"uses {database.engine}. Restore it onto an install of the same kind.")
    return manifest


def _check_fresh(replace: bool) -> None:
    """A restore replaces everything; on an install already in use that must be meant."""
    if replace:
        return
    from kith.accounts.models import Person

    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if Person._meta.db_table in tables and Person.objects.exists():
        raise BackupError("This install already has people in its database. A restore replaces "
                          "all of it: run again with --replace if that is what you mean.")


def _check_keys(keys: dict[str, str]) -> None:
    """Keys from the environment win over files in var/: they must then be the backup's own,
    or every sealed value (and every phone digest) would stop opening after the restore."""
    backup_field_keys = set(keys["field_keys"].split())
    if settings.KITH_FIELD_KEYS and not backup_field_keys <= set(settings.KITH_FIELD_KEYS):
        raise BackupError("KITH_FIELD_KEYS is set in the environment without the backup's keys. "
                          "Unset it (the restore puts the keys in var/) or add the backup's keys.")
    if settings.KITH_DIGEST_KEY and keys["digest_key"] != settings.KITH_DIGEST_KEY:
        raise BackupError("KITH_DIGEST_KEY is set in the environment to another key than the "
                          "backup's: unset it so the restore can put the backup's in var/.")


def _write_keys(keys: dict[str, str], var_dir: Path) -> None:
    from kith.core import crypto, digest

    if not settings.KITH_FIELD_KEYS:
        fmt.write_private(var_dir / "field_keys", (keys["field_keys"] + "\n").encode())
    if not settings.KITH_DIGEST_KEY:
        fmt.write_private(var_dir / "digest_key", (keys["digest_key"] + "\n").encode())
    if not os.environ.get("SECRET_KEY"):
        fmt.write_private(var_dir / "secret_key", (keys["secret_key"] + "\n").encode())
    crypto.reset_cache()
    digest._key.cache_clear()


def _restore_files(archive, members, var_dir: Path) -> int:
    count = 0
    for name, member in members.items():
        if name.startswith("files/"):
            fmt.write_private(var_dir.joinpath(*name.split("/")[1:]), fmt.read_member(archive, member))
            count += 1
    return count


def _applied_migrations() -> list[str]:
    from django.db.migrations.recorder import MigrationRecorder

    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def _known_migrations() -> set[str]:
    from django.db.migrations.loader import MigrationLoader

    return {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}


def _check_not_newer(manifest: dict) -> None:
    """A backup made by a newer Kith has tables this code does not know: refuse before touching
    anything. (One made by an older Kith is brought up to date after the restore.)"""
    unknown = sorted(set(manifest.get("migrations", [])) - _known_migrations())
    if unknown:
        raise BackupError(f"This backup was made by a newer Kith ({manifest.get('kith')}): this "
                          f"install does not know {', '.join(unknown[:5])}. Install that version "
                          f"(or newer) and restore again.")


def _bring_up_to_date() -> list[str]:
    """Migrations this code has that the backup's database had not run: run them now, so the
    site does not open onto missing tables."""
    from django.core.management import call_command

    missing = sorted(_known_migrations() - set(_applied_migrations()))
    if missing:
        call_command("migrate", interactive=False, verbosity=0)
    return missing


def _verify(manifest: dict, files: int) -> Restored:
    counts = _row_counts()
    expected = manifest["rows"]
    wrong = [f"{table}: {counts.get(table)} rows, the backup had {rows}"
             for table, rows in expected.items() if counts.get(table) != rows]
    if wrong:
        raise BackupError("The restored database does not match the backup:\n" + "\n".join(wrong))
    _audit("kith.backup.restored", {"tables": len(expected), "rows": sum(expected.values()),
                                    "files": files, "made": manifest["created"]})
    return Restored(tables=len(expected), rows=sum(expected.values()), files=files,
                    created=manifest["created"])


def _audit(action: str, new: dict) -> None:
    from kith.core.audit import log_action

    with transaction.atomic():
        log_action(action, actor=None, new=new)
