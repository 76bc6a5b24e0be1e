"""Build the copy of everything Kith holds about one resident or one person.

`build()` walks catalogue.PARTS for the kind of subject, opens each sealed field it shows,
and adds the access log: every PersonalDataAccess row about the subject or any record of theirs
in the copy (who looked, when, at what, why). A volunteer's copy also shows residents' records
he helps with (her series, his tasks on her requests); looks at those are hers, not his, so they
are left out of his log (Part.residents_records). It returns plain JSON-ready data, and the list of
(record, field) it opened, so a caller acting for a coordinator can log the look.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core.fields import Sealed
from kith.core.models import PersonalDataAccess
from kith.core.phones import display_phone
from kith.transparency.catalogue import EXCLUDED, HIDDEN_ACCESS, PERSON, RESIDENT, parts_for

FORMAT = 2  # the JSON's shape; bump when it changes (2: codes kept "as stored", listed)
PHONE_FIELDS = {"phone", "to", "caller_phone"}


@dataclass
class Built:
    document: dict[str, Any]
    opened: list[tuple[models.Model, str]] = field(default_factory=list)


def _plain(value) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def code_label(label: str) -> str:
    """The JSON's label for a value kept as Kith stores it (a key or a bitmask)."""
    return _("%(field)s (as stored)") % {"field": label}


def _label(model_field, part) -> str:
    if model_field.name in part.labels:
        return str(part.labels[model_field.name])
    return str(getattr(model_field, "verbose_name", model_field.name)).capitalize()


def _phone(name: str, value):
    """UK numbers as people write them (020 7946 0100), not as stored (+442079460100)."""
    if name in PHONE_FIELDS and isinstance(value, str) and value.startswith("+44"):
        return display_phone(value)
    return value


def _row(obj: models.Model, part, opened: list) -> dict[str, Any]:
    row: dict[str, Any] = {}
    codes: dict[str, Any] = {}  # last in the row: the words come first
    for name in part.fields:
        model_field = obj._meta.get_field(name)
        label = _label(model_field, part)
        if model_field.is_relation:
            related = getattr(obj, name)
            row[label] = str(related) if related is not None else None
            continue
        value = getattr(obj, name)
        if isinstance(value, Sealed):
            opened.append((obj, name))
            value = value._open()  # the caller logs these as one look (or it is their own)
        elif getattr(model_field, "choices", None) and value not in (None, "") \
                and name not in part.codes:
            value = getattr(obj, f"get_{name}_display")()
        if name in part.codes:
            codes[code_label(label)] = _plain(value)
        else:
            row[label] = _plain(_phone(name, value))
    for label, compute in part.extra:
        row[str(label)] = _plain(compute(obj))
    row.update(codes)
    return row


def part_field(part, name: str):
    from django.apps import apps

    return apps.get_model(part.model)._meta.get_field(name)


def build(subject, kind: str) -> Built:
    """kind: catalogue.RESIDENT or catalogue.PERSON."""
    opened: list[tuple[models.Model, str]] = []
    sections, records = [], Q(pk__in=[])
    for part in parts_for(kind):
        rows = list(getattr(part, kind)(subject).order_by("pk"))
        sections.append({"key": part.key, "title": str(part.title), "note": str(part.note),
                         "rows": [_row(obj, part, opened) for obj in rows],
                         "codes": [code_label(_label(part_field(part, name), part))
                                   for name in part.codes]})
        if rows and part.model not in HIDDEN_ACCESS and not part.residents_records:
            records |= Q(subject_type=part.model, subject_id__in=[str(o.pk) for o in rows])
    if kind == PERSON:  # a volunteer's profile is read through reveal() as the profile too
        records |= Q(subject_type="accounts.person", subject_id=str(subject.pk))
    looks = (PersonalDataAccess.objects.filter(records).select_related("viewer", "group")
             .order_by("created_at", "pk"))
    document = {
        "format": FORMAT,
        "kind": kind,
        "about": subject.name if kind == RESIDENT else (subject.display_name or subject.email),
        "made_at": _plain(timezone.now()),
        "sections": sections,
        "access_log": [_look(row) for row in looks],
        "not_included": [{"what": label, "why": why} for label, why in sorted(EXCLUDED.items())],
    }
    return Built(document, opened)


def _look(row: PersonalDataAccess) -> dict[str, Any]:
    return {"when": _plain(row.created_at), "who": row.viewer.display_name or _("a member"),
            "group": row.group.name, "record": row.subject_repr, "what": row.field_label,
            "why": row.reason}
