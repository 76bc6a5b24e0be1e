"""Give everyone who already has a phone number its digest, so they can sign in by text."""

from django.db import migrations


def fill(apps, schema_editor):
    from kith.core import crypto
    from kith.core.digest import phone_digest

    Person = apps.get_model("accounts", "Person")
    changed = []
    for person in Person.objects.exclude(phone=None).exclude(phone="").iterator(chunk_size=500):
        person.phone_digest = phone_digest(crypto.decrypt(person.phone.token))
        changed.append(person)
    Person.objects.bulk_update(changed, ["phone_digest"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_person_phone_digest")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
