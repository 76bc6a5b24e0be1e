"""Logs keep where a request went, never what was typed into it or a secret in its address.

A query string holds what people search for (a resident's postcode typed into /find/) and a
`next=` that may carry an invitation link; some paths are secrets themselves (an invitation's
token, allauth's password-reset key). `loggable()` drops every query string and masks those
path segments wherever a path appears in a log line: gunicorn's access log (access_log.py)
and Django's own loggers (ScrubFilter on the console handler, settings.LOGGING).
"""

from __future__ import annotations

import logging
import re

HIDDEN = "[hidden]"

# Paths whose next segment is a secret: a test walks every URL so a new one cannot be missed.
SECRET_PREFIXES = (
    "/invite/",                         # groups:invitation_accept, the invitation's token
    "/accounts/password/reset/key/",    # allauth's account_reset_password_from_key
    "/copy/",                           # transparency:link, a resident's copy of their data
)
_SECRET_SEGMENT = re.compile(
    "(" + "|".join(re.escape(prefix) for prefix in SECRET_PREFIXES) + r")[^/?#\s\"']+"
)
# A path (after an optional scheme and host), then an optional query string and fragment.
_URL = re.compile(r"((?:https?://[^/\s\"'?#]+)?/[^\s\"'?#]*)(?:\?[^\s\"'#]*)?(?:#[^\s\"']*)?")


def loggable(text: str) -> str:
    """`text` with each URL or path in it cut to its path, secret segments masked."""
    return _URL.sub(lambda found: _SECRET_SEGMENT.sub(rf"\g<1>{HIDDEN}", found.group(1)), text)


class ScrubFilter(logging.Filter):
    """Pass every record on, its message run through `loggable()`.

    A refused page (403) is Kith working as meant: Django logs it with the PermissionDenied's
    traceback, which buries real errors, so it keeps its one line and loses the traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = record.exc_text = None
        message = record.getMessage()
        cleaned = loggable(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True
