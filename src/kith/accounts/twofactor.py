"""Who must set up two-factor sign-in, and where the set-up pages send people afterwards."""

from __future__ import annotations

import ipaddress

from django.utils.http import url_has_allowed_host_and_scheme

from kith.groups.roles import PERSONAL_DATA_ROLES, TREASURER

# Roles that open residents' details (coordinators, call handlers, safeguarding leads), and
# treasurers, who will see bank details for repayments: all are asked to set up two-factor.
TWO_FACTOR_ROLES = PERSONAL_DATA_ROLES | {TREASURER}

# Where to go once set-up is done: kept in the session, because allauth's own set-up pages
# (app, passkey, backup codes) each redirect to the next and do not carry a `next` along.
NEXT_KEY = "kith.two_factor_next"


def roles_need_two_factor(roles) -> bool:
    return bool(set(roles) & TWO_FACTOR_ROLES)


def person_needs_two_factor(person) -> bool:
    return any(roles_need_two_factor(m.roles) for m in person.memberships.all())


def safe_next(request, url: str | None) -> str:
    """`url` if it is a path on this site, else ""."""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return ""


def remember_next(request, url: str | None) -> None:
    url = safe_next(request, url)
    if url:
        request.session[NEXT_KEY] = url


def peek_next(request) -> str:
    return request.session.get(NEXT_KEY, "")


def pop_next(request) -> str:
    return request.session.pop(NEXT_KEY, "")


def passkeys_possible(request) -> bool:
    """Browsers make passkeys only for a named site over https (or localhost while testing);
    the demo on 127.0.0.1 cannot, so it is not offered there at all."""
    host = request.get_host().rsplit(":", 1)[0].strip("[]")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return False
    return request.is_secure() or host == "localhost" or host.endswith(".localhost")
