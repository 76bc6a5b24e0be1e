"""The demo mailbox shows text messages beside emails, newest first."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from kith.core.sms import send_sms

pytestmark = pytest.mark.django_db


def test_it_shows_texts_beside_emails(client, settings, tmp_path):
    settings.DEMO = True
    settings.VAR_DIR = tmp_path
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.KITH_SMS_BACKEND = "file"
    mail.send_mail("Your sign-in code", "Code 123456", "kith@demo.invalid", ["tom@demo.invalid"])
    send_sms("+447700900123", "Your Kith code is 654321")
    page = client.get(reverse("demo:mailbox")).content.decode()
    assert "Your sign-in code" in page and "Code 123456" in page
    assert "Text message to 07700 900123" in page and "654321" in page
