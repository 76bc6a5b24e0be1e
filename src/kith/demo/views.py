"""The demo mailbox: where the demo's email and text messages go instead of the internet."""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime
from email import policy
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

SHOWN = 20


def read_mailbox(folder: Path, limit: int = SHOWN) -> list[dict[str, str]]:
    """Newest first. Django's file backend writes one file per connection, messages split by a rule."""
    if not folder.is_dir():
        return []
    messages: list[dict[str, str]] = []
    for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True):
        chunks = path.read_text(errors="replace").split("-" * 79)
        for chunk in reversed(chunks):
            if not chunk.strip():
                continue
            msg = email.message_from_string(chunk.strip() + "\n", policy=policy.default)
            body = msg.get_body(preferencelist=("plain",))
            messages.append({
                "kind": "email", "to": str(msg.get("To", "")),
                "subject": str(msg.get("Subject", "")), "at": _mail_time(msg.get("Date")),
                "body": body.get_content() if body is not None else "",
            })
            if len(messages) >= limit:
                return messages
    return messages


def _mail_time(header) -> datetime | None:
    try:
        when = parsedate_to_datetime(str(header)) if header else None
    except (TypeError, ValueError):
        return None
    # "-0000" (no zone known) parses naive; mail is stamped in UTC.
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


def read_texts(folder: Path, limit: int = SHOWN) -> list[dict]:
    """Text messages the file backend wrote (core/sms.py: one JSON file each), newest first."""
    if not folder.is_dir():
        return []
    texts = []
    for path in sorted(folder.glob("*.json"), reverse=True)[:limit]:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        texts.append({"kind": "text", "to": data.get("to", ""), "subject": "", "at": at,
                      "body": data.get("body", "")})
    return texts


@require_GET
def mailbox(request):
    if not settings.DEMO:
        raise Http404("The mailbox exists only in the demo")
    everything = (read_mailbox(Path(settings.EMAIL_FILE_PATH))
                  + read_texts(settings.VAR_DIR / "sms"))
    oldest = datetime.min.replace(tzinfo=UTC)
    everything.sort(key=lambda m: m["at"] or oldest, reverse=True)
    return render(request, "demo/mailbox.html", {"messages_": everything[:SHOWN]})
