"""Benchmark of finding who texts or calls the group's number: `python -m bench.relay
[--holders 100,1000,3000] [--repeat 20] [--json]`.

`relay.volunteer_at()` finds the caller by `Person.phone_digest` among everyone holding a task
(or who ended one lately). Every inbound text and call pays that. This measures it, on a fresh
database in a throwaway var/ (SQLite unless DATABASE_URL names a PostgreSQL one), for a number
that matches nobody, and the whole of `replies.receive()` for such a text (the help answer, queued), each
against a baseline in the same process: the same receive() with nobody holding a task.

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
from datetime import timedelta

from bench.volunteer_import import _setup

STRANGER = "+447911000099"  # a valid UK mobile that matches nobody


def _holders(n: int, start: int) -> None:
    """n volunteers with a phone, each holding one task for a resident of their own."""
    from django.utils import timezone

    from kith.accounts.models import Person
    from kith.core.digest import phone_digest
    from kith.groups.models import Group
    from kith.requests import lifecycle
    from kith.requests.models import Assignment, HelpRequest
    from kith.residents.models import Resident

    group = Group.objects.get_or_create(name="Bench Road Neighbours", slug="bench-road",
                                        kind="street")[0]
    span = range(start, start + n)
    people = Person.objects.bulk_create([
        Person(email=f"v{i}@example.org", display_name=f"Volunteer {i}", phone=f"+4479112{i:05d}",
               phone_digest=phone_digest(f"+4479112{i:05d}"))  # bulk_create skips save()
        for i in span])
    if people and people[0].pk is None:
        people = list(Person.objects.filter(email__in=[f"v{i}@example.org" for i in span]))
    residents = Resident.objects.bulk_create([
        Resident(group=group, name=f"Resident {i}", phone=f"+4479113{i:05d}") for i in span])
    if residents and residents[0].pk is None:
        residents = list(Resident.objects.filter(name__startswith="Resident ").order_by("pk"))[-n:]
    requests = HelpRequest.objects.bulk_create([
        HelpRequest(group=group, resident=r, reference=f"B{i:05d}", service="shopping",
                    channel="phone", state=lifecycle.ASSIGNED) for i, r in zip(span, residents, strict=True)])
    if requests and requests[0].pk is None:
        requests = list(HelpRequest.objects.filter(reference__in=[f"B{i:05d}" for i in span]))
    due = timezone.now() + timedelta(days=1)
    Assignment.objects.bulk_create([Assignment(request=q, volunteer=p, due_by=due)
                                    for q, p in zip(requests, people, strict=True)])


def _time(fn, repeat: int) -> float:
    """Median seconds of `repeat` calls (after one to warm up)."""
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _receive_once():
    from itertools import count

    from kith.messaging import replies

    ids = count()

    def call() -> None:
        done = replies.receive(f"SMbench{next(ids)}-{time.monotonic_ns()}", STRANGER,
                               "what is this?")
        assert done == "helped", done
    return call


def run(holders: list[int], repeat: int = 20) -> dict:
    var_dir = tempfile.mkdtemp(prefix="kith-bench-relay-")
    try:
        _setup(var_dir)
        from django.db import connection

        from kith.messaging import relay

        receive = _receive_once()
        baseline = _time(receive, repeat)
        rows, made = [], 0
        for n in sorted(holders):
            _holders(n - made, made)
            made = n
            assert relay.volunteer_at("+447911200001") is not None
            find = _time(lambda: relay.volunteer_at(STRANGER), repeat)
            whole = _time(receive, repeat)
            rows.append({"holders": n, "volunteer_at_ms": round(find * 1000, 2),
                         "receive_ms": round(whole * 1000, 2),
                         "receive_vs_baseline": round(whole / baseline, 2)})
        return {"database": connection.vendor, "repeat": repeat,
                "baseline_receive_ms": round(baseline * 1000, 2), "rows": rows}
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def format_report(r: dict) -> str:
    lines = [f"Relay: finding the sender among task holders, {r['database']}, median of "
             f"{r['repeat']}:",
             f"  baseline  receive() of a stranger's text, nobody holding a task: "
             f"{r['baseline_receive_ms']} ms"]
    for row in r["rows"]:
        lines.append(f"  {row['holders']:>6,} holders: volunteer_at {row['volunteer_at_ms']} ms, "
                     f"receive() {row['receive_ms']} ms (x{row['receive_vs_baseline']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holders", default="100,1000,3000",
                        help="volunteers holding a task, comma-separated")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    os.environ.setdefault("KITH_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
    results = run([int(n) for n in args.holders.split(",")], args.repeat)
    print(json.dumps(results, indent=2) if args.json else format_report(results))


if __name__ == "__main__":
    main()
