"""A model field whose value can be stored and replaced but not simply read.

Reading a resident's phone number must go through `kith.core.privacy.reveal()`, which
checks need-to-know and writes a PersonalDataAccess row. So the field hands back a
`Sealed` value: templates and logs that print it show a mask, never the number.
"""

from __future__ import annotations

from django.db import models

from kith.core import crypto

MASK = "•••• hidden"


class Sealed:
    """Ciphertext held in memory. `str()` masks; only privacy.reveal() opens it."""

    __slots__ = ("_token",)

    def __init__(self, token: str):
        self._token = token

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return "<Sealed>"

    def __bool__(self) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sealed) and other._token == self._token

    def __hash__(self) -> int:
        return hash(self._token)

    @property
    def token(self) -> str:
        return self._token

    def _open(self) -> str:
        # Deliberately private: call kith.core.privacy.reveal() instead.
        return crypto.decrypt(self._token)


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; accepts plain str on assignment, returns Sealed on load."""

    description = "Encrypted personal data"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return None
        return Sealed(value)

    def to_python(self, value):
        if value is None or isinstance(value, Sealed):
            return value
        if value == "":
            return None
        return value  # a plain string still to be encrypted on save

    def pre_save(self, model_instance, add):
        # Seal on save so the instance in memory stops holding plaintext too.
        value = getattr(model_instance, self.attname)
        if isinstance(value, str) and value != "":
            value = Sealed(crypto.encrypt(value))
            setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value):
        if value is None or value == "":
            return None
        if isinstance(value, Sealed):
            return value.token
        return crypto.encrypt(str(value))

    def value_to_string(self, obj):
        # Serialisers (dumpdata) see ciphertext, never plaintext.
        value = self.value_from_object(obj)
        return value.token if isinstance(value, Sealed) else ""
