"""One account per human, identified by email. Phone is optional and encrypted.

The one exception: a volunteer imported from a spreadsheet with a phone number only (most
WhatsApp groups) has no email yet. Nothing is emailed to them; they sign in with a code sent
by text to that number (allauth's login by code, found through `phone_digest`: the number
itself is sealed and cannot be looked up). Only the import makes such a person.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext

from kith.core.digest import phone_digest
from kith.core.fields import EncryptedTextField


class PersonManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An email address is required")
        person = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            person.set_password(password)
        else:
            # Volunteers sign in with an emailed code; a password is optional.
            person.set_unusable_password()
        person.save(using=self._db)
        # allauth proves an address through this row: a code sign-in marks it verified.
        from allauth.account.models import EmailAddress

        EmailAddress.objects.get_or_create(
            user=person, email=person.email, defaults={"primary": True, "verified": False}
        )
        return person

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class Person(AbstractBaseUser, PermissionsMixin):
    # Null, not "", for someone with no email yet: NULLs never clash under UNIQUE (PostgreSQL and
    # SQLite alike), so any number of phone-only volunteers fit beside one person per address.
    email = models.EmailField(unique=True, null=True, blank=True)
    display_name = models.CharField("Name", max_length=100, blank=True)
    phone = EncryptedTextField(null=True, blank=True)
    # A keyed digest of the normalised number (core/digest.py), kept by save(): sign-in by
    # text finds the person from the number typed without opening every sealed phone.
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # When a code texted to this number last signed them in: the number is proven theirs.
    phone_verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Coarse home area ("W10 5"): enough for public density maps, never a home position.
    postcode_sector = models.CharField(max_length=8, blank=True, db_index=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = PersonManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "person"
        verbose_name_plural = "people"

    def __str__(self) -> str:
        # Never a name made up from an email address ("noname@..." read as "noname"): a
        # spreadsheet row may have come without a name, and the person is asked for it.
        return self.display_name or gettext("Name not given")

    def get_full_name(self) -> str:
        return self.display_name or self.email or str(self)

    def save(self, *args, **kwargs):
        """Keep `phone_digest` in step with `phone` whenever a number is put in or taken out.

        A number just assigned is plain text; one loaded from the database is Sealed and
        unchanged, so its digest stands. (bulk_create and bulk_update skip this: the import
        fills the digest itself.)
        """
        if self.phone is None or isinstance(self.phone, str):
            digest = phone_digest(self.phone or "")
            if digest != self.phone_digest:
                self.phone_digest, self.phone_verified_at = digest, None
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "phone" in update_fields:
                kwargs["update_fields"] = {*update_fields, "phone_digest", "phone_verified_at"}
        super().save(*args, **kwargs)

    @property
    def can_sign_in(self) -> bool:
        """By emailed code with an address, by texted code with a UK number (phone-only)."""
        return bool(self.email or self.phone_digest)

    def get_short_name(self) -> str:
        return str(self)
