"""`kith rotate-keys`: put a new key in front, then re-encrypt every sealed value under it."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kith.core import crypto
from kith.core.fields import EncryptedTextField, Sealed


def encrypted_fields():
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields
                 if isinstance(f, EncryptedTextField)]
        if names:
            yield model, names


def reencrypt_all(batch_size: int = 500) -> int:
    """Rewrite every sealed value under the current primary key. Returns how many were rewritten."""
    count = 0
    for model, names in encrypted_fields():
        for start in range(0, model._default_manager.count(), batch_size):
            with transaction.atomic():
                rows = list(model._default_manager.order_by("pk")[start:start + batch_size]
                            .only("pk", *names))
                for row in rows:
                    for name in names:
                        value = getattr(row, name)
                        if isinstance(value, Sealed):
                            setattr(row, name, Sealed(crypto.rotate_token(value.token)))
                            count += 1
                model._default_manager.bulk_update(rows, names)
    return count


class Command(BaseCommand):
    help = "Add a new encryption key for personal data and re-encrypt everything under it."

    def add_arguments(self, parser):
        parser.add_argument("--reencrypt-only", action="store_true",
                            help="Keep the keys as they are; just re-encrypt under the first one.")

    def handle(self, *args, reencrypt_only=False, **options):
        if not reencrypt_only:
            try:
                crypto.add_primary_key_to_file()
            except RuntimeError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write("New key added in front of the old ones.")
        crypto.reset_cache()
        count = reencrypt_all()
        self.stdout.write(self.style.SUCCESS(
            f"Re-encrypted {count} values. Old keys can be removed once backups made "
            f"with them have expired."
        ))
