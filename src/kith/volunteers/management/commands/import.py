"""`kith import volunteers FILE --group SLUG`: bring a spreadsheet export of volunteers into a group.

A dry run unless --commit: the report says what would happen to every row. The same checks and
the same import as the web pages (kith.volunteers.importing.adapter: checked first, then saved in
batches of 1,000), without their 5 MB limit. Columns are mapped as the group last chose for
this source, else guessed from the headers; --map "Header=field" changes one. A progress bar
is drawn on a terminal.

    kith import volunteers responses.csv --group golborne-road
    kith import volunteers responses.csv --group golborne-road --commit --merge
    kith import volunteers base.csv --group golborne-road --source airtable \\
        --map "Skills=services" --report problems.csv --commit --good-rows-only
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from kith.groups.models import Group
from kith.volunteers.importing.adapter import (
    ImportRefused,
    default_mapping,
    import_volunteers,
    read_upload,
)
from kith.volunteers.importing.columns import FIELD_LABELS, NOT_IMPORTED, SOURCES, guess_source
from kith.volunteers.importing.report import MERGE, SKIP
from kith.volunteers.importing.table import UnreadableFile

MAX_BYTES = 200 * 1024 * 1024


def _plain(text: str) -> str:
    return text


class ProgressBar:
    """`label [#####.....]  12,000/50,000` redrawn in place on a terminal; silent elsewhere."""

    WIDTH = 30

    def __init__(self, stream, label: str, enabled: bool):
        self.stream, self.label, self.enabled = stream, label, enabled
        self.finished = False
        # Django's OutputWrapper ends every write with a newline, and colours stderr red, unless told.
        self._write = (partial(stream.write, ending="", style_func=_plain)
                       if isinstance(stream, OutputWrapper) else stream.write)

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0 or self.finished:
            return
        filled = int(self.WIDTH * done / total)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self._write(f"\r{self.label:<10} [{bar}] {done:>7,}/{total:,}")
        if done >= total:
            self._write("\n")
            self.finished = True
        self.stream.flush()


class Command(BaseCommand):
    help = ("Import volunteers from a Google Forms, Google Sheets or Airtable CSV export into a "
            "group. Only checks the file (a dry run) unless --commit is given.")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["volunteers"], help="what to import")
        parser.add_argument("file", help="the .csv or .tsv export")
        parser.add_argument("--group", required=True, metavar="SLUG", help="the group to join them to")
        parser.add_argument("--source", choices=[s for s, _ in SOURCES],
                            help="where the export comes from (default: google_forms if the first "
                                 "column is Timestamp, else google_sheets); the mapping is "
                                 "remembered per group and source")
        parser.add_argument("--commit", action="store_true", help="import; without it nothing is saved")
        duplicates = parser.add_mutually_exclusive_group()
        duplicates.add_argument("--merge", dest="duplicates", action="store_const", const=MERGE,
                                help="people already on Kith with the same email address: add "
                                     "them to the group and fill in details they have not given "
                                     "(a phone number alone never merges)")
        duplicates.add_argument("--skip-duplicates", dest="duplicates", action="store_const",
                                const=SKIP, help="people already on Kith: leave them out (the default)")
        parser.add_argument("--good-rows-only", action="store_true",
                            help="import the rows without errors and leave out the others")
        parser.add_argument("--map", action="append", default=[], metavar="HEADER=FIELD",
                            help=f"choose a column's field ({', '.join(FIELD_LABELS)}); repeatable")
        parser.add_argument("--report", metavar="CSV", help="write every problem to this file")
        parser.add_argument("--by", metavar="EMAIL", help="the coordinator importing, for the audit trail")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        group = Group.objects.filter(slug=options["group"]).first()
        if group is None:
            raise CommandError(f"No group with the slug {options['group']!r}.")
        acting_user = None
        if options["by"]:
            acting_user = get_user_model().objects.filter(email=options["by"].strip().lower()).first()
            if acting_user is None:
                raise CommandError(f"No one on Kith has the email address {options['by']!r}.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(f"{path} is bigger than {MAX_BYTES // (1024 * 1024)} MB: split it.")
        data = path.read_bytes()
        started = time.perf_counter()
        try:
            table = read_upload(data, hint="\t" if path.suffix.lower() == ".tsv" else None)
        except UnreadableFile as exc:
            raise CommandError(str(exc)) from None
        source = options["source"] or guess_source(table.headers)
        mapping, notes = default_mapping(table, group, source)
        for choice in options["map"]:
            header, _, field = choice.rpartition("=")
            header, field = header.strip(), field.strip()
            if header not in mapping:
                raise CommandError(f"--map {choice!r}: no column called {header!r}. The columns are: "
                                   f"{', '.join(table.headers)}.")
            if field not in FIELD_LABELS:
                raise CommandError(f"--map {choice!r}: the fields are {', '.join(FIELD_LABELS)}.")
            mapping[header] = field

        out = self.stdout
        out.write(f"{path.name}: {len(table.rows):,} rows from {dict(SOURCES)[source]}, into "
                  f"{group.name}.")
        out.write("Columns (change one with --map \"Header=field\"):")
        for header, field in mapping.items():
            shown = "left out" if field in NOT_IMPORTED else field
            out.write(f"  {header[:60]!r} -> {shown}")
        for note in notes:
            out.write(f"  {note}")

        show_bar = not options["no_progress"] and self.stderr.isatty()
        duplicates = options["duplicates"] or SKIP
        try:
            outcome = import_volunteers(
                None, table=table, group=group, source=source, mapping=mapping,
                duplicates=duplicates, commit=options["commit"],
                good_rows_only=options["good_rows_only"], acting_user=acting_user,
                progress=ProgressBar(self.stderr, "Checking", show_bar),
                write_progress=ProgressBar(self.stderr, "Saving", show_bar),
            )
        except ImportRefused as exc:
            raise CommandError(str(exc)) from None
        report = outcome.plan.report
        if options["report"]:
            Path(options["report"]).write_text(report.as_csv(), encoding="utf-8")
        out.write(report.as_text(limit=50))
        elapsed = time.perf_counter() - started
        if not options["commit"]:
            verdict = ("Dry run: nothing was imported. Run again with --commit to import"
                       + (" (and --good-rows-only to leave out the rows with errors)."
                          if report.error_rows else "."))
            out.write(self.style.WARNING(f"{verdict} ({elapsed:.1f} s)"))
            return
        out.write(self.style.SUCCESS(
            f"Imported {report.new:,} new volunteers into {group.name}"
            + (f", merged {report.will_merge:,}" if report.will_merge else "")
            + (f", skipped {report.will_skip:,} already on Kith" if report.will_skip else "")
            + (f", left out {report.error_rows:,} rows with errors" if report.error_rows else "")
            + f". {outcome.emailed:,} asked by email to confirm their details. ({elapsed:.1f} s)"
        ))
