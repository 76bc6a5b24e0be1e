"""Small helpers for Kith's sign-in and two-factor templates."""

from __future__ import annotations

from django import template

from kith.accounts import twofactor

register = template.Library()


@register.simple_tag(takes_context=True)
def passkeys_possible(context) -> bool:
    """Whether to offer passkeys at all: enabled, and a site a browser will make them for."""
    from allauth.mfa import app_settings

    request = context.get("request")
    return (request is not None and "webauthn" in app_settings.SUPPORTED_TYPES
            and twofactor.passkeys_possible(request))


@register.simple_tag(takes_context=True)
def passkeys_why_not(context) -> str:
    """Why this page offers no passkey ("" if it does, or if passkeys are switched off)."""
    from allauth.mfa import app_settings

    request = context.get("request")
    if request is None or "webauthn" not in app_settings.SUPPORTED_TYPES:
        return ""
    return twofactor.passkeys_why_not(request)


@register.simple_tag(takes_context=True)
def two_factor_next(context) -> str:
    """Where the person was going before they started setting up two-factor ("" if nowhere)."""
    request = context.get("request")
    return twofactor.peek_next(request) if request is not None else ""


@register.filter
def in_fours(secret: str) -> str:
    """"JBSWY3DPEHPK3PXP" -> "JBSW Y3DP EHPK 3PXP": easier to copy by eye into an app."""
    text = str(secret)
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


@register.simple_tag
def site_link(url_name: str) -> str:
    """An absolute link for an email allauth sends, on the address Kith is served on."""
    from django.urls import reverse

    from kith.core.links import site_url

    return site_url(reverse(url_name))


@register.simple_tag
def texts_possible() -> bool:
    """Can this site text a sign-in code? If not, the code box takes an email address only."""
    from kith.messaging.channels import can_text

    return can_text()
