"""Small typed readers for settings that come from the environment.

Kept free of Django imports so settings.py can use them before Django is set up.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name} must be one of yes/no/true/false/1/0, not {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None


def envlist(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def secret_file(path: Path, make: callable) -> str:  # type: ignore[valid-type]
    """Read a secret kept in var/, creating it (mode 600) the first time.

    A clone must run without anyone inventing secrets by hand, yet the same
    secret must survive restarts, so it is generated once and kept on disk.
    """
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process (a second gunicorn worker) made it first: use theirs.
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)


def url_origin(url: str) -> str:
    """The origin a Content-Security-Policy needs for `url`, or '' for one on this site.

    Tile URLs may put a subdomain placeholder in the host ("https://{s}.tile.example.org/…"),
    which becomes a wildcard ("https://*.tile.example.org").
    """
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}", "subdomain-placeholder"))
    if not parts.netloc:
        return ""
    host = parts.netloc.replace("subdomain-placeholder", "*")
    # "//tiles.example.org/…" follows the page's scheme; so does a source without one.
    return f"{parts.scheme}://{host}" if parts.scheme else host
