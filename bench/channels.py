"""Benchmark of the routing point: `python -m bench.channels [--people 600] [--json]`.

`messaging.channels.send()` looks up each person's choice, whether their number answered STOP
and, for texts, the group's quiet hours, before queueing. This times it for `--people`
volunteers (a third each choosing email, text and WhatsApp) against a baseline in the same
process: queueing the same people the same email straight through the outbox, which is what
`send_later` did before there were channels; then everyone by email through the routing, which
is the routing's own cost. Tests never time anything; this does.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time

from bench.volunteer_import import _setup

TEMPLATE = "requests/email/reminder.txt"


def _people(n: int):
    from kith.accounts.models import Person
    from kith.groups.models import Group
    from kith.messaging.models import ContactPreference

    group = Group.objects.create(name="Bench Road Neighbours", slug="bench-road", kind="street")
    people = [Person(email=f"v{i}@example.org", display_name=f"Volunteer {i}",
                     phone=f"+4479111{i:05d}") for i in range(n)]
    for person in people:
        person.save()
    ways = ["email", "sms", "whatsapp"]
    ContactPreference.objects.bulk_create(
        [ContactPreference(person=p, channel=ways[i % 3]) for i, p in enumerate(people)])
    return group, people


def _context(group):
    from types import SimpleNamespace

    req = SimpleNamespace(group=group, get_service_display=lambda: "Shopping",
                          resident=SimpleNamespace(name="Mrs A"))
    return {"req": req, "assignment": SimpleNamespace(volunteer=None, due_by=None),
            "link": "http://127.0.0.1/volunteer/tasks/ABC-123/"}


def _timed(fn) -> float:
    from django.db import transaction

    from kith.messaging.models import Message

    started = time.perf_counter()
    with transaction.atomic():
        fn()
    took = time.perf_counter() - started
    Message.objects.all().delete()
    return took


def run(n: int = 600, rounds: int = 3) -> dict:
    var_dir = tempfile.mkdtemp(prefix="kith-bench-channels-")
    os.environ["KITH_TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"
    try:
        _setup(var_dir)
        from django.db import connection

        from kith.core.mail import send_templated
        from kith.messaging import channels

        group, people = _people(n)
        context = _context(group)

        def before():
            for p in people:
                send_templated(to=p.email, subject="Reminder", template=TEMPLATE,
                               context=context, person=p, group=group)

        def routed():
            channels.send(people, subject="Reminder", template=TEMPLATE, context=context,
                          group=group)

        _timed(before), _timed(routed)  # warm up: templates, URLs, the task backend
        baseline = min(_timed(before) for _ in range(rounds))
        routing = min(_timed(routed) for _ in range(rounds))
        from kith.messaging.models import ContactPreference

        ContactPreference.objects.all().delete()  # everyone by email: the routing's own cost
        all_email = min(_timed(routed) for _ in range(rounds))
        return {"people": n, "database": connection.vendor, "email_only_s": round(baseline, 3),
                "routed_s": round(routing, 3), "routed_vs_email_only": round(routing / baseline, 2),
                "per_person_ms": round(routing / n * 1000, 2),
                "routed_all_email_s": round(all_email, 3),
                "routing_overhead": round(all_email / baseline, 2)}
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def format_report(r: dict) -> str:
    return (f"Routing {r['people']} people (a third each email, text, WhatsApp), {r['database']}:\n"
            f"  all by email straight to the outbox {r['email_only_s']:.3f} s; routed by channel "
            f"{r['routed_s']:.3f} s (x{r['routed_vs_email_only']}, {r['per_person_ms']} ms a person)\n"
            f"  everyone by email, routed: {r['routed_all_email_s']:.3f} s "
            f"(x{r['routing_overhead']} the direct path: the routing's own cost)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=600)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    results = run(args.people)
    print(json.dumps(results, indent=2) if args.json else format_report(results))


if __name__ == "__main__":
    main()
