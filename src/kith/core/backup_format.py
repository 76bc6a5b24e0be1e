"""Backups: the database, the keys that open its sealed values, and the files kept in var/, in
one file encrypted with a passphrase (`kith backup`, `kith restore`).

Why these three together: a database without its keys is a heap of ciphertext (every phone
number and address is sealed), and keys without the database are nothing. So the backup holds
both, and the passphrase is what stands between a stolen backup and every resident's details;
it is asked for, never taken from the command line (where `ps` would show it).

The database is copied with its engine's own tool, so a restore gives back every row exactly:
SQLite's online backup, PostgreSQL's `pg_dump` (custom format, restored with `pg_restore`).
A backup restores onto an install of the same engine.

The file: MAGIC, the scrypt parameters and salt, a nonce prefix, then the tar archive in chunks
of 1 MiB, each sealed with AES-256-GCM under a key derived from the passphrase. Each chunk's
number and whether it is the last are bound into it, so chunks cannot be reordered, dropped or
the file cut short without the restore saying so.
"""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import signal
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"KITHBAK1"
CHUNK = 1 << 20
SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P = 15, 8, 1  # about 32 MB and a tenth of a second per try
_HEADER = struct.Struct(">8sBBB16s8s")  # magic, log2 n, r, p, salt, nonce prefix
_CHUNK_HEADER = struct.Struct(">I")
MIN_PASSPHRASE = 12

# What var/ holds that a backup leaves out: the live database (copied by its engine instead),
# the keys (kept apart in the archive), and what Kith rebuilds or only the demo keeps.
_SKIP_DIRS = {"static", "places", "cache", "mail", "sms"}
_SKIP_SUFFIXES = (".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal", ".log", ".pid")
_KEY_FILES = ("field_keys", "digest_key", "secret_key")


class BackupError(Exception):
    """Something the operator must hear about in words: a wrong passphrase, a damaged file."""


# ---------------------------------------------------------------------------------------------
# Encryption


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise BackupError(f"Use a passphrase of at least {MIN_PASSPHRASE} characters: it is all "
                          f"that protects every resident's details in the backup.")


def _derive(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> AESGCM:
    key = Scrypt(salt=salt, length=32, n=2 ** log2_n, r=r, p=p).derive(passphrase.encode())
    return AESGCM(key)


def _aad(header: bytes, index: int, final: bool) -> bytes:
    return header + struct.pack(">I?", index, final)


def encrypt_file(source: Path, target: Path, passphrase: str) -> None:
    salt, prefix = os.urandom(16), os.urandom(8)
    header = _HEADER.pack(MAGIC, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P, salt, prefix)
    aes = _derive(passphrase, salt, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P)
    with source.open("rb") as plain, _private_file(target) as out:
        out.write(header)
        index, chunk = 0, plain.read(CHUNK)
        while True:
            following = plain.read(CHUNK)
            final = not following
            sealed = aes.encrypt(prefix + struct.pack(">I", index), chunk, _aad(header, index, final))
            out.write(_CHUNK_HEADER.pack(len(sealed)) + sealed)
            if final:
                return
            index, chunk = index + 1, following


def decrypt_file(source: Path, target: Path, passphrase: str) -> None:
    with source.open("rb") as sealed_file, _private_file(target) as out:
        header = sealed_file.read(_HEADER.size)
        if len(header) < _HEADER.size or not header.startswith(MAGIC):
            raise BackupError(f"{source} is not a Kith backup.")
        _, log2_n, r, p, salt, prefix = _HEADER.unpack(header)
        aes = _derive(passphrase, salt, log2_n, r, p)
        index = 0
        while True:
            length = sealed_file.read(_CHUNK_HEADER.size)
            if len(length) < _CHUNK_HEADER.size:
                raise BackupError("The backup file is cut short: it ends before its last part.")
            (size,) = _CHUNK_HEADER.unpack(length)
            sealed = sealed_file.read(size)
            if len(sealed) < size:  # told apart from a wrong passphrase, even in the first part
                raise BackupError("The backup file is cut short: it ends inside one of its parts.")
            nonce = prefix + struct.pack(">I", index)
            plain, final = _open_chunk(aes, nonce, sealed, header, index)
            out.write(plain)
            if final:
                break
            index += 1
        if sealed_file.read(1):
            raise BackupError("The backup file has something after its last part: it was altered.")


def _open_chunk(aes: AESGCM, nonce: bytes, sealed: bytes, header: bytes, index: int):
    for final in (False, True):
        try:
            return aes.decrypt(nonce, sealed, _aad(header, index, final)), final
        except InvalidTag:
            continue
    if index == 0:
        raise BackupError("That passphrase does not open this backup (or the file is damaged).")
    raise BackupError(f"The backup file is damaged (part {index + 1} does not open).")


@contextmanager
def _private_file(path: Path):
    """Written whole or not at all (mode 600): into a hidden file beside `path`, renamed into
    place only once every byte is down. A full disk or a failure leaves nothing behind."""
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with room_checked(path), os.fdopen(fd, "wb") as handle:
            yield handle
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


_NO_ROOM = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


@contextmanager
def room_checked(what: Path):
    """A full disk (or a file-size limit) said in words instead of a traceback."""
    try:
        yield
    except OSError as exc:
        if exc.errno in _NO_ROOM:
            raise BackupError(f"There is no room left to write {what}: the disk is full "
                              f"({os.strerror(exc.errno)}). Nothing was written; free some "
                              f"space and try again.") from None
        raise
    except sqlite3.OperationalError as exc:
        # SQLite says "database or disk is full", or "disk I/O error" when a write is cut short.
        if "full" in str(exc) or "I/O" in str(exc):
            raise BackupError(f"Writing {what} failed ({exc}): most often the disk is full. "
                              f"Nothing was written; free some space and try again.") from None
        raise


# ---------------------------------------------------------------------------------------------
# The database, by its engine's own tool


@dataclass(frozen=True)
class Database:
    engine: str  # "sqlite" or "postgresql"
    settings: dict

    @classmethod
    def of(cls, settings_dict: dict) -> Database:
        engine = settings_dict["ENGINE"]
        if engine.endswith("sqlite3"):
            return cls("sqlite", settings_dict)
        if "postgresql" in engine:
            return cls("postgresql", settings_dict)
        raise BackupError(f"Kith backs up SQLite and PostgreSQL, not {engine}.")

    @property
    def archive_name(self) -> str:
        return "database.sqlite3" if self.engine == "sqlite" else "database.pgdump"

    def dump(self, target: Path, snapshot: str = "") -> None:
        """`snapshot`: a PostgreSQL snapshot exported by the caller's transaction, so the dump
        shows exactly what that transaction sees (and counted)."""
        if self.engine == "sqlite":
            _sqlite_copy(Path(self.settings["NAME"]), target)
        else:
            self._pg("pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                     f"--file={target}", *([f"--snapshot={snapshot}"] if snapshot else []))

    def load(self, source: Path) -> None:
        if self.engine == "sqlite":
            _sqlite_copy(source, Path(self.settings["NAME"]))
        else:
            self._pg("pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                     "--single-transaction", "--exit-on-error", str(source))

    def _pg(self, tool: str, *args: str) -> None:
        if shutil.which(tool) is None:
            raise BackupError(f"{tool} is not installed (Debian: apt-get install postgresql-client).")
        s = self.settings
        env = {**os.environ, "PGPASSWORD": s.get("PASSWORD") or ""}
        command = [tool, f"--dbname={s['NAME']}", f"--host={s.get('HOST') or 'localhost'}",
                   f"--port={s.get('PORT') or 5432}", f"--username={s.get('USER') or 'postgres'}", *args]
        done = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
        if done.returncode != 0:
            said = done.stderr.strip()[:2000]
            # A full disk, or the file-size limit's signal (subprocess restores its default).
            if (done.returncode == -signal.SIGXFSZ or "could not write" in said
                    or "No space left" in said or "File too large" in said):
                raise BackupError(f"{tool} could not write ({said}): most often the disk is full. "
                                  f"Nothing was written; free some space and try again.")
            raise BackupError(f"{tool} failed (exit {done.returncode}): {said}")


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while the site writes (WAL)."""
    with room_checked(target):
        _sqlite_backup(source, target)


def _sqlite_backup(source: Path, target: Path) -> None:
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


# ---------------------------------------------------------------------------------------------
# The archive


def var_files(var_dir: Path) -> Iterator[Path]:
    """The files under var/ a backup keeps: uploads and anything else Kith cannot rebuild."""
    for path in sorted(var_dir.rglob("*")):
        relative = path.relative_to(var_dir)
        if (not path.is_file() or path.is_symlink() or relative.parts[0] in _SKIP_DIRS
                or relative.parts[0].startswith(".") or path.name.endswith(_SKIP_SUFFIXES)
                or (len(relative.parts) == 1 and path.name in _KEY_FILES)):
            continue
        yield path


def add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def safe_members(archive: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, PurePosixPath]]:
    """Only plain files with plain relative names: a doctored archive cannot write outside."""
    for member in archive.getmembers():
        path = PurePosixPath(member.name)
        if not member.isfile() or path.is_absolute() or ".." in path.parts or not path.parts:
            raise BackupError(f"The backup holds an entry Kith never writes: {member.name!r}.")
        yield member, path


def read_member(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = archive.extractfile(member)
    if handle is None:
        raise BackupError(f"The backup's {member.name} cannot be read.")
    return handle.read()


def write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with _private_file(path) as out:
        out.write(data)


@contextmanager
def workspace(var_dir: Path, prefix: str):
    """A private folder inside var/ (not /tmp): the plain copy of the database made on the way
    is as sensitive as the database itself, so it sits beside it and is removed after."""
    var_dir.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=var_dir))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def manifest_bytes(manifest: dict) -> bytes:
    return json.dumps(manifest, indent=2, sort_keys=True).encode()
