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


def _host(request) -> str:
    return request.get_host().rsplit(":", 1)[0].strip("[]")


def _port(request) -> str:
    """":8000" as the address bar shows it ("" if none), "[::1]:8000" included."""
    host = request.get_host()
    rest = host.rpartition("]")[2] if host.startswith("[") else host
    return ":" + rest.rpartition(":")[2] if ":" in rest else ""


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def passkeys_possible(request) -> bool:
    """Browsers make passkeys only for a named site over https (or localhost while testing);
    at a number address such as 127.0.0.1 they cannot, so none is offered there."""
    host = _host(request)
    if _ip(host) is not None:
        return False
    return request.is_secure() or host == "localhost" or host.endswith(".localhost")


def passkeys_why_not(request) -> str:
    """Where passkeys_possible is false, why, in plain words, with the way to one if there is
    ("" where they are possible). Said rather than silently leaving the choice out."""
    from django.utils.translation import gettext

    if passkeys_possible(request):
        return ""
    ip = _ip(_host(request))
    if ip is not None and ip.is_loopback:
        there = f"{request.scheme}://localhost{_port(request)}{request.get_full_path()}"
        return gettext("Passkeys need the site's name, not a number address like %(host)s. On "
                       "this computer, open %(there)s instead and you can make one there.") % {
            "host": _host(request), "there": there}
    if ip is not None:
        return gettext("Passkeys need the site's name, not a number address like %(host)s. "
                       "Open Kith at its name to make one, or use an authenticator app.") % {
            "host": _host(request)}
    return gettext("Passkeys need a secure address, one starting https://. Until Kith has one "
                   "here, use an authenticator app.")
