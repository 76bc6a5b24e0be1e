"""The demo mailbox shows text messages beside emails, newest first."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kith.messaging import outbox

pytestmark = pytest.mark.django_db


def test_it_shows_texts_beside_emails(client, settings, tmp_path):
    settings.DEMO = True
    settings.VAR_DIR = tmp_path
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.KITH_SMS_BACKEND = "file"
    outbox.queue_emails([outbox.Email(to="tom@demo.invalid", subject="Your sign-in code",
                                      body="Code 123456")])
    outbox.queue_text(to="+447700900123", body="Your Kith code is 654321")
    page = client.get(reverse("demo:mailbox")).content.decode()
    assert "Your sign-in code" in page and "Code 123456" in page
    assert "Text message to 07700 900123" in page and "654321" in page
    assert "Waiting to be sent" in page  # no worker has run: the outbox shows them anyway


def test_a_text_held_for_quiet_hours_says_until_when(client, settings, tmp_path, street):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from kith.messaging.models import QuietHours

    settings.DEMO = True
    settings.VAR_DIR = tmp_path
    settings.KITH_SMS_BACKEND = "file"
    now = datetime.now(ZoneInfo("Europe/London"))
    ends = (now + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    QuietHours.objects.create(group=street, starts=(now - timedelta(hours=1)).time(), ends=ends)
    outbox.queue_text(to="+447700900123", body="Reminder: shopping tomorrow", group=street)
    page = client.get(reverse("demo:mailbox")).content.decode()
    assert f"Held for quiet hours until {ends:%H:%M}" in page
    assert "0 tries so far" not in page
