"""`kith backup` and `kith restore`: a round trip onto a fresh install gives back every row of
every table and every sealed value, opened with the keys the backup carried.

The restore runs as a real `kith` command in another process, with the production settings,
its own empty var/ and its own database (a new SQLite file, or a new PostgreSQL database): a
fresh install, knowing nothing but what the backup brings.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from kith.accounts.models import Person
from kith.core.backup_format import CHUNK, BackupError, decrypt_file, encrypt_file
from kith.residents.models import Resident
from tests.factories import ResidentFactory

ROOT = Path(__file__).resolve().parents[1]
PASSPHRASE = "correct horse battery staple"
POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def passphrase_file(tmp_path):
    path = tmp_path / "passphrase"
    path.write_text(PASSPHRASE + "\n")
    return path


@pytest.fixture
def fresh_install(tmp_path):
    """An empty var/ and an empty database, as `make install` leaves them."""
    var_dir = tmp_path / "fresh-var"
    var_dir.mkdir()
    if not POSTGRES:
        yield var_dir, f"sqlite:///{var_dir / 'kith.sqlite3'}"
        return
    s = connection.settings_dict
    name = f"{s['NAME']}_restored"
    admin = _pg_connect("postgres")
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        where = f"{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}"
        yield var_dir, f"postgres://{s.get('USER') or 'postgres'}@{where}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _pg_connect(name: str):
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(dbname=name, host=s.get("HOST") or "127.0.0.1", port=s.get("PORT") or 5432,
                           user=s.get("USER") or "postgres", password=s.get("PASSWORD") or None,
                           autocommit=True)


def _every_row(database: str) -> dict[str, list[str]]:
    """Every table's rows as sorted text, read with the engine's own driver."""
    if not POSTGRES:
        db = sqlite3.connect(database)
        try:
            tables = [r[0] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
            return {t: sorted(repr(row) for row in db.execute(f'SELECT * FROM "{t}"'))  # noqa: S608
                    for t in tables}
        finally:
            db.close()
    db = _pg_connect(database)
    try:
        tables = [r[0] for r in db.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {t: [r[0] for r in db.execute(
            f'SELECT row_to_json(t)::text AS r FROM "{t}" t ORDER BY r')]  # noqa: S608
            for t in tables}
    finally:
        db.close()


def _kith(var_dir: Path, database_url: str, *args: str) -> subprocess.CompletedProcess:
    """`kith …` as an operator runs it on the fresh install: production settings, no test keys."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"SECRET_KEY", "KITH_FIELD_KEYS", "KITH_DIGEST_KEY", "DJANGO_SETTINGS_MODULE"}}
    env.update({"KITH_VAR_DIR": str(var_dir), "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT / "src")})
    return subprocess.run([sys.executable, "-m", "kith.cli", *args], cwd=ROOT, env=env,  # noqa: S603
                          capture_output=True, text=True, timeout=300)


OPEN_SEALED = """
import json
from kith.accounts.models import Person
from kith.residents.models import Resident
from kith.core.crypto import decrypt
from kith.core.digest import phone_digest
print(json.dumps({r.name: [decrypt(r.phone.token), decrypt(r.address.token),
                           r.phone_digest == phone_digest(decrypt(r.phone.token))]
                  for r in Resident.objects.all()}))
"""


def _sealed_here() -> dict:
    from kith.core.crypto import decrypt
    from kith.core.digest import phone_digest

    return {r.name: [decrypt(r.phone.token), decrypt(r.address.token),
                     r.phone_digest == phone_digest(decrypt(r.phone.token))]
            for r in Resident.objects.all()}


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_onto_a_fresh_install_row_for_row(tmp_path, passphrase_file, fresh_install,
                                                           street, priya, tom):
    ResidentFactory(group=street, name="Mrs Ahmed", phone="+442079460101",
                    address="14 Golborne Road, London W10 5NW")
    ResidentFactory(group=street, name="Mr Okoro", phone="07700 900123", address="3 Elkstone Road")
    upload = Path(settings.VAR_DIR) / "receipts" / "2026" / "receipt.bin"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_bytes(os.urandom(3 * CHUNK // 2))  # larger than a chunk: several parts
    source = connection.settings_dict["NAME"]
    before = _every_row(source)
    sealed_before = _sealed_here()

    backup = tmp_path / "kith.backup"
    call_command("backup", str(backup), passphrase_file=str(passphrase_file))
    assert backup.stat().st_mode & 0o777 == 0o600
    raw = backup.read_bytes()
    assert b"Golborne" not in raw and b"priya@example.org" not in raw  # nothing readable

    var_dir, database_url = fresh_install
    done = _kith(var_dir, database_url, "restore", str(backup), "--passphrase-file", str(passphrase_file))
    assert done.returncode == 0, done.stderr
    assert "every table counted and matching" in done.stdout

    target = database_url.rsplit("/", 1)[1] if POSTGRES else str(var_dir / "kith.sqlite3")
    after = _every_row(target)
    restored_audit = after.pop("core_auditevent")
    assert after == {t: rows for t, rows in before.items() if t != "core_auditevent"}
    # One row more in the trail: the restore's own, and nothing else differs.
    assert len(restored_audit) == len(before["core_auditevent"]) + 1
    assert set(before["core_auditevent"]) <= set(restored_audit)

    opened = _kith(var_dir, database_url, "shell", "-c", OPEN_SEALED)
    assert opened.returncode == 0, opened.stderr
    assert json.loads(opened.stdout.strip().splitlines()[-1]) == sealed_before
    assert all(found for _, _, found in sealed_before.values())  # returning callers still found
    assert (var_dir / "receipts" / "2026" / "receipt.bin").read_bytes() == upload.read_bytes()
    assert (var_dir / "field_keys").stat().st_mode & 0o777 == 0o600
    if not POSTGRES:
        assert (var_dir / "kith.sqlite3").stat().st_mode & 0o777 == 0o600


@pytest.mark.django_db(transaction=True)
def test_a_restore_will_not_overwrite_an_install_in_use_unless_told(tmp_path, passphrase_file, priya):
    backup = tmp_path / "kith.backup"
    call_command("backup", str(backup), passphrase_file=str(passphrase_file))
    with pytest.raises(CommandError, match="already has people"):
        call_command("restore", str(backup), passphrase_file=str(passphrase_file))


@pytest.mark.django_db
def test_a_short_passphrase_or_an_existing_file_writes_nothing(tmp_path):
    short = tmp_path / "short"
    short.write_text("too short")
    with pytest.raises(CommandError, match="at least 12 characters"):
        call_command("backup", str(tmp_path / "b"), passphrase_file=str(short))
    assert not (tmp_path / "b").exists()
    (tmp_path / "exists").write_text("mine")
    good = tmp_path / "good"
    good.write_text(PASSPHRASE)
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(tmp_path / "exists"), passphrase_file=str(good))
    assert (tmp_path / "exists").read_text() == "mine"


def test_a_wrong_passphrase_a_cut_file_or_an_altered_part_is_named(tmp_path):
    plain = tmp_path / "plain"
    plain.write_bytes(os.urandom(2 * CHUNK + 10))
    sealed = tmp_path / "sealed"
    encrypt_file(plain, sealed, PASSPHRASE)
    data = sealed.read_bytes()

    with pytest.raises(BackupError, match="passphrase does not open"):
        decrypt_file(sealed, tmp_path / "out1", "another passphrase entirely")

    cut = tmp_path / "cut"
    cut.write_bytes(data[: len(data) - CHUNK // 2])  # the last part gone
    with pytest.raises(BackupError, match="cut short|damaged"):
        decrypt_file(cut, tmp_path / "out2", PASSPHRASE)

    altered = bytearray(data)
    altered[len(data) // 2] ^= 1
    (tmp_path / "altered").write_bytes(bytes(altered))
    with pytest.raises(BackupError, match="damaged"):
        decrypt_file(tmp_path / "altered", tmp_path / "out3", PASSPHRASE)

    decrypt_file(sealed, tmp_path / "out4", PASSPHRASE)
    assert (tmp_path / "out4").read_bytes() == plain.read_bytes()


def test_a_small_backup_cut_short_is_not_taken_for_a_wrong_passphrase(tmp_path):
    plain = tmp_path / "plain"
    plain.write_bytes(b"a small group's backup" * 100)  # one part only
    sealed = tmp_path / "sealed"
    encrypt_file(plain, sealed, PASSPHRASE)
    cut = tmp_path / "cut"
    cut.write_bytes(sealed.read_bytes()[:-10])
    with pytest.raises(BackupError, match="cut short"):
        decrypt_file(cut, tmp_path / "out", PASSPHRASE)


@pytest.mark.django_db
def test_a_passphrase_on_the_command_line_or_an_unwritable_folder_is_refused(tmp_path, passphrase_file):
    with pytest.raises(CommandError, match="unrecognized arguments"):
        call_command("backup", str(tmp_path / "b"), "--passphrase", PASSPHRASE)
    with pytest.raises(CommandError, match="Cannot write into"):
        call_command("backup", str(tmp_path / "no-such-folder" / "b"),
                     passphrase_file=str(passphrase_file))


@pytest.mark.django_db(transaction=True)
def test_a_backup_from_a_newer_kith_is_refused_before_anything_changes(tmp_path, passphrase_file,
                                                                        monkeypatch, priya):
    from kith.core import backups

    backup = tmp_path / "kith.backup"
    call_command("backup", str(backup), passphrase_file=str(passphrase_file))
    known = backups._known_migrations()
    monkeypatch.setattr(backups, "_known_migrations", lambda: known - {"accounts.0001_initial"})
    with pytest.raises(CommandError, match="made by a newer Kith"):
        call_command("restore", str(backup), passphrase_file=str(passphrase_file), replace=True)
    assert Person.objects.filter(pk=priya.pk).exists()


def test_a_file_that_is_not_a_backup_is_named(tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("shopping list")
    with pytest.raises(BackupError, match="not a Kith backup"):
        decrypt_file(other, tmp_path / "out", PASSPHRASE)


def _limited_to(size: int):
    """For the child process only: files may not grow past `size` bytes, and going past is an
    error to the writer (EFBIG), as a full disk is, rather than the signal that would end it."""
    import resource
    import signal

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


@pytest.mark.django_db(transaction=True)
def test_no_room_on_the_disk_is_said_in_words_and_leaves_nothing_behind(tmp_path, passphrase_file,
                                                                       street, priya):
    ResidentFactory(group=street, name="Mrs Ahmed")
    var_dir = Path(settings.VAR_DIR)
    s = connection.settings_dict
    database_url = (f"sqlite:///{s['NAME']}" if not POSTGRES else
                    f"postgres://{s.get('USER') or 'postgres'}@{s.get('HOST') or '127.0.0.1'}:"
                    f"{s.get('PORT') or 5432}/{s['NAME']}")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": database_url,
           "KITH_VAR_DIR": str(var_dir),
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    backup = tmp_path / "kith.backup"
    done = subprocess.run(  # noqa: S603 (our own command, fixed arguments)
        [sys.executable, "-m", "kith.cli", "backup", str(backup), "--passphrase-file",
         str(passphrase_file)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        preexec_fn=_limited_to(16 * 1024))  # noqa: PLW1509 (a plain limit, no threads yet)
    assert done.returncode != 0
    assert "disk is full" in done.stderr and "Nothing was written" in done.stderr
    assert "Traceback" not in done.stderr
    assert not backup.exists() and not list(tmp_path.glob(".*partial"))
    assert not list(var_dir.glob(".backup-*"))  # the plain copy of the database is gone too
