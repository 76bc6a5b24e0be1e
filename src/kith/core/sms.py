"""Text messages, behind one function so a real gateway is a setting, not a code change.

KITH_SMS_BACKEND names where texts go:

- a dotted path to your gateway's callable `send(to: str, body: str) -> None`;
- "none": this deployment has no gateway, and no text is sent;
- "file" writes each message, number and code in plain text, to var/sms/, and "memory" keeps
  them in `outbox`. These two are for the demo, DEBUG and tests only
  (KITH_LOCAL_DELIVERY): in production they would leave residents' numbers and codes
  lying on disk or in memory, so there they send nothing and `kith check --deploy` fails
  (core/checks.py).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

NONE = "none"
LOCAL_BACKENDS = ("file", "memory")


@dataclass
class TextMessage:
    to: str
    body: str


outbox: list[TextMessage] = []


def _to_file(to: str, body: str) -> None:
    folder = settings.VAR_DIR / "sms"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    (folder / f"{stamp}.json").write_text(json.dumps({"to": to, "body": body}))


def _to_memory(to: str, body: str) -> None:
    outbox.append(TextMessage(to, body))


BACKENDS = {"file": _to_file, "memory": _to_memory}


def refusal(backend: str) -> str:
    """Why texts cannot go through `backend` here, or '' if they can."""
    if backend in LOCAL_BACKENDS and not settings.KITH_LOCAL_DELIVERY:
        return (f"KITH_SMS_BACKEND is {backend!r}, which keeps residents' numbers and codes "
                "in plain text; it is only for the demo (KITH_DEMO), DEBUG and tests.")
    if not backend or backend == NONE:
        return "KITH_SMS_BACKEND is not set to a text-message gateway."
    return ""


def send_sms(to: str, body: str) -> bool:
    """Send a text; False if there is no safe way to (logged without the number or text).

    Never raises for a missing gateway: callers send after their transaction commits, and the
    person asking must see the same page either way.
    """
    backend = settings.KITH_SMS_BACKEND
    problem = refusal(backend)
    if problem:
        logger.error("A text message was not sent. %s", problem)
        return False
    sender = BACKENDS.get(backend) or import_string(backend)
    sender(to, body)
    return True
