"""Absolute links for mail and text messages, built from the address Kith is served on.

A message sent while answering a web request (an invitation, an offer, a task) links to the
address that request came in on: its scheme and its host and port, which Django has already
checked against ALLOWED_HOSTS. A message sent with no request about (the sweep, `kith demo`,
an import from the command line) links to SITE_URL, which `make serve` sets from HOST and
PORT and a deployment sets to its public address.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import DisallowedHost

_served_at: ContextVar[str] = ContextVar("kith_served_at", default="")


def site_base() -> str:
    """"http://127.0.0.1:8123": this request's own address, else SITE_URL. No trailing slash."""
    return _served_at.get() or settings.SITE_URL


def site_url(path: str) -> str:
    """An absolute link to `path` (which starts with "/"), for a message."""
    return site_base() + path


class ServedAtMiddleware:
    """Remember, for the length of one request, the address it was served on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            base = request.build_absolute_uri("/").rstrip("/")
        except DisallowedHost:  # CommonMiddleware answers 400; no message goes anywhere
            base = ""
        token = _served_at.set(base)
        try:
            return self.get_response(request)
        finally:
            _served_at.reset(token)
