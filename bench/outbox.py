"""Benchmark of the outbox: `python -m bench.outbox [--messages 10000] [--workers 1] [--json]`.

On a fresh database in a throwaway var/ (SQLite unless DATABASE_URL names a PostgreSQL one):

1. Queue: one import's worth of re-consent emails (`queue_reconsent`, as the import calls it
   in its batches) in one transaction, timed against a baseline in the same process (rendering
   the same emails alone, the part no outbox can skip). The import's job queues them, 1,000 a
   batch, in the worker; the page itself only hands the job over (bench/import_page.py times
   that against its 2 s).
2. Send: as many text messages queued, then real `kith worker` processes send them through
   twilio's client to the stand-in provider on 127.0.0.1 (tests/messaging/standin.py):
   messages per second, and the wait in the queue (queued -> sent) at p50 and p95.

Tests never time anything; this does.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time

from bench.volunteer_import import _setup


def _percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def _queue(n: int) -> dict:
    from django.db import transaction
    from django.template.loader import render_to_string

    from kith.accounts.models import Person
    from kith.groups.models import Group
    from kith.messaging.models import Message
    from kith.volunteers.importing.adapter import RECONSENT_TEMPLATE, queue_reconsent

    group = Group.objects.create(name="Bench Road Neighbours", slug="bench-road", kind="street")
    people = [Person(email=f"v{i}@example.org", display_name=f"Volunteer {i}") for i in range(n)]
    Person.objects.bulk_create(people, batch_size=1000)
    recipients = [(p.email, p.display_name) for p in people]
    # Warm up as a running server is: URLs, templates and the task backend loaded once.
    with transaction.atomic():
        queue_reconsent(group, recipients[:1])
    Message.objects.all().delete()
    context = {"group_name": group.name, "url": "http://127.0.0.1/volunteer/",
               "sign_in_url": "http://127.0.0.1/accounts/login/"}
    started = time.perf_counter()
    for _email, name in recipients:
        render_to_string(RECONSENT_TEMPLATE, {**context, "name": name})
    baseline_s = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():
        queued = queue_reconsent(group, recipients)
    queue_s = time.perf_counter() - started
    assert queued == n == Message.objects.count()
    Message.objects.all().delete()  # the send part measures texts through the stand-in
    return {"queued": queued, "queue_s": round(queue_s, 3), "render_baseline_s": round(baseline_s, 3),
            "queue_vs_baseline": round(queue_s / baseline_s, 2), "group": group}


def _send(n: int, workers: int, group) -> dict:
    from django.db import connection, transaction
    from tests.messaging import workers as worker_processes
    from tests.messaging.standin import StandIn

    from kith.messaging import outbox
    from kith.messaging.models import Message

    standin = StandIn().start()
    with transaction.atomic():
        outbox.queue_texts([outbox.Text(to=f"+4479111{i:05d}", body=f"Bench text {i}", group=group)
                            for i in range(n)])
    env = worker_processes.environment(
        KITH_SMS_BACKEND="twilio", TWILIO_ACCOUNT_SID="AC" + "1" * 32, TWILIO_AUTH_TOKEN="bench",
        TWILIO_FROM_NUMBER="+447700900001", TWILIO_API_BASE=standin.url, KITH_OUTBOX_STALE="300")
    connection.close()
    started = time.perf_counter()
    processes = [worker_processes.start(env) for _ in range(workers)]
    try:
        done = worker_processes.wait_until(
            lambda: not Message.objects.exclude(state=Message.State.SENT).exists(),
            timeout=max(120.0, n / 20), every=0.25)
        elapsed = time.perf_counter() - started
    finally:
        logs = [worker_processes.stop(process) for process in processes]
        standin.stop()
    if not done:
        print("Not all sent. The workers said:\n" + "\n".join(log[-1500:] for log in logs))
    sent_rows = Message.objects.exclude(sent_at=None)
    waits = [(sent - created).total_seconds()
             for created, sent in sent_rows.values_list("created_at", "sent_at")]
    first = min(sent_rows.values_list("sent_at", flat=True))
    last = max(sent_rows.values_list("sent_at", flat=True))
    sending_s = (last - first).total_seconds() or elapsed
    return {"sent": len(standin.delivered), "all_sent": done, "workers": workers,
            "wall_s": round(elapsed, 1), "per_second": round(len(waits) / sending_s, 1),
            "wait_p50_s": round(statistics.median(waits), 1),
            "wait_p95_s": round(_percentile(waits, 95), 1),
            "duplicates": len(standin.delivered) - len({d["key"] for d in standin.delivered})}


def run(messages: int = 10_000, workers: int = 1, send: int | None = None) -> dict:
    var_dir = tempfile.mkdtemp(prefix="kith-bench-outbox-")
    os.environ["KITH_TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"
    # No quiet hours: this measures sending, and run in the evening every text would wait.
    os.environ["KITH_QUIET_HOURS"] = ""
    try:
        _setup(var_dir)
        from django.db import connection

        # Keys and digests: the worker processes read the same var/ files as this one.
        queued = _queue(messages)
        group = queued.pop("group")
        sent = _send(send or messages, workers, group)
        return {"messages": messages, "texts": send or messages, "database": connection.vendor,
                **queued, **sent}
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def format_report(r: dict) -> str:
    return "\n".join([
        f"Outbox, {r['messages']:,} messages, {r['database']}:",
        f"  queue   {r['queue_s']:6.2f} s for one import's re-consent emails (rendering them alone "
        f"{r['render_baseline_s']:.2f} s: x{r['queue_vs_baseline']}), in the import's job, not "
        f"the page: {r['queue_s'] * 1000 / r['messages']:.2f} s a batch of 1,000",
        f"  send    {r['texts']:,} texts: {r['per_second']:,.0f}/s through twilio's client to the stand-in, "
        f"{r['workers']} worker(s), {r['wall_s']} s in all (start-up included)",
        f"  wait    p50 {r['wait_p50_s']} s, p95 {r['wait_p95_s']} s from queued to sent",
        f"  sent    {r['sent']:,} ({r['duplicates']} twice); all sent: {r['all_sent']}",
    ])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--send", type=int, default=None,
                        help="texts to send through the stand-in (default: as many as --messages)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    results = run(args.messages, args.workers, args.send)
    print(json.dumps(results, indent=2) if args.json else format_report(results))


if __name__ == "__main__":
    main()
