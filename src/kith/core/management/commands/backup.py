"""`kith backup FILE`: the database, its keys and var/'s files in one file, encrypted with a
passphrase (core/backups.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kith.core.backup_format import BackupError
from kith.core.backups import make_backup
from kith.core.management.passphrase import passphrase_argument, read_passphrase


class Command(BaseCommand):
    help = "Write an encrypted backup of the database, its keys and uploaded files."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file to write (it must not exist yet).")
        passphrase_argument(parser)

    def handle(self, *args, file, passphrase_file, **options):
        passphrase = read_passphrase(passphrase_file, confirm=True)
        try:
            manifest = make_backup(Path(file), passphrase)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["rows"].values())
        self.stdout.write(self.style.SUCCESS(
            f"Backed up {rows:,} rows in {len(manifest['rows'])} tables and {manifest['files']} "
            f"files to {file}. Keep the passphrase apart from the file: without it the backup "
            f"cannot be opened, by you or anyone."))
