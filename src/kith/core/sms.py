"""Text messages, behind one function so a real gateway is a setting, not a code change.

Kith ships two backends: "file" writes each message to var/sms/ (the demo and a group
without a gateway: someone reads them and sends by hand), "memory" keeps them in `outbox`
for tests. A gateway backend is a dotted path in KITH_SMS_BACKEND to a callable
`send(to: str, body: str) -> None`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.utils.module_loading import import_string


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


def send_sms(to: str, body: str) -> None:
    backend = settings.KITH_SMS_BACKEND
    sender = BACKENDS.get(backend) or import_string(backend)
    sender(to, body)
