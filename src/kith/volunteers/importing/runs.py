"""A committed import as a background job: the page starts a run, the worker does it.

Why: checking and writing 10,000 rows, and queueing 10,000 re-consent emails, takes longer than a
coordinator's page may wait (and than a web worker should be held). So the commit page calls
`start()`, which in one transaction keeps the file (sealed with the field keys, as every personal
detail at rest is) and the choices in an `ImportRun` row and hands the run to the tasks API; the
page then shows the run's progress. The worker calls `perform()`: the same `import_volunteers()`
as `kith import volunteers`, in the same short batches, each queueing its own re-consent emails;
the run row counts the batches in as they commit. Whatever the end, the sealed file is cleared.

With the database backend the task row commits with the run row, so neither exists without the
other. A backend with no database (the immediate one tests use) is handed the run once the
transaction commits, so the job never runs inside the page's transaction.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from kith.core import crypto
from kith.core.digest import keyed_digest
from kith.core.fields import Sealed
from kith.volunteers.importing.adapter import (
    ROWS_PER_COMMIT,
    ImportRefused,
    ImportStopped,
    import_volunteers,
)
from kith.volunteers.importing.forms import EXTENSIONS
from kith.volunteers.importing.table import UnreadableFile
from kith.volunteers.models import ImportRun

logger = logging.getLogger(__name__)
# A batch commits within seconds and the checks before the first take well under a minute for
# the largest file the page takes (5 MB): this long with no sign of life is a dead worker.
STALE = timedelta(minutes=15)


class AlreadyRunning(Exception):
    """The same file is being imported into the same group: `run` is that import."""

    def __init__(self, run: ImportRun):
        super().__init__("this file is already being imported")
        self.run = run


def file_digest(data: bytes) -> str:
    """Keyed, so the row says nothing about the file to someone who has only the database."""
    return keyed_digest("volunteer-import-file", data.hex())


def start(*, group, user, data: bytes, source: str, suffix: str, filename: str,
          mapping: dict | None, duplicates: str, good_rows_only: bool) -> ImportRun:
    """Keep the file and the choices, and hand the run to the worker, in one transaction.

    Raises `AlreadyRunning` if this file is already waiting or being imported into `group`."""
    digest = file_digest(data)
    active = ImportRun.objects.filter(group=group, file_digest=digest, state__in=ImportRun.ACTIVE)
    settle_stale(active)
    if (running := active.first()) is not None:
        raise AlreadyRunning(running)
    try:
        with transaction.atomic():
            run = ImportRun.objects.create(
                group=group, started_by=user, source=source, suffix=suffix,
                filename=filename[-80:], mapping=mapping or {}, duplicates=duplicates,
                good_rows_only=good_rows_only, file_digest=digest,
                upload=Sealed(crypto.fernet().encrypt(data).decode()))
            _hand_over(run.pk)
    except IntegrityError:  # started at the same moment from another page
        running = active.first()
        if running is None:
            raise
        raise AlreadyRunning(running) from None
    return run


def _hand_over(run_id: int) -> None:
    from django_tasks_db.backend import DatabaseBackend

    from kith.volunteers.tasks import import_run

    if isinstance(import_run.get_backend(), DatabaseBackend):
        # In this transaction: the run and its task commit together (its own queue, so the
        # sends never wait behind it; a due time all the same, as the outbox's tasks have).
        import_run.using(run_after=timezone.now()).enqueue(run_id)
    else:
        transaction.on_commit(lambda: import_run.enqueue(run_id))


def perform(run_id: int) -> str:
    """Do the run (the worker's task). Returns its final state."""
    claimed = ImportRun.objects.filter(pk=run_id, state=ImportRun.State.QUEUED).update(
        state=ImportRun.State.RUNNING, touched_at=timezone.now())
    run = ImportRun.objects.select_related("group", "started_by").filter(pk=run_id).first()
    if run is None or not claimed:
        return run.state if run is not None else "missing"  # done already, or deleted
    try:
        outcome = import_volunteers(
            _opened(run), group=run.group, source=run.source, mapping=run.mapping or None,
            duplicates=run.duplicates, commit=True, good_rows_only=run.good_rows_only,
            acting_user=run.started_by, hint=EXTENSIONS.get(run.suffix),
            write_progress=lambda done, total: _count_batch(run_id, done, total))
    except ImportStopped as exc:
        return _end(run_id, ImportRun.State.FAILED, error=str(exc),
                    counts={"new": exc.saved.new, "merged": exc.saved.merged,
                            "emailed": len(exc.saved.recipients)})
    except (ImportRefused, UnreadableFile) as exc:
        return _end(run_id, ImportRun.State.FAILED, error=str(exc))
    except Exception:
        logger.exception("volunteer import %s failed", run_id)
        return _end(run_id, ImportRun.State.FAILED, error=gettext(
            "Something went wrong in Kith while importing. Every batch counted below was saved "
            "whole and its people will be asked to confirm; the rest were not. Import the file "
            "again: people already saved are found and not added twice."))
    counts = {**outcome.plan.report.counts(good_rows_only=run.good_rows_only),
              "emailed": outcome.emailed}
    return _end(run_id, ImportRun.State.DONE, counts=counts)


def _opened(run: ImportRun) -> bytes:
    """The file's bytes. Not through privacy.reveal(): nobody is shown it; it is read as
    `kith import volunteers` reads a file, and cleared when the run ends."""
    if run.upload is None:
        raise ImportRefused(gettext("The uploaded file is no longer kept: upload it again."))
    return crypto.fernet().decrypt(run.upload.token.encode())


def _count_batch(run_id: int, done: int, total: int) -> None:
    """One batch has committed: count it in for the progress page (after its transaction)."""
    ImportRun.objects.filter(pk=run_id).update(
        batches_done=F("batches_done") + 1, batches_total=math.ceil(total / ROWS_PER_COMMIT),
        rows_written=done, rows_to_write=total, touched_at=timezone.now())


def settle_stale(runs, now=None) -> int:
    """End the runs among `runs` whose worker died mid-import: "importing", and no batch has
    committed for `STALE`. Nothing retries them (a second run is the coordinator's choice, and
    finds the people already saved), so they say so, and the same file may be imported again."""
    cutoff = (now or timezone.now()) - STALE
    stale = runs.filter(state=ImportRun.State.RUNNING, touched_at__lt=cutoff)
    ended = 0
    for run in stale.only("pk", "batches_done"):
        ended += ImportRun.objects.filter(pk=run.pk, state=ImportRun.State.RUNNING).update(
            state=ImportRun.State.FAILED, upload=None, finished_at=timezone.now(), error=gettext(
                "Kith's worker stopped while importing this file. Every batch counted below was "
                "saved whole and its people will be asked to confirm; the rest were not. Import "
                "the file again: people already saved are found and not added twice."))
    return ended


def _end(run_id: int, state: str, *, error: str = "", counts: dict | None = None) -> str:
    """The run's end, whatever it is: the sealed file goes with it."""
    ImportRun.objects.filter(pk=run_id).update(
        state=state, error=error, counts=counts or {}, upload=None, finished_at=timezone.now())
    return state


def summary(counts: dict) -> str:
    """What a finished import did, in one paragraph for the coordinator."""
    parts = [ngettext("Imported %(count)s new volunteer", "Imported %(count)s new volunteers",
                      counts.get("new", 0)) % {"count": counts.get("new", 0)}]
    if counts.get("merged"):
        parts.append(gettext("%(count)s already on Kith merged") % {"count": counts["merged"]})
    if counts.get("skipped"):
        parts.append(gettext("%(count)s already on Kith skipped") % {"count": counts["skipped"]})
    if counts.get("left_out"):
        parts.append(gettext("%(count)s rows with errors left out") % {"count": counts["left_out"]})
    if counts.get("declined"):
        parts.append(ngettext(
            "%(count)s row that said no to keeping their details left out",
            "%(count)s rows that said no to keeping their details left out",
            counts["declined"]) % {"count": counts["declined"]})
    emailed = counts.get("emailed", 0)
    text = ", ".join(parts) + ". " + ngettext(
        "%(count)s person was emailed to confirm their details; nobody is asked to help until "
        "they do.",
        "%(count)s people were emailed to confirm their details; nobody is asked to help until "
        "they do.", emailed) % {"count": emailed}
    if counts.get("wait_for_call"):
        text += " " + ngettext(
            "%(count)s with a phone number only is marked “No email yet” on the list, for you to "
            "ring.",
            "%(count)s with a phone number only are marked “No email yet” on the list, for you to "
            "ring.", counts["wait_for_call"]) % {"count": counts["wait_for_call"]}
    return text + " " + gettext("The uploaded file has been deleted.")
