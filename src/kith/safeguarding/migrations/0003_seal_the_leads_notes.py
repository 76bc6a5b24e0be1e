"""Seal what the leads write on a case (triage note, outcome, prevention and who sees to it,
each action): first let the plain columns hold NULL, then encrypt each value in place ("" becomes
NULL, as EncryptedTextField stores nothing), then mark the columns encrypted."""

from django.db import migrations, models

import kith.core.fields

CASE_FIELDS = ("triage_note", "outcome", "prevention", "prevention_owner")


def _seal_rows(model, fields, change) -> None:
    for row in model.objects.all().values("pk", *fields).iterator():
        values = {name: change(row[name]) for name in fields}
        if any(values[name] != row[name] for name in fields):
            model.objects.filter(pk=row["pk"]).update(**values)


def seal(apps, schema_editor):
    from kith.core import crypto

    def sealed(value):
        return crypto.encrypt(value) if value else None

    _seal_rows(apps.get_model("safeguarding", "Case"), CASE_FIELDS, sealed)
    _seal_rows(apps.get_model("safeguarding", "CaseAction"), ("what",), sealed)


def unseal(apps, schema_editor):
    from kith.core import crypto

    def opened(value):
        return crypto.decrypt(value) if value else ""

    _seal_rows(apps.get_model("safeguarding", "Case"), CASE_FIELDS, opened)
    _seal_rows(apps.get_model("safeguarding", "CaseAction"), ("what",), opened)


def _plain(name):
    model = "caseaction" if name == "what" else "case"
    return migrations.AlterField(model_name=model, name=name,
                                 field=models.TextField(blank=True, null=True))


def _sealed(name):
    model = "caseaction" if name == "what" else "case"
    return migrations.AlterField(model_name=model, name=name,
                                 field=kith.core.fields.EncryptedTextField(blank=True, null=True))


class Migration(migrations.Migration):

    dependencies = [
        ('safeguarding', '0002_ico_decision'),
    ]

    operations = [
        *[_plain(name) for name in (*CASE_FIELDS, "what")],
        migrations.RunPython(seal, unseal),
        *[_sealed(name) for name in (*CASE_FIELDS, "what")],
    ]
