"""The web import as a background job: Priya's page returns at once and shows the import's progress.

Most tests use the tests' task backend, which runs the job as the page's transaction commits; the
first uses the real database backend and `kith worker`, as a live site does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from kith.accounts.models import Person
from kith.messaging.models import Message
from kith.volunteers.importing import adapter, runs
from kith.volunteers.models import ImportRun
from tests.factories import PersonFactory

FIXTURE = Path(__file__).parent / "fixtures" / "google_forms_responses.csv"
SLUG = "golborne-road"
NEW_IN_FORM = {"amara.okafor@example.org", "ben.carter@example.org", "chidi@example.org",
               "dev.patel@example.org", "fatima.h@example.org"}


def url(name: str, slug: str = SLUG) -> str:
    return reverse(f"volunteers_import:{name}", args=[slug])


def run_url(run: ImportRun, slug: str = SLUG) -> str:
    return reverse("volunteers_import:run", args=[slug, run.pk])


def upload_and_check(client) -> None:
    """Upload the form's responses and look at the check page, as Priya does before importing."""
    client.post(url("upload"), {"file": SimpleUploadedFile(FIXTURE.name, FIXTURE.read_bytes()),
                                "source": "google_forms"})
    assert client.get(url("check")).status_code == 200


def commit(client):
    return client.post(url("commit"), {"duplicates": "skip", "good_rows_only": "on"})


@pytest.fixture
def db_queue(settings):
    """The real database backend: the import waits for `kith worker`."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": settings.TASK_QUEUES}}


@pytest.mark.django_db(transaction=True)  # the worker commits batch by batch, as in life
def test_the_page_returns_at_once_and_the_worker_imports_and_queues_the_mail(
        client, db_queue, street, priya, tom):
    client.force_login(priya)
    upload_and_check(client)

    response = commit(client)
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response.url == run_url(run)
    # Nothing is imported, and nobody emailed, until the worker runs.
    assert not Person.objects.filter(email__in=NEW_IN_FORM).exists()
    assert not Message.objects.exists()
    assert b"amara" not in run.upload.token.encode().lower()  # sealed, not the file as sent
    page = client.get(response.url).content.decode()
    assert "Waiting for the worker" in page
    assert 'hx-trigger="every 2s"' in page  # the page asks again until the import ends
    assert "An import is under way" in client.get(url("upload")).content.decode()

    call_command("worker", batch=True, verbosity=0)

    assert set(Person.objects.filter(email__in=NEW_IN_FORM).values_list("email", flat=True)) \
        == NEW_IN_FORM
    asked = Message.objects.filter(subject__contains="Please confirm you want to volunteer")
    assert set(asked.values_list("person__email", flat=True)) == NEW_IN_FORM
    assert sorted(m.to[0] for m in mail.outbox) == sorted(NEW_IN_FORM)  # and the worker sent them
    page = client.get(run_url(run)).content.decode()
    assert "Imported 5 new volunteers, 1 already on Kith skipped, 3 rows with errors left out. " \
           "5 people were emailed to confirm their details" in page
    assert 'hx-trigger' not in page
    run.refresh_from_db()
    assert run.state == ImportRun.State.DONE and run.upload is None
    assert (run.batches_done, run.batches_total, run.rows_written) == (1, 1, 5)


@pytest.mark.django_db(transaction=True)
def test_a_message_is_sent_while_an_import_waits_in_its_own_queue(client, db_queue, street,
                                                                   priya, tom):
    """The sends never queue behind an import (a minute for 10,000 rows): the worker's
    sending thread runs only the "default" queue, and the import has one of its own."""
    from kith.messaging.management.commands.worker import run_queue
    from kith.messaging.outbox import queue_email

    client.force_login(priya)
    upload_and_check(client)
    commit(client)
    queue_email(to=tom.email, subject="Your sign-in code", template="account/email/login_code_message.txt",
                context={"code": "123456"}, person=tom)

    run_queue("default", batch=True, max_tasks=None, interval=0.01, timeout=None)

    assert [m.subject for m in mail.outbox] == ["[Kith] Your sign-in code"]
    assert ImportRun.objects.get().state == ImportRun.State.QUEUED  # still waiting its turn
    call_command("worker", batch=True, verbosity=0)
    assert ImportRun.objects.get().state == ImportRun.State.DONE


@pytest.mark.django_db
def test_the_same_file_is_not_imported_twice_at_once(client, db_queue, street, priya, nadia,
                                                     other_street):
    client.force_login(priya)
    upload_and_check(client)
    first = commit(client)
    run = ImportRun.objects.get()

    # A second click on the button: back to the import under way.
    again = client.post(url("commit"), {"duplicates": "skip", "good_rows_only": "on"},
                        follow=True)
    assert again.redirect_chain[-1][0] == first.url
    assert "Your import is already under way." in again.content.decode()

    # The same file again, from the start, while the first is still waiting: refused kindly.
    upload_and_check(client)
    refused = client.post(url("commit"), {"duplicates": "skip", "good_rows_only": "on"},
                          follow=True)
    assert refused.redirect_chain[-1][0] == run_url(run)
    assert "This file is already being imported into the group, so it was not started again." \
        in refused.content.decode()
    assert ImportRun.objects.count() == 1

    # Another group's coordinator may import the same file into her own group.
    client.force_login(nadia)
    client.post(url("upload", other_street.slug),
                {"file": SimpleUploadedFile(FIXTURE.name, FIXTURE.read_bytes()),
                 "source": "google_forms"})
    client.get(url("check", other_street.slug))
    response = client.post(url("commit", other_street.slug),
                           {"duplicates": "skip", "good_rows_only": "on"})
    assert ImportRun.objects.count() == 2 and response.url != first.url


@pytest.mark.django_db
def test_a_run_is_seen_only_by_importers_in_its_group(client, street, priya, tom, nadia,
                                                      other_street):
    run = ImportRun.objects.create(group=street, started_by=priya, source="google_forms",
                                   duplicates="skip", file_digest="a" * 64)
    client.force_login(priya)
    assert client.get(run_url(run)).status_code == 200
    client.force_login(nadia)  # a coordinator of another group, under her own group's address
    assert client.get(run_url(run, other_street.slug)).status_code == 404
    assert client.get(run_url(run)).status_code == 404
    client.force_login(tom)  # a volunteer of the group
    assert client.get(run_url(run)).status_code == 403
    client.force_login(priya)
    assert client.get(reverse("volunteers_import:run", args=[SLUG, run.pk + 1000])).status_code \
        == 404


@pytest.mark.django_db
def test_an_import_that_stops_part_way_says_why_and_what_was_kept(
        client, street, priya, tom, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(adapter, "ROWS_PER_COMMIT", 2)  # [Amara, Ben], [Chidi, Dev], [Fatima]
    monkeypatch.setattr(runs, "ROWS_PER_COMMIT", 2)
    counted = runs._count_batch

    def chidi_signs_up_meanwhile(run_id, done, total):
        counted(run_id, done, total)
        if done == 2:  # after the first batch: someone adds Chidi before the second one
            PersonFactory(email="chidi@example.org", display_name="Chidi Eze")

    monkeypatch.setattr(runs, "_count_batch", chidi_signs_up_meanwhile)
    client.force_login(priya)
    upload_and_check(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = commit(client)

    page = client.get(response.url).content.decode()
    assert "Stopped" in page
    assert "The import stopped part-way: some of these people were added to Kith by someone " \
           "else while this import ran. 2 new volunteers were saved (1 of 3 batches)" in page
    assert "1 batch was saved whole (2 people)." in page
    assert Person.objects.filter(email="amara.okafor@example.org").exists()
    assert not Person.objects.filter(email="dev.patel@example.org").exists()
    run = ImportRun.objects.get()
    assert run.state == ImportRun.State.FAILED and run.upload is None


@pytest.mark.django_db
def test_a_file_no_longer_readable_fails_in_words(client, street, priya,
                                                  django_capture_on_commit_callbacks):
    client.force_login(priya)
    upload_and_check(client)
    # The worker finds the file unreadable (keys rotated away, say): the run fails in words.
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        response = commit(client)
    ImportRun.objects.update(upload=None)
    for callback in waiting:
        callback()
    page = client.get(response.url).content.decode()
    assert "The uploaded file is no longer kept: upload it again." in page
    assert "Nothing from the file was saved." in page
    assert not Person.objects.filter(email__in=NEW_IN_FORM).exists()


@pytest.mark.django_db
def test_an_import_whose_worker_died_says_so_and_the_file_may_be_imported_again(
        client, street, priya, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(priya)
    upload_and_check(client)
    digest = runs.file_digest(FIXTURE.read_bytes())
    dead = ImportRun.objects.create(
        group=street, started_by=priya, source="google_forms", duplicates="skip",
        file_digest=digest, state=ImportRun.State.RUNNING, batches_done=2, batches_total=5,
        rows_written=2000, rows_to_write=5000, touched_at=timezone.now() - timedelta(minutes=20))

    page = client.get(run_url(dead)).content.decode()
    assert "Kith&#x27;s worker stopped while importing this file." in page
    assert "2 batches were saved whole (2000 people)." in page
    with django_capture_on_commit_callbacks(execute=True):
        response = commit(client)  # not refused as "already being imported"
    assert response.url != run_url(dead)
    assert "Imported 6 new volunteers" in client.get(response.url).content.decode()


@pytest.mark.django_db
def test_the_page_counts_the_batches_while_the_import_runs(client, street, priya):
    from django.utils import timezone

    run = ImportRun.objects.create(
        group=street, started_by=priya, source="google_forms", duplicates="skip",
        file_digest="b" * 64, state=ImportRun.State.RUNNING, batches_done=3, batches_total=10,
        rows_written=3000, rows_to_write=10000, touched_at=timezone.now())
    client.force_login(priya)
    page = client.get(run_url(run)).content.decode()
    assert "3 of 10 batches saved: 3000 of 10000 people." in page
    assert 'hx-trigger="every 2s"' in page
