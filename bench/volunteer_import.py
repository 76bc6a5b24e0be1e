"""Benchmark of the volunteer import: `python -m bench.volunteer_import [--rows 50000] [--json]`.

Makes a seeded, messy Google Forms export (a BOM, long question headers, a timestamp column,
quoted newlines, blank rows, phone numbers in every format, people twice in the file and people
already on Kith, unknown services, availability nobody could read for certain, bad emails and
postcodes), then times, on a fresh database in a throwaway var/ (SQLite unless DATABASE_URL is
set):

- the dry run: reading, mapping, checking every row, matching against existing people;
- the commit: the same checks again, then the writes in batches (each batch its own short
  transaction, with a pause between them on SQLite so other writers get in), and the re-consent
  emails queued in the outbox inside those batches (sending them is bench/outbox.py's).

The target is under a minute each for 50,000 rows. Tests never time anything; this does.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

SERVICES_TEXT = ["Shopping", "Collecting prescriptions", "Dog walking",
                 "Friendly phone calls and check-ins", "Posting letters and parcels", "Hot meals",
                 "Driving and lifts to appointments", "shopping & prescription runs", "befriending",
                 "food bank", "admin", "errands"]
UNKNOWN_SERVICES = ["Gardening", "DIY", "Knitting", "IT help", "Sewing masks"]
AVAILABILITY = ["weekday evenings", "weekends only", "mornings", "Mon/Wed pm", "any time",
                "Weekdays after 6pm & Saturday mornings", "Tues & Thurs after 5", "evenings",
                "Sat/Sun", "Mon-Fri 9-5", "10am - 2pm Tuesdays", "anytime", "lunchtimes"]
UNCLEAR = ["after work?", "2 evenings a week", "depends on shifts", "not sure yet"]
LANGUAGES = ["English", "English, Polish", "Bengali, Sylheti", "Arabic", "Spanish & Portuguese",
             "", "", "english only"]
TRANSPORT = ["Car", "On foot", "Bike", "Bus or train", "walk", "I drive", ""]
RADIUS = ["1", "2", "3 miles", "5km", "half a mile", "", "walking distance"]
CAP = ["1", "2", "3", "2-3", "twice", "", "lots"]
DISTRICTS = ["W10", "W11", "W2", "SW3", "SW10", "NW1", "W9", "W12"]
INWARD = "ABDEFGHJLNPQRSTUWXYZ"
FIRST = ["Amara", "Ben", "Chidi", "Dev", "Elena", "Fatima", "Grzegorz", "Hamza", "Ivy", "Jamal",
         "Kasia", "Leo", "Mo", "Nell", "Olu", "Priya", "Rosa", "Sam", "Tom", "Zoë", "Siobhán"]
LAST = ["Okafor", "Carter", "Eze", "Patel", "Rossi", "Hassan", "Nowak", "Ali", "Chen", "Brown",
        "Smith", "Farah", "Kelly", "Martin", "Diaz", "Shah", "Brennan", "Adeyemi"]
HEADERS = ["Timestamp", "Email address", "What's your full name?", "Phone number (mobile is best)",
           "Your postcode (we only use it to find neighbours near you)",
           "Which of these could you help with? (tick all that apply)",
           "When are you usually free?", "Which languages do you speak?", "How do you get around?",
           "How far are you happy to travel?", "Roughly how many tasks a week could you take on?",
           "Anything else we should know?", "I agree to the group keeping my details"]


def phone_in_some_format(rng: random.Random, n: int) -> str:
    digits = f"7911{n % 1_000_000:06d}"
    style = rng.randrange(9)
    return [f"0{digits[:4]} {digits[4:]}", f"+44 {digits[:4]} {digits[4:]}", f"0{digits}",
            f"+44 (0){digits[:4]} {digits[4:]}", f"44{digits}", digits,
            f"0{digits[:4]}-{digits[4:7]}-{digits[7:]}", f"0044 {digits}", f"Mobile: 0{digits}"][style]


def make_csv(rows: int, seed: int, existing_emails: list[str], existing_phones: list[str]) -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    previous: list[list[str]] = []
    for i in range(rows):
        roll = rng.random()
        if roll < 0.01:
            writer.writerow([""] * len(HEADERS))  # a blank row (extra, as in real exports)
        if previous and roll < 0.03:  # the same person again, later
            row = list(rng.choice(previous[-500:]))
            row[1] = row[1].upper()
            writer.writerow(row)
            continue
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        email = f"volunteer{i}@example.org"
        phone = phone_in_some_format(rng, 100_000 + i)
        if roll < 0.05 and existing_emails:
            email = rng.choice(existing_emails)
        elif roll < 0.06 and existing_phones:
            phone = rng.choice(existing_phones)
        elif roll < 0.07:
            email = email.replace("@example.org", "@gmail.con")
        postcode = f"{rng.choice(DISTRICTS)} {rng.randrange(1, 10)}{rng.choice(INWARD)}{rng.choice(INWARD)}"
        if rng.random() < 0.01:
            postcode = postcode.replace("0", "O", 1) if "0" in postcode else "London"
        services = ", ".join(rng.sample(SERVICES_TEXT, rng.randrange(1, 4)))
        if rng.random() < 0.02:
            services += ", " + rng.choice(UNKNOWN_SERVICES)
        when = rng.choice(UNCLEAR) if rng.random() < 0.05 else rng.choice(AVAILABILITY)
        notes = "Happy to help.\nCall after 6." if rng.random() < 0.05 else ""
        row = [f"{rng.randrange(1, 29):02d}/03/2020 {rng.randrange(24):02d}:{rng.randrange(60):02d}:00",
               email, name, phone, postcode, services, when, rng.choice(LANGUAGES),
               rng.choice(TRANSPORT), rng.choice(RADIUS), rng.choice(CAP), notes, "Yes"]
        writer.writerow(row)
        previous.append(row)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _setup(var_dir: str) -> None:
    os.environ["KITH_VAR_DIR"] = var_dir
    os.environ.setdefault("SECRET_KEY", "bench-not-secret")
    # The postcode index checks imported postcodes: built once into the checkout's var/, not
    # again into each run's throwaway folder.
    os.environ.setdefault("KITH_PLACES_CACHE", str(Path(__file__).resolve().parents[1] / "var"
                                                   / "places"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "kith.settings"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _existing_people(group, n: int, seed: int) -> tuple[list[str], list[str]]:
    """People already on Kith (half of them with a phone), some of them in the group."""
    from allauth.account.models import EmailAddress

    from kith.accounts.models import Person
    from kith.groups.models import Membership

    rng = random.Random(seed + 1)
    people = []
    for i in range(n):
        person = Person(email=f"existing{i}@example.org", display_name=f"Existing {i}",
                        phone=f"+4479112{i:05d}" if i % 2 else None)
        person.set_unusable_password()
        people.append(person)
    Person.objects.bulk_create(people, batch_size=500)
    EmailAddress.objects.bulk_create([EmailAddress(user=p, email=p.email, primary=True) for p in people],
                                     batch_size=500)
    Membership.objects.bulk_create([Membership(person=p, group=group, is_volunteer=True)
                                    for p in people if rng.random() < 0.3], batch_size=500)
    emails = [p.email for p in people]
    phones = [f"07911 2{i:05d}" for i in range(n) if i % 2]
    return emails, phones


def run(rows: int = 50_000, seed: int = 7, existing: int = 2_000, keep: bool = False) -> dict:
    var_dir = tempfile.mkdtemp(prefix="kith-bench-import-")
    try:
        _setup(var_dir)
        from django.db import connection

        from kith.accounts.models import Person
        from kith.groups.models import Group
        from kith.volunteers.importing import adapter

        adapter.postcode_placed()  # loaded once a process, as a server has it: not timed
        group = Group.objects.create(name="Bench Road Neighbours", slug="bench-road", kind="street")
        emails, phones = _existing_people(group, existing, seed)
        data = make_csv(rows, seed, emails, phones)

        # Baseline, same process and file: the standard library just splitting the CSV.
        started = time.perf_counter()
        baseline_rows = sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        baseline_s = time.perf_counter() - started

        started = time.perf_counter()
        dry = adapter.import_volunteers(data, group=group, source="google_forms")
        dry_s = time.perf_counter() - started
        report = dry.plan.report

        started = time.perf_counter()
        done = adapter.import_volunteers(data, group=group, source="google_forms", commit=True,
                                         good_rows_only=True, duplicates="merge")
        commit_s = time.perf_counter() - started
        from kith.messaging.models import Message
        return {
            "rows": report.rows, "bytes": len(data), "blank_rows": report.blank_rows,
            "existing_people": existing, "new": report.new, "matched": report.matched,
            "merged": done.plan.report.will_merge, "skipped": done.plan.report.will_skip,
            "error_rows": report.error_rows, "warning_rows": report.warning_rows,
            "problems": len(report.problems),
            "dry_run_s": round(dry_s, 2), "commit_s": round(commit_s, 2),
            "baseline_csv_parse_s": round(baseline_s, 3), "baseline_rows": baseline_rows,
            "dry_run_vs_baseline": round(dry_s / baseline_s, 1),
            "commit_vs_baseline": round(commit_s / baseline_s, 1),
            "of_which_checks_s": round(done.timings["check_s"], 2),
            "of_which_writes_s": round(done.timings["write_s"], 2),
            "batches": done.saved.batches, "longest_batch_s": round(done.saved.longest_s, 3),
            "stepped_back_s": round(done.saved.stepped_back_s, 2),
            "emails": Message.objects.count(),
            "people_after": Person.objects.count(),
            "committed": done.committed, "target_s": 60,
            "database": connection.vendor,
            "var_dir": var_dir if keep else None,
        }
    finally:
        if not keep:
            shutil.rmtree(var_dir, ignore_errors=True)


def format_report(r: dict) -> str:
    ok = "under" if max(r["dry_run_s"], r["commit_s"]) < r["target_s"] else "OVER"
    return "\n".join([
        f"Volunteer import, {r['rows']:,} rows ({r['bytes'] / 1e6:.1f} MB, {r['blank_rows']} blank), "
        f"{r['existing_people']:,} people already on Kith, {r['database']}:",
        f"  baseline  {r['baseline_csv_parse_s']:6.2f} s  (csv.reader alone over the same file)",
        f"  dry run   {r['dry_run_s']:6.2f} s  ({r['rows'] / r['dry_run_s']:,.0f} rows/s, "
        f"x{r['dry_run_vs_baseline']} the baseline)",
        f"  commit    {r['commit_s']:6.2f} s  (checks again {r['of_which_checks_s']:.2f} s, writes "
        f"{r['of_which_writes_s']:.2f} s in {r['batches']} transactions, the longest "
        f"{r['longest_batch_s']:.2f} s, {r['stepped_back_s']:.2f} s of it leaving the lock to "
        f"others, {r['emails']:,} emails queued in them; x{r['commit_vs_baseline']} the baseline)",
        f"  {r['new']:,} new, {r['matched']:,} already on Kith ({r['merged']:,} merged by email, "
        f"{r['skipped']:,} skipped: phone only), {r['error_rows']:,} rows "
        f"with errors left out, {r['warning_rows']:,} with warnings; {r['problems']:,} problems reported",
        f"  target: {ok} {r['target_s']} s each",
    ])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--existing", type=int, default=2_000, help="people already on Kith")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway var/ directory")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    results = run(args.rows, args.seed, args.existing, args.keep)
    print(json.dumps(results, indent=2) if args.json else format_report(results))


if __name__ == "__main__":
    main()
