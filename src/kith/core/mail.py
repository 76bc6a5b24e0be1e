"""Plain-text mail from a template: the one way Kith's services write to people."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string


def site_url(path: str) -> str:
    """An absolute link for an email (mail has no request to build one from)."""
    return settings.SITE_URL + path


def send_templated(*, to: str, subject: str, template: str, context: dict,
                   connection=None) -> None:
    """Send one message. Pass a `connection` (django.core.mail.get_connection()) when sending
    many, so they share one SMTP session instead of opening one each."""
    send_mail(subject=f"[Kith] {subject}", message=render_to_string(template, context),
              from_email=None, recipient_list=[to], connection=connection)
