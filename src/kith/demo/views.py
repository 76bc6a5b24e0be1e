"""The demo mailbox: the demo's emails and text messages, read from the outbox.

Every message Kith sends is a row in the outbox (kith.messaging), so the mailbox shows each
one as soon as it is queued, with whether the worker has sent it yet. Only the demo opens the
sealed number and words here: its people are fictional, and seeing them is the point.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

SHOWN = 20


def outbox_messages(limit: int = SHOWN) -> list[dict]:
    from kith.messaging.models import Message
    from kith.messaging.providers import opened

    kinds = {Message.Channel.SMS: "text", Message.Channel.WHATSAPP: "whatsapp"}
    return [{"kind": kinds.get(m.channel, "email"),
             "to": opened(m.to), "subject": m.subject, "at": m.created_at,
             "body": opened(m.body), "state": m.get_state_display(), "m": m}
            for m in Message.objects.order_by("-created_at", "-pk")[:limit]]


@require_GET
def mailbox(request):
    if not settings.DEMO:
        raise Http404("The mailbox exists only in the demo")
    return render(request, "demo/mailbox.html", {"messages_": outbox_messages()})
