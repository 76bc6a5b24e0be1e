"""`{% two_factor_link next_url as link %}`: the one "set it up / confirm it's you" link.

Every page that refuses personal data until two-factor links here, so the link always
goes somewhere that can help: the set-up page for someone with nothing set up, the confirm
page for someone who has a passkey or an app, and back to `next_url` afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from kith.core.privacy import has_two_factor, session_used_two_factor, two_factor_url

register = template.Library()


@dataclass(frozen=True)
class TwoFactorLink:
    url: str
    set_up: bool  # True: the person has nothing to confirm with yet
    confirmed: bool  # True: this session has already used two-factor; no link is needed


@register.simple_tag(takes_context=True)
def two_factor_link(context, next_url: str = "") -> TwoFactorLink:
    request = context["request"]
    next_url = next_url or request.get_full_path()
    signed_in = getattr(request.user, "is_authenticated", False)
    return TwoFactorLink(url=two_factor_url(request, next_url),
                         set_up=signed_in and not has_two_factor(request.user),
                         confirmed=signed_in and session_used_two_factor(request))
