"""The volunteer import's one task: do a committed import (importing/runs.py says why).

On its own queue ("imports"), which `kith worker` runs in a second thread: an import of 10,000
rows takes its worker a minute, and sign-in codes and offers must not wait behind it. The
import queues its re-consent emails batch by batch, and the sending thread sends them."""

from __future__ import annotations

from django_tasks import task


@task(queue_name="imports")
def import_run(run_id: int) -> str:
    from kith.volunteers.importing.runs import perform

    return perform(run_id)
