"""`kith import volunteers FILE --group SLUG`: the same import from the command line."""

from __future__ import annotations

import importlib
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kith.accounts.models import Person
from kith.core.models import AuditEvent
from kith.volunteers.models import ImportMapping

# The command's module is called "import", a Python keyword: loaded by name, as Django loads it.
ProgressBar = importlib.import_module("kith.volunteers.management.commands.import").ProgressBar

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


def kith_import(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "volunteers", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_checks_a_file_and_imports_nothing_without_commit(street):
    out, _ = kith_import(str(FIXTURES / "google_forms_responses.csv"), "--group", "golborne-road")
    assert "9 rows from Google Forms (responses sheet), into Golborne Road Neighbours." in out
    assert "'When are you usually free?' -> availability" in out
    assert "'Anything else we should know?' -> left out" in out
    assert "Row 7, Email address: Error: “jo.bloggs@gmail.con”: did you mean" in out
    assert "Dry run: nothing was imported. Run again with --commit" in out
    assert "--good-rows-only" in out
    assert not Person.objects.filter(email="amara.okafor@example.org").exists()


def test_it_refuses_to_commit_with_errors_then_imports_the_good_rows(street, priya, tom, tmp_path):
    path = str(FIXTURES / "google_forms_responses.csv")
    with pytest.raises(CommandError, match="3 rows have errors"):
        kith_import(path, "--group", "golborne-road", "--commit")
    report = tmp_path / "problems.csv"
    out, _ = kith_import(path, "--group", "golborne-road", "--commit", "--good-rows-only", "--merge",
                         "--by", "priya@example.org", "--report", str(report))
    assert "Imported 5 new volunteers into Golborne Road Neighbours, merged 1, left out 3 rows" in out
    assert "6 asked by email to confirm their details" in out
    assert report.read_text().startswith("Row,Column,Level,Problem")
    event = AuditEvent.objects.get(action="kith.volunteer.imported")
    assert event.actor == priya and event.new["merged"] == 1
    assert tom.volunteer.reconfirm_consent is True


def test_it_takes_a_source_and_column_choices(street, priya):
    path = str(FIXTURES / "airtable_volunteers.csv")
    out, _ = kith_import(path, "--group", "golborne-road", "--source", "airtable",
                         "--map", "Notes=ignore", "--map", "Services=ignore", "--commit",
                         "--good-rows-only", "--no-progress")
    assert "from Airtable" in out and "'Services' -> left out" in out
    assert "Knitting" not in out
    assert ImportMapping.objects.get(group=street, source="airtable").mapping["Services"] == "ignore"
    assert Person.objects.get(email="ivy.chen@example.org").volunteer.services == []


@pytest.mark.parametrize("args,says", [
    (["--group", "nowhere"], "No group with the slug"),
    (["--group", "golborne-road", "--map", "Nope=email"], "no column called 'Nope'"),
    (["--group", "golborne-road", "--map", "Email=sparkle"], "the fields are"),
    (["--group", "golborne-road", "--by", "nobody@example.org"], "No one on Kith"),
])
def test_it_says_what_is_wrong_with_the_command(street, args, says):
    with pytest.raises(CommandError, match=says):
        kith_import(str(FIXTURES / "airtable_volunteers.csv"), *args)


def test_it_says_a_workbook_is_not_a_csv(street, tmp_path):
    book = tmp_path / "volunteers.xlsx"
    book.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(CommandError, match="Excel workbook"):
        kith_import(str(book), "--group", "golborne-road")
    with pytest.raises(CommandError, match="No file at"):
        kith_import(str(tmp_path / "missing.csv"), "--group", "golborne-road")


def test_it_draws_a_progress_bar_on_a_terminal_only():
    stream = io.StringIO()
    bar = ProgressBar(stream, "Checking", enabled=True)
    for done in (1000, 25000, 50000):
        bar(done, 50000)
    bar(50000, 50000)
    text = stream.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n")
    assert "\rChecking   [...............................]"[:12] in text
    assert "[###############...............]  25,000/50,000" in text
    assert "[##############################]  50,000/50,000" in text
    quiet = io.StringIO()
    ProgressBar(quiet, "Checking", enabled=False)(1, 2)
    assert quiet.getvalue() == ""


def test_it_says_how_much_was_saved_when_an_import_stops_part_way(street, priya, monkeypatch):
    """The command commits in batches: a clash in the second keeps the first, and says so."""
    from django.db import IntegrityError

    from kith.volunteers.importing import adapter

    monkeypatch.setattr(adapter, "ROWS_PER_COMMIT", 2)
    save_new, calls = adapter._save_new, []

    def clash_on_the_second_batch(ready):
        calls.append(ready)
        if len(calls) == 2:
            raise IntegrityError("UNIQUE constraint failed: accounts_person.email")
        return save_new(ready)

    monkeypatch.setattr(adapter, "_save_new", clash_on_the_second_batch)
    with pytest.raises(CommandError, match=r"stopped part-way: some of these people were added "
                                           r"to Kith by someone else .* 2 new volunteers were "
                                           r"saved \(1 of 3 batches\)"):
        kith_import(str(FIXTURES / "google_forms_responses.csv"), "--group", "golborne-road",
                    "--commit", "--good-rows-only")
    assert Person.objects.filter(email__in=["amara.okafor@example.org",
                                            "ben.carter@example.org"]).count() == 2
    assert not Person.objects.filter(email="chidi@example.org").exists()
    assert AuditEvent.objects.filter(action="kith.volunteer.imported").count() == 1
