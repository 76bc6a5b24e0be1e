"""`kith services import FILE --group SLUG` and `kith services export --group SLUG`: a
council's directory in Open Referral UK JSON into a group's directory of local services, and
the group's own out in the same format.

Import checks the whole file first and prints every problem by service; a file with any
problem imports nothing. --check only checks. Export writes to --out, or standard output.

    kith services import council.json --group kensington-chelsea --by nia@example.org
    kith services export --group kensington-chelsea --out services.json
"""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kith.groups.models import Group
from kith.signposting import openreferral

MAX_BYTES = 200 * 1024 * 1024


class Command(BaseCommand):
    help = "Import or export a group's local services as Open Referral UK JSON."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        reading = sub.add_parser("import", help="Import a council's Open Referral UK file.")
        reading.add_argument("file", type=Path)
        reading.add_argument("--group", required=True, help="The group's slug.")
        reading.add_argument("--check", action="store_true", help="Check only; save nothing.")
        reading.add_argument("--by", default="", help="Email of whoever imports, for the trail.")
        writing = sub.add_parser("export", help="Export the group's own services.")
        writing.add_argument("--group", required=True, help="The group's slug.")
        writing.add_argument("--out", type=Path, help="File to write (default: standard output).")

    def handle(self, *args, **options):
        group = Group.objects.filter(slug=options["group"]).first()
        if group is None:
            raise CommandError(f"No group with the slug {options['group']!r}.")
        if options["action"] == "export":
            return self._export(group, options["out"])
        return self._import(group, options)

    def _export(self, group: Group, out: Path | None) -> None:
        text = json.dumps(openreferral.export_directory(group), indent=2, ensure_ascii=False)
        if out is None:
            self.stdout.write(text)
        else:
            out.write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"Wrote {out}.")

    def _import(self, group: Group, options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError("That file is over 200 MB.")
        actor = None
        if options["by"]:
            actor = get_user_model().objects.filter(email__iexact=options["by"]).first()
            if actor is None:
                raise CommandError(f"Nobody on Kith has the email {options['by']}.")
        try:
            result = openreferral.import_directory(group, path.read_bytes(), acting_user=actor,
                                                   commit=not options["check"])
        except openreferral.ImportRefused as refused:
            for problem in refused.problems:
                self.stderr.write(problem)
            raise CommandError(f"Nothing imported: {len(refused.problems)} problems.") from None
        if options["check"]:
            self.stdout.write(f"{result.total} services read, no problems. Nothing saved "
                              f"(--check).")
        else:
            self.stdout.write(f"{result.total} services read: {result.created} new, "
                              f"{result.updated} updated, {result.unchanged} unchanged.")
