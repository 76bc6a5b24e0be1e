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
