"""The volunteer import's one task: do a committed import (importing/runs.py says why).

On the default queue, which `kith worker` runs beside the outbox's sends: the import queues its
re-consent emails batch by batch, and the same worker (or another) sends them."""

from __future__ import annotations

from django_tasks import task


@task()
def import_run(run_id: int) -> str:
    from kith.volunteers.importing.runs import perform

    return perform(run_id)
