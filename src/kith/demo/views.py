"""The demo mailbox: where the demo's email goes instead of the internet."""

from __future__ import annotations

import email
from email import policy
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
                "to": str(msg.get("To", "")), "subject": str(msg.get("Subject", "")),
                "date": str(msg.get("Date", "")),
                "body": body.get_content() if body is not None else "",
            })
            if len(messages) >= limit:
                return messages
    return messages


@require_GET
def mailbox(request):
    if not settings.DEMO:
        raise Http404("The mailbox exists only in the demo")
    return render(request, "demo/mailbox.html",
                  {"messages_": read_mailbox(Path(settings.EMAIL_FILE_PATH))})
