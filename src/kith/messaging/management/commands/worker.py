"""`kith worker`: sends the outbox. Runs django-tasks-db's worker after handing on whatever a
dead worker left (outbox.recover()), and keeps doing that every --recover-every seconds.

The sends ("default" queue) run in the main thread; volunteer imports ("imports", a minute for
10,000 rows) in a second one, so a sign-in code or an offer never waits behind an import."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, connection

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Send queued email and text messages (the outbox). Run one or more beside the site."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true",
                            help="Send what is queued now, then stop (tests, cron).")
        parser.add_argument("--max-tasks", type=int, default=None,
                            help="Stop after this many tasks (each is up to 50 messages).")
        parser.add_argument("--interval", type=float, default=1.0,
                            help="Seconds to wait when the queue is empty.")
        parser.add_argument("--claim-timeout", type=float, default=None,
                            help="Seconds after which a message left 'being sent' is sent again "
                                 "under its key (default KITH_OUTBOX_CLAIM_TIMEOUT).")
        parser.add_argument("--recover-every", type=float, default=60.0,
                            help="Seconds between looks for messages a dead worker left.")

    def handle(self, *args, batch, max_tasks, interval, claim_timeout, recover_every, **options):
        from kith.messaging.outbox import recover

        timeout = timedelta(seconds=claim_timeout) if claim_timeout is not None else None
        found = recover(claim_timeout=timeout)
        if found and options["verbosity"]:
            self.stdout.write(f"Handed on {found} messages left by an earlier worker.")
        if batch:  # an import queues mail: run it first, then send everything
            run_queue("imports", batch=True, max_tasks=max_tasks, interval=interval,
                       timeout=timeout)
        else:
            _keep_recovering(recover_every, timeout)
            threading.Thread(target=run_queue, args=("imports",), daemon=True, name="imports",
                             kwargs={"batch": False, "max_tasks": None, "interval": interval,
                                     "timeout": timeout}).start()
        run_queue("default", batch=batch, max_tasks=max_tasks, interval=interval,
                   timeout=timeout, signals=True)


def run_queue(queue: str, *, batch: bool, max_tasks: int | None, interval: float, timeout,
               signals: bool = False) -> None:
    from kith.messaging.outbox import recover

    try:
        while True:
            try:
                _worker(queue, batch=batch, max_tasks=max_tasks, interval=interval,
                        signals=signals).run()
                return
            except (OperationalError, InterfaceError):
                # The database went away (restarted, or our connection was ended): drop the
                # connection, wait a moment and carry on. A message caught mid-send is found
                # again by recover() under its key.
                logger.warning("the database connection was lost; the worker carries on")
                connection.close()
                time.sleep(min(interval, 1.0))
                if batch:
                    recover(claim_timeout=timeout)
    finally:
        if threading.current_thread() is not threading.main_thread():
            connection.close()  # the imports thread's own connection


def _worker(queue: str, *, batch: bool, max_tasks: int | None, interval: float, signals: bool):
    from django.utils.crypto import get_random_string
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(queue_names=[queue], interval=interval, batch=batch,
                    backend_name="default", startup_delay=False, max_tasks=max_tasks,
                    worker_id=get_random_string(32), excluded_queue_names=[])
    if signals:  # only the main thread may set them; the imports thread ends with the process
        worker.configure_signals()
    return worker


def _keep_recovering(every: float, timeout) -> None:
    from kith.messaging.outbox import recover

    def loop() -> None:
        stop = threading.Event()
        while not stop.wait(every):
            try:
                recover(claim_timeout=timeout)
            except Exception:  # noqa: BLE001 - the database went away; the next look retries
                connection.close()

    threading.Thread(target=loop, daemon=True, name="outbox-recover").start()
