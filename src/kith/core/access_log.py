"""gunicorn's access log without query strings or secret path segments (core/logs.py).

Used with `gunicorn --logger-class kith.core.access_log.AccessLogger` (Makefile, DEPLOY.md).
gunicorn's default line holds the request line with its query string and the Referer, which
can hold an invitation link; every atom a log format can name is cleaned, so a custom
`--access-logformat` cannot bring them back. Safeguarding report pages get no line at all,
and a request whose Referer names one (the page's stylesheet, the next page visited) keeps its
line without the Referer. The report pages also send `Referrer-Policy: strict-origin`, so a
browser should name only the site, not the page; this covers older browsers and hand-made
requests.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from gunicorn.glogging import Logger

from kith.core.logs import ScrubFilter, loggable

_QUERY_ATOMS = ("q", "{query_string}e")
# Safeguarding reports (the public form and the members' one, and the thank-you page after):
# no line at all, since an address and a time could trace an anonymous report to its sender.
# Without the slash too: a poster's address typed as printed is answered by a redirect.
_UNLOGGED = re.compile(r"^/(groups/[^/]+/concern|g/[^/]+/safeguarding/report)(/|$)")
# Every atom that can hold the Referer: gunicorn's own, the header's and the environ's.
_REFERER_ATOMS = ("f", "{referer}i", "{http_referer}e")


def is_unlogged(path: str) -> bool:
    return bool(_UNLOGGED.match(path))


def _from_unlogged_page(referer: str) -> bool:
    try:
        return is_unlogged(urlsplit(referer.strip()).path)
    except ValueError:  # not a URL at all: nothing of a report page to recognise
        return False


class AccessLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        # gunicorn's own error lines can quote a request line too.
        self.error_log.addFilter(ScrubFilter())

    def access(self, resp, req, environ, request_time) -> None:
        if is_unlogged(environ.get("PATH_INFO", "")):
            return
        super().access(resp, req, environ, request_time)

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        if _from_unlogged_page(environ.get("HTTP_REFERER", "")):
            for name in _REFERER_ATOMS:
                if name in atoms:
                    atoms[name] = "-"
        for name, value in atoms.items():
            if isinstance(value, str):
                atoms[name] = loggable(value)
        for name in _QUERY_ATOMS:
            if name in atoms:
                atoms[name] = "-"
        return atoms
