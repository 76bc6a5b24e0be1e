"""`kith restore FILE`: put a `kith backup` back onto a fresh install (core/backups.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from kith.core.backup_format import BackupError
from kith.core.backups import restore_backup
from kith.core.management.passphrase import passphrase_argument, read_passphrase


class Command(BaseCommand):
    help = "Restore a backup made by `kith backup`: database, keys and uploaded files."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file.")
        passphrase_argument(parser)
        parser.add_argument("--replace", action="store_true",
                            help="Restore even though this install's database already has people "
                                 "in it: everything in it is replaced.")
        parser.add_argument("--erasure-log", metavar="FILE",
                            help="The erasure log (var/erasure-log.jsonl) of the install this "
                                 "backup came from, when restoring onto a new machine: everyone "
                                 "erased since the backup is erased again.")

    def handle(self, *args, file, passphrase_file, replace, erasure_log=None, **options):
        if not Path(file).is_file():
            raise CommandError(f"There is no file {file}.")
        if erasure_log and not Path(erasure_log).is_file():
            raise CommandError(f"There is no erasure log {erasure_log}.")
        passphrase = read_passphrase(passphrase_file, confirm=False)
        try:
            restored = restore_backup(Path(file), passphrase, replace=replace,
                                      erasure_log=Path(erasure_log) if erasure_log else None)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Restored the backup made {restored.created}: {restored.rows:,} rows in "
            f"{restored.tables} tables, every table counted and matching, and {restored.files} "
            f"files. Restart Kith's server and worker so they use the restored keys."))
        if restored.erasures_reapplied:
            n = restored.erasures_reapplied
            self.stdout.write(ngettext(
                "%(n)d person erased since the backup was made was erased again.",
                "%(n)d people erased since the backup was made were erased again.", n)
                % {"n": n})
        if restored.migrated:
            n = len(restored.migrated)
            self.stdout.write(ngettext(
                "The backup was made by an older Kith: %(n)d migration was run to bring it up "
                "to date.",
                "The backup was made by an older Kith: %(n)d migrations were run to bring it up "
                "to date.", n) % {"n": n})
