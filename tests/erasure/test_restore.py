"""Restores honour erasures (issue 16, item 6): a backup made before someone was erased brings
them back only for as long as it takes `kith restore` to erase them again.

Two ways the log reaches the restore: a new machine is given the old install's log with
`--erasure-log`; an install restoring over itself reads its own log (file and table) before
the database is replaced. Both run `kith restore` in another process onto a fresh install,
as tests/test_backup.py does, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from kith.erasure import log as erasure_log
from kith.erasure import services
from tests.factories import ResidentFactory
from tests.test_backup import PASSPHRASE, fresh_install  # noqa: F401 - a fixture used below

ROOT = Path(__file__).resolve().parents[2]

FIND = """
import json
from kith.residents.models import Resident
from tests.erasure.finding import in_files, in_tables, needles
found = {}
for name, phone in (("Edna Pargeter", "+442079460202"), ("Ivor Quest", "+442079460303")):
    found[name] = in_tables(needles(name=name, phone=phone)) + in_files(needles(name=name, phone=phone))
print(json.dumps({"names": sorted(Resident.objects.values_list("name", flat=True)),
                  "found": found}))
"""

ERASE_IVOR = """
from kith.erasure import services
from kith.residents.models import Resident
services.erase_resident(Resident.objects.get(name="Ivor Quest"), by=None, why="request")
"""


def _kith(var_dir: Path, database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in {"SECRET_KEY", "KITH_FIELD_KEYS", "KITH_DIGEST_KEY",
                        "DJANGO_SETTINGS_MODULE"}}
    env.update({"KITH_VAR_DIR": str(var_dir), "DATABASE_URL": database_url,
                "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"})
    return subprocess.run([sys.executable, "-m", "kith.cli", *args], cwd=ROOT, env=env,  # noqa: S603
                          capture_output=True, text=True, timeout=300)


def _look(var_dir, database_url) -> dict:
    done = _kith(var_dir, database_url, "shell", "-c", FIND)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_erasures_made_since_a_backup_are_made_again_after_restoring_it(
        tmp_path, fresh_install, street, priya):  # noqa: F811 - the fixture
    edna = ResidentFactory(group=street, name="Edna Pargeter", phone="+442079460202",
                           address="7 Bevington Road")
    ResidentFactory(group=street, name="Ivor Quest", phone="+442079460303",
                    address="9 Bevington Road")
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(PASSPHRASE + "\n")
    backup = tmp_path / "kith.backup"
    call_command("backup", str(backup), passphrase_file=str(passphrase))
    # After the backup, Edna asks to be erased.
    services.erase_resident(edna, by=priya, why="request")
    assert any(e.subject_id == edna.pk for e in erasure_log.read())

    # A new machine: the backup and the old install's erasure log.
    var_dir, database_url = fresh_install
    done = _kith(var_dir, database_url, "restore", str(backup), "--passphrase-file",
                 str(passphrase), "--erasure-log", str(erasure_log.path()))
    assert done.returncode == 0, done.stderr
    assert "1 person erased since the backup was made was erased again" in done.stdout
    seen = _look(var_dir, database_url)
    assert f"Erased resident #{edna.pk}" in seen["names"]
    assert seen["found"]["Edna Pargeter"] == []
    assert seen["found"]["Ivor Quest"]  # the search finds someone not erased

    # The same install, later: Ivor is erased there, then the old backup restored over it.
    done = _kith(var_dir, database_url, "shell", "-c", ERASE_IVOR)
    assert done.returncode == 0, done.stderr
    done = _kith(var_dir, database_url, "restore", str(backup), "--passphrase-file",
                 str(passphrase), "--replace")
    assert done.returncode == 0, done.stderr
    assert "2 people erased since the backup was made were erased again" in done.stdout
    seen = _look(var_dir, database_url)
    assert seen["found"] == {"Edna Pargeter": [], "Ivor Quest": []}
    # The log survived the restore's own copy of var/ (which had neither).
    assert {e.kind for e in erasure_log.read(var_dir / erasure_log.FILE_NAME)} == {"resident"}
    assert len(erasure_log.read(var_dir / erasure_log.FILE_NAME)) == 2


def test_a_torn_last_line_is_skipped(tmp_path):
    path = tmp_path / "log"
    path.write_text(erasure_log.line("resident", 4, "2026-01-01T00:00:00") + '{"kind": "res')
    assert [e.subject_id for e in erasure_log.read(path)] == [4]
