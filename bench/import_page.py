"""Benchmark of the import page: `python -m bench.import_page [--rows 10000] [--json]`.

Issue 13: "10,000 messages queued by one import: the page returns in under 2 s". On a fresh
database in a throwaway var/ (SQLite unless DATABASE_URL names a PostgreSQL one), with the
database task backend a live site has, a coordinator walks the web import through Django's test
client: uploads a 10,000-row export (each row a new volunteer with an email, so 10,000 re-consent
emails), looks at the check page, then presses Import. Timed:

- the Import POST (the page hands the run to the worker and redirects), against a baseline in
  the same process: a plain GET of the import's first page;
- the job the POST handed over, run by `kith worker` in this process: the import in batches and
  its 10,000 re-consent emails queued, batch by batch (sending them is bench/outbox.py's).

Tests never time anything; this does.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import statistics
import tempfile
import time

from bench.volunteer_import import _setup

HEADERS = ["Timestamp", "Email address", "What's your full name?", "Phone number (mobile is best)",
           "Which of these could you help with? (tick all that apply)",
           "I agree to the group keeping my details"]
TARGET_S = 2.0


def make_csv(rows: int) -> bytes:
    """New volunteers only, each with an email: one re-consent email a row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for i in range(rows):
        writer.writerow([f"2026/03/{1 + i % 28:02d} 10:00:00", f"new.volunteer{i}@example.org",
                         f"Volunteer {i}", f"07911 {i % 1_000_000:06d}", "Shopping", "Yes"])
    return out.getvalue().encode()


def _timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def _coordinator():
    from kith.accounts.models import Person
    from kith.groups.models import Group, Membership

    group = Group.objects.create(name="Bench Road Neighbours", slug="bench-road", kind="street")
    person = Person.objects.create_user("coordinator@example.org", display_name="Priya Bench")
    Membership.objects.create(person=person, group=group, is_coordinator=True)
    return group, person


def run(rows: int = 10_000) -> dict:
    var_dir = tempfile.mkdtemp(prefix="kith-bench-import-page-")
    os.environ["KITH_TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"
    os.environ["KITH_SECURE"] = "0"  # the test client speaks plain HTTP to 127.0.0.1
    os.makedirs(os.path.join(var_dir, "static"))
    try:
        _setup(var_dir)
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client, override_settings
        from django.urls import reverse

        from kith.accounts.models import Person
        from kith.messaging.models import Message
        from kith.volunteers.importing import adapter
        from kith.volunteers.models import ImportRun

        # Static files unhashed: pages render without `collectstatic` having run in var/.
        override_settings(STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }).enable()
        adapter.postcode_placed()  # loaded once a process, as a server has it: not timed
        group, coordinator = _coordinator()
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(coordinator)

        def url(name: str) -> str:
            return reverse(f"volunteers_import:{name}", args=[group.slug])

        data = make_csv(rows)
        client.get(url("upload"))  # warm up: templates, URLs, middleware
        baseline = [_timed(lambda: client.get(url("upload")))[0] for _ in range(7)]
        baseline_s = statistics.median(baseline)
        upload_s, _ = _timed(lambda: client.post(url("upload"), {
            "file": SimpleUploadedFile("responses.csv", data), "source": "google_forms"}))
        check_s, check = _timed(lambda: client.get(url("check")))
        assert check.status_code == 200
        people_before = Person.objects.count()

        post_s, response = _timed(lambda: client.post(url("commit"), {"duplicates": "skip",
                                                                      "good_rows_only": "on"}))
        import_run = ImportRun.objects.get()
        assert response.status_code == 302 and response.url.endswith(f"/runs/{import_run.pk}/")
        assert Person.objects.count() == people_before  # nothing imported by the page
        page_s, page = _timed(lambda: client.get(response.url))
        assert b"Waiting for the worker" in page.content

        # The worker takes the import (the only task waiting) and nothing more.
        job_s, _ = _timed(lambda: call_command("worker", batch=True, max_tasks=1, verbosity=0))
        import_run.refresh_from_db()
        queued = Message.objects.filter(state=Message.State.QUEUED).count()
        done_page = client.get(response.url).content.decode()
        return {
            "rows": import_run.counts.get("rows"), "new": import_run.counts.get("new"),
            "error_rows": import_run.counts.get("left_out"),
            "bytes": len(data), "database": connection.vendor,
            "baseline_get_s": round(baseline_s, 4), "upload_post_s": round(upload_s, 2),
            "check_get_s": round(check_s, 2),
            "import_post_s": round(post_s, 3), "post_vs_baseline": round(post_s / baseline_s, 1),
            "progress_page_s": round(page_s, 4), "target_s": TARGET_S,
            "job_s": round(job_s, 2), "job_state": import_run.state,
            "batches": import_run.batches_done, "messages_queued": queued,
            "queued_per_s_in_job": round(queued / job_s, 0),
            "summary_shown": "people were emailed to confirm" in done_page,
        }
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def format_report(r: dict) -> str:
    ok = "under" if r["import_post_s"] < r["target_s"] else "OVER"
    return "\n".join([
        f"Import page, {r['rows']:,} rows ({r['new']:,} new volunteers), {r['database']}:",
        f"  POST    {r['import_post_s']:.3f} s to hand the import over and redirect; a plain GET "
        f"of the import page {r['baseline_get_s']:.4f} s (x{r['post_vs_baseline']}); target "
        f"{ok} {r['target_s']:.0f} s",
        f"  before  upload {r['upload_post_s']} s, check page (the dry run) {r['check_get_s']} s",
        f"  job     {r['job_s']} s in `kith worker`: {r['batches']} batches, "
        f"{r['messages_queued']:,} re-consent emails queued ({r['queued_per_s_in_job']:,.0f}/s); "
        f"run {r['job_state']}; summary shown: {r['summary_shown']}",
    ])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    results = run(args.rows)
    print(json.dumps(results, indent=2) if args.json else format_report(results))


if __name__ == "__main__":
    main()
