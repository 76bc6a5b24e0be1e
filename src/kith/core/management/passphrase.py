"""Where `kith backup` and `kith restore` get the passphrase: a file, the environment, or
asked for. Never an argument: the command line of a running program is visible to everyone
on the machine."""

import getpass
import os
import sys
from pathlib import Path

from django.core.management.base import CommandError

ENVIRONMENT = "KITH_BACKUP_PASSPHRASE"


def passphrase_argument(parser) -> None:
    # No abbreviations: `--passphrase secret` must be refused, not read as --passphrase-file.
    parser.allow_abbrev = False
    parser.add_argument("--passphrase-file", default="",
                        help=f"Read the passphrase from this file "
                             f"(else ${ENVIRONMENT}, else it is asked for).")


def read_passphrase(path: str, *, confirm: bool) -> str:
    if path:
        try:
            return Path(path).read_text().strip("\n")
        except OSError as exc:
            raise CommandError(f"Cannot read the passphrase file: {exc.strerror}.") from None
    if os.environ.get(ENVIRONMENT):
        return os.environ[ENVIRONMENT]
    if not sys.stdin.isatty():
        raise CommandError(f"Give the passphrase with --passphrase-file or ${ENVIRONMENT}.")
    passphrase = getpass.getpass("Passphrase: ")
    if confirm and getpass.getpass("The same passphrase again: ") != passphrase:
        raise CommandError("The two passphrases were not the same; nothing was written.")
    return passphrase
