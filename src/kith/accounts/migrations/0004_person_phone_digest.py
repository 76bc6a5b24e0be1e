# Person.phone_digest: sign-in by text finds a person by the digest of their number.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_person_email_may_wait'),
    ]

    operations = [
        migrations.AddField(
            model_name='person',
            name='phone_digest',
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='person',
            name='phone_verified_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
