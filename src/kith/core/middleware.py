"""Give every request an id, so audit rows and logs from one request can be tied together."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("kith_request_id", default="")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def current_request_id() -> str:
    return _request_id.get()


@contextmanager
def untraced() -> Iterator[None]:
    """Rows written inside carry no request id: an anonymous safeguarding report must not be
    tied, through the id, to the log lines (address, browser) of the request that sent it."""
    token = _request_id.set("")
    try:
        yield
    finally:
        _request_id.reset(token)


class RequestIdMiddleware:
    """Accept a proxy's X-Request-ID when it looks sane, else mint one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


# Browser features no Kith page uses. A receipt photo is a file input, which needs no permission.
# Passkeys (WebAuthn) are Kith's own sign-in and two-factor: allowed on Kith's pages only.
PERMISSIONS_POLICY = ", ".join([*(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
    "magnetometer", "microphone", "midi", "payment", "screen-wake-lock", "serial", "usb",
    "xr-spatial-tracking",
)), "publickey-credentials-get=(self)", "publickey-credentials-create=(self)"])


def _cache_directives(response) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in response.get("Cache-Control", "").split(",")}


def may_be_stored(request, response) -> bool:
    """May a browser (or a proxy) keep a copy of this response?

    Only when its view said so (`Cache-Control: public`: the public map's data, the blank
    tile) and nobody is signed in. Everything else may carry personal data (an address on a
    task page, a reveal, a CSV or PDF export, a resident's status page, a postcode typed into
    a search), so the rule is the other way round from a list of pages: no page can be
    forgotten. Static files never get here (WhiteNoise answers them first) and stay cacheable.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    return "public" in _cache_directives(response)


class PrivacyHeadersMiddleware:
    """`Cache-Control: no-store` unless a response may be stored; a Permissions-Policy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # never_cache's longer "max-age=0, no-cache, no-store, …" already says it: left alone.
        if not may_be_stored(request, response) and "no-store" not in _cache_directives(response):
            response["Cache-Control"] = "no-store"
            del response["Expires"]
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


# An address longer than this gets Kith's own "too long" page. Kith's links and forms stay far
# below it (searches are cut to 100 characters); the server in front is set to let longer ones
# through to here (gunicorn's --limit-request-line 8190 in the Makefile and DEPLOY.md), so a
# person sees a page in Kith's words and layout rather than the server's bare one.
MAX_ADDRESS = 8000


class AddressTooLongMiddleware:
    """Answer an over-long address (path and query) with a 414 page in Kith's words."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if len(request.get_full_path()) > MAX_ADDRESS:
            from django.shortcuts import render

            return render(request, "414.html", status=414)
        return self.get_response(request)


def no_room_left(exc: BaseException) -> bool:
    """A write refused because the disk under var/ or the database is full, by any route: a
    file (receipts, the cache), SQLite, or PostgreSQL (SQLSTATE 53100, disk_full)."""
    import errno

    from django.db import DatabaseError

    if isinstance(exc, OSError) and exc.errno in {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}:
        return True
    if isinstance(exc, DatabaseError):
        cause = exc.__cause__ or exc
        return (getattr(cause, "sqlstate", None) == "53100"
                or "database or disk is full" in str(exc))
    return False


class DiskFullMiddleware:
    """A full disk is said in words (503, try again later), not as a server error. The change
    that met it was inside its own transaction, which the error has already rolled back, so the
    page can truthfully say that nothing was saved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not no_room_left(exception):
            return None
        import logging

        from django.shortcuts import render

        logging.getLogger("kith").error("No room left to write: %s %s (%s)", request.method,
                                        request.path, type(exception).__name__)
        response = render(request, "503_disk_full.html", status=503)
        response["Retry-After"] = "3600"
        return response
