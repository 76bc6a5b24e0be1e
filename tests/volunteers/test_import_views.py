"""The web import: upload, choose columns, check row by row, import. Priya does it for Golborne Road."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kith.accounts.models import Person
from kith.core.models import AuditEvent
from kith.volunteers.importing import store
from kith.volunteers.importing.forms import MAX_UPLOAD_BYTES
from kith.volunteers.models import ImportMapping, ImportRun

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
SLUG = "golborne-road"


def url(name: str, slug: str = SLUG) -> str:
    return reverse(f"volunteers_import:{name}", args=[slug])


def run_url(run, slug: str = SLUG) -> str:
    return reverse("volunteers_import:run", args=[slug, run.pk])


def upload(client, name="google_forms_responses.csv", data=None, source="google_forms"):
    data = (FIXTURES / name).read_bytes() if data is None else data
    return client.post(url("upload"), {"file": SimpleUploadedFile(name, data), "source": source})


def pending(client) -> bool:
    """Does this browser's session hold an upload waiting to be imported?"""
    return any(k.startswith("kith.volunteer_import.") for k, _ in client.session.items())


def token(client) -> str:
    return next(v for k, v in client.session.items() if k.startswith("kith.volunteer_import."))["token"]


@pytest.fixture
def as_priya(client, priya, street):
    client.force_login(priya)
    return client


def test_it_walks_priya_from_upload_to_import(as_priya, street, priya, tom,
                                             django_capture_on_commit_callbacks):
    page = as_priya.get(url("upload"))
    assert page.status_code == 200 and b"Import volunteers" in page.content
    assert page["Cache-Control"].startswith("max-age=0")

    response = upload(as_priya)
    assert response.status_code == 302 and response.url == url("columns")
    kept = store.folder() / f"{token(as_priya)}.csv.enc"
    assert kept.exists() and oct(kept.stat().st_mode)[-3:] == "600"
    assert b"amara.okafor" not in kept.read_bytes()  # encrypted at rest

    columns = as_priya.get(url("columns"))
    assert columns.status_code == 200
    text = columns.content.decode()
    assert "What&#x27;s your full name?" in text and "Amara Okafor" in text
    assert '<option value="availability" selected>' in text

    form = columns.context["form"]
    choices = {f"col_{i}": form.initial.get(f"col_{i}") or form.fields[f"col_{i}"].initial
               for i in range(len(form.headers))}
    response = as_priya.post(url("columns"), choices)
    assert response.status_code == 302 and response.url == url("check")

    check = as_priya.get(url("check"))
    text = check.content.decode()
    assert check.status_code == 200
    assert "“Gardening” is not one of the services Kith knows" in text
    assert "Did you mean W10 5NW?" in text
    assert "3 rows have errors" in text
    report = check.context["report"]
    assert (report.rows, report.new, report.matched, report.error_rows) == (9, 5, 1, 3)  # Tom

    csv_download = as_priya.get(url("check") + "?download=csv")
    assert csv_download["Content-Type"].startswith("text/csv")
    assert csv_download.content.decode().startswith("Row,Column,Level,Problem")

    # Importing with errors is refused unless she chooses the good rows only.
    response = as_priya.post(url("commit"), {"duplicates": "skip"})
    assert response.status_code == 302 and response.url == url("check")
    assert not Person.objects.filter(email="amara.okafor@example.org").exists()
    # ... and the check page says why at the top, in the summary focus moves to.
    text = as_priya.get(url("check")).content.decode()
    assert text.index('class="error-summary" role="alert"') < text.index("There is a problem") \
        < text.index("rows with errors") and 'class="checkbox" for="id_good_rows_only"' in text

    # The import is the worker's job: the page hands it over and shows its progress. (The tests'
    # task backend runs it as the page's transaction commits.)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_priya.post(url("commit"), {"duplicates": "skip", "good_rows_only": "on"})
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response.url == run_url(run)
    response = as_priya.get(response.url)
    assert "Imported 5 new volunteers, 1 already on Kith skipped, 3 rows with errors left out. " \
           "5 people were emailed" in response.content.decode()
    assert 'hx-trigger="every' not in response.content.decode()  # finished: no more polling
    assert run.started_by == priya
    assert street.memberships.filter(is_volunteer=True).count() == 6  # Tom and the five
    assert len(mail.outbox) == 5
    event = AuditEvent.objects.get(action="kith.volunteer.imported")
    assert event.actor == priya and event.new["new"] == 5
    assert ImportMapping.objects.filter(group=street, source="google_forms").exists()
    assert not kept.exists() and not pending(as_priya)
    run.refresh_from_db()
    assert run.upload is None  # the run's sealed copy is gone too
    # The trail names it in plain English.
    trail = as_priya.get(reverse("groups:audit", args=[SLUG])).content.decode()
    assert "Volunteers imported from a spreadsheet" in trail


def test_it_lets_her_change_a_column_and_requires_an_email_or_phone_column(as_priya):
    upload(as_priya, "google_sheets_semicolons.csv", source="google_sheets")
    form = as_priya.get(url("columns")).context["form"]
    choices = {name: field.initial for name, field in form.fields.items()}
    assert choices["col_8"] == "ignore"  # "E-mail (2)"
    response = as_priya.post(url("columns"), {**choices, "col_1": "ignore", "col_2": "ignore"})
    assert response.status_code == 200
    assert "Choose the column with email addresses or phone numbers" in response.content.decode()
    response = as_priya.post(url("columns"), {**choices, "col_4": "ignore"})  # Skills left out
    assert response.status_code == 302
    report = as_priya.get(url("check")).context["report"]
    assert not any(p.column == "Skills" for p in report.problems)
    assert "Windows-1252" in " ".join(report.file_notes)


@pytest.mark.parametrize("name,data,says", [
    ("volunteers.xlsx", b"PK\x03\x04" + b"\x00" * 64, "That is a spreadsheet file, not a CSV"),
    ("volunteers.csv", b"PK\x03\x04" + b"\x00" * 64, "Excel workbook (.xlsx)"),
    ("volunteers.csv", b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "older Excel workbook (.xls)"),
    ("volunteers.txt", b"Name,Email\nAnn,ann@example.org\n", "Upload a .csv or .tsv file"),
    ("volunteers.csv", b"", "The file is empty"),
    ("volunteers.csv", b"Name,Email\n", "no rows of answers"),
])
def test_it_refuses_files_that_are_not_csv_with_a_clear_message(as_priya, name, data, says):
    response = upload(as_priya, name, data)
    assert response.status_code == 200
    assert says in response.content.decode()
    assert not pending(as_priya)


def test_it_refuses_a_file_over_5_mb_without_keeping_it(as_priya):
    big = b"Name,Email\n" + b"Ann,ann@example.org\n" * (MAX_UPLOAD_BYTES // 20 + 10)
    response = upload(as_priya, "big.csv", big)
    assert response.status_code == 200
    assert "bigger than 5 MB" in response.content.decode()
    assert not pending(as_priya)


def test_it_stops_reading_an_upload_as_soon_as_it_passes_5_mb(as_priya, monkeypatch):
    """Just over the limit, so the declared length lets it through to the upload handler."""
    from kith.volunteers import import_views
    from kith.volunteers.importing.forms import StopAfter

    tripped = []

    class Spy(StopAfter):
        def receive_data_chunk(self, raw_data, start):
            try:
                return super().receive_data_chunk(raw_data, start)
            except Exception:
                tripped.append(self.seen)
                raise

    monkeypatch.setattr(import_views, "StopAfter", Spy)
    body = b"Name,Email\n" + b"x" * (MAX_UPLOAD_BYTES + 10_000)
    response = upload(as_priya, "big.csv", body)
    assert response.status_code == 200 and "bigger than 5 MB" in response.content.decode()
    assert tripped and tripped[0] <= MAX_UPLOAD_BYTES + 64 * 1024


def test_it_says_there_is_nothing_to_check_before_an_upload(as_priya):
    for name in ("columns", "check"):
        response = as_priya.get(url(name))
        assert response.status_code == 200
        assert "There is no file waiting" in response.content.decode()
    response = as_priya.post(url("commit"), {"duplicates": "skip"})
    assert response.url == url("upload")


def test_it_deletes_the_file_when_priya_cancels(as_priya):
    upload(as_priya)
    kept = store.folder() / f"{token(as_priya)}.csv.enc"
    response = as_priya.post(url("cancel"), follow=True)
    assert "The uploaded file has been deleted" in response.content.decode()
    assert not kept.exists()


def test_it_keeps_one_session_s_file_from_another_group(as_priya, client, nadia, other_street):
    upload(as_priya)
    kept_token = token(as_priya)
    client.force_login(nadia)
    session = client.session
    session[f"kith.volunteer_import.{other_street.pk}"] = {"token": kept_token, "source": "google_forms"}
    session.save()
    # Nadia could only reach it by knowing the name; even then it is only read for her own group,
    # and her upload pages for Golborne Road are a 404.
    assert client.get(url("check")).status_code == 404
    assert client.get(url("upload", "lots-road")).status_code == 200


def test_it_forgets_uploads_after_a_day(as_priya, settings):
    upload(as_priya)
    kept = store.folder() / f"{token(as_priya)}.csv.enc"
    old = time.time() - store.MAX_AGE_SECONDS - 60
    os.utime(kept, (old, old))
    assert store.load(token(as_priya)) is None and not kept.exists()
    assert "There is no file waiting" in as_priya.get(url("check")).content.decode()
    other = store.save(b"x")
    stale = store.folder() / f"{other}.csv.enc"
    os.utime(stale, (old, old))
    store.save(b"y")  # each upload sweeps
    assert not stale.exists()


@pytest.mark.parametrize("bad", ["../../etc/passwd", "x" * 32 + "/..", "", None, 42])
def test_it_never_reads_a_file_outside_its_folder(bad):
    assert store.load(bad) is None
    store.delete(bad)


def test_it_is_for_coordinators_only(client, tom, sam, street):
    for person in (tom, sam):
        client.force_login(person)
        assert client.get(url("upload")).status_code == 403
        response = client.post(url("upload"), {"file": SimpleUploadedFile("a.csv", b"Email\na@b.org\n"),
                                                "source": "google_forms"})
        assert response.status_code == 403
        assert client.post(url("commit"), {"duplicates": "skip"}).status_code == 403
        assert not pending(client)


def test_it_never_gives_a_500_on_odd_input(as_priya):
    upload(as_priya)
    odd = {"col_0": "sparkle", "col_99": "email", "col_1": "\x00"}
    assert as_priya.post(url("columns"), odd).status_code == 200
    assert as_priya.post(url("commit"), {"duplicates": "everything"}).status_code == 302
    assert as_priya.post(url("upload"), {"source": "myspace"}).status_code == 200
    assert as_priya.get(url("check") + "?download=xlsx").status_code == 200
    response = as_priya.post(url("upload"), data=io.BytesIO(b"\x00" * 10).read(),
                             content_type="multipart/form-data; boundary=nothing")
    assert response.status_code in (200, 400)


def wide_csv(columns: int) -> bytes:
    """A header of `columns` short names and one row of answers: 30,000 make about 260 KB."""
    header = ",".join(f"q{i}" for i in range(columns))
    row = ",".join("x" for _ in range(columns))
    return f"{header}\n{row}\n".encode()


def test_it_refuses_a_file_with_far_too_many_columns_before_reading_it(as_priya, street):
    data = wide_csv(30_000)
    assert 250_000 < len(data) < 300_000
    response = upload(as_priya, name="wide.csv", data=data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Row 1 has 30,000 columns, and Kith reads at most 200" in text
    assert not pending(as_priya)  # nothing kept
    assert as_priya.get(url("columns")).status_code == 200  # "nothing waiting", never a 500


def test_a_file_with_the_most_columns_kith_reads_still_imports(as_priya, street):
    from kith.volunteers.importing.table import MAX_COLUMNS

    header = ["Email"] + [f"Question {i}" for i in range(MAX_COLUMNS - 1)]
    data = (",".join(header) + "\nann@example.org" + "," * (MAX_COLUMNS - 1) + "\n").encode()
    assert upload(as_priya, name="wide.csv", data=data)["Location"] == url("columns")
