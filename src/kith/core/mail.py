"""Plain-text mail from a template: the one way Kith's services write to people."""

from __future__ import annotations

from django.core.mail import send_mail
from django.template.loader import render_to_string

from kith.core.links import site_url  # links in mail: the address Kith is served on

__all__ = ["send_templated", "site_url"]


def send_templated(*, to: str, subject: str, template: str, context: dict,
                   connection=None) -> None:
    """Send one message. Pass a `connection` (django.core.mail.get_connection()) when sending
    many, so they share one SMTP session instead of opening one each."""
    send_mail(subject=f"[Kith] {subject}", message=render_to_string(template, context),
              from_email=None, recipient_list=[to], connection=connection)
