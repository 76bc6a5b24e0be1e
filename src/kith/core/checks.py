"""Kith's own deployment checks, run by `kith check --deploy` (docs/DEPLOY.md).

Kith still starts with these settings wrong: refusing to start would take the phone line and
every group's pages down over a text-message setting. Instead the check fails, and the unsafe
backend itself refuses to keep anything (core/sms.py).
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils.module_loading import import_string

from kith.core import sms

_LOCAL_MAIL = ("filebased", "console", "locmem")


@register(Tags.security, deploy=True)
def check_text_messages(app_configs=None, **kwargs):
    backend = settings.KITH_SMS_BACKEND
    if backend in sms.LOCAL_BACKENDS:
        if settings.KITH_LOCAL_DELIVERY:
            return []
        return [Error(
            f"KITH_SMS_BACKEND is {backend!r}: residents' phone numbers and codes would be kept "
            "in plain text, so Kith sends no text at all with it outside the demo.",
            hint="Set KITH_SMS_BACKEND to your gateway's send(to, body) function, or to 'none' "
                 "if this site has no text-message gateway.",
            id="kith.E001",
        )]
    if not backend:
        return [Warning(
            "KITH_SMS_BACKEND is not set, so residents who gave only a phone number cannot be "
            "texted a code to check their request.",
            hint="Set it to your gateway's send(to, body) function, or to 'none' to say this "
                 "site has no text-message gateway.",
            id="kith.W001",
        )]
    if backend == sms.NONE:
        return []
    if backend == "twilio":
        return _check_twilio()
    return _check_gateway(backend)


def _check_twilio():
    missing = [name for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER")
               if not getattr(settings, name)]
    if missing:
        return [Error(f"KITH_SMS_BACKEND is 'twilio' but {', '.join(missing)} not set.",
                      hint="See docs/DEPLOY.md, 'Connecting Twilio for text messages'.",
                      id="kith.E004")]
    return []


def _check_gateway(backend: str):
    try:
        sender = import_string(backend)
    except ImportError as problem:
        return [Error(f"KITH_SMS_BACKEND {backend!r} cannot be imported: {problem}",
                      hint="Name a function as package.module.function.", id="kith.E002")]
    if not callable(sender):
        return [Error(f"KITH_SMS_BACKEND {backend!r} is not a function.",
                      hint="Name a function send(to, body).", id="kith.E002")]
    return []


@register(Tags.security, deploy=True)
def check_mail(app_configs=None, **kwargs):
    """Sign-in codes travel by email: a file, console or memory backend keeps them locally."""
    if settings.KITH_LOCAL_DELIVERY or not settings.EMAIL_BACKEND.endswith(
        tuple(f"{kind}.EmailBackend" for kind in _LOCAL_MAIL)
    ):
        return []
    return [Error(
        f"EMAIL_BACKEND is {settings.EMAIL_BACKEND!r}: sign-in codes and people's addresses "
        "would be kept on this machine instead of being sent.",
        hint="Leave EMAIL_BACKEND unset (SMTP) and set EMAIL_HOST, outside the demo.",
        id="kith.E003",
    )]
