"""Signed webhooks: a partner is told when a request it referred changes status.

Queued through the outbox (messaging/outbox.py) in the transaction of the change, as a
message of the webhook kind: the URL and the JSON are sealed in the row like an email's
address and words, and a `WebhookDelivery` says whose secret signs it. The worker sends it,
never the request thread, with the outbox's claim, retries and backoff.

Each post carries `Kith-Signature: t=<unix seconds>,v1=<hex>`, the HMAC-SHA256 of
"<t>.<body>" under the partner's secret (signed at each try, so the time is fresh), and
`Kith-Event-Id`, the same on every retry, so the partner can drop repeats.

Only http and https addresses, and never one that resolves to a private, loopback or
link-local address (so a partner's URL cannot be used to reach Kith's own network), except
when DEBUG is on or KITH_WEBHOOKS_ALLOW_PRIVATE says so (tests). The address is checked when
it is saved and again before every send, since what a name resolves to can change.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop as _noop

from kith.partners import status as partner_status

EVENT = "referral.status_changed"
TIMEOUT = 10  # seconds: the outbox's claim outlives this by far
SIGNATURE_HEADER = "Kith-Signature"


class UnsafeAddress(ValueError):
    """Kith will not post there; the message says why, for a coordinator."""


def private_allowed() -> bool:
    return bool(settings.DEBUG or settings.KITH_WEBHOOKS_ALLOW_PRIVATE)


def check_url(url: str, *, resolve=socket.getaddrinfo) -> None:
    """Raise UnsafeAddress unless Kith may post to `url`."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UnsafeAddress("The address must start with https:// (or http://).")
    if parts.username or parts.password:
        raise UnsafeAddress("Leave any name and password out of the address.")
    if private_allowed():
        return
    try:
        found = resolve(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise UnsafeAddress("Kith can't find that address. Check it with the partner.") from None
    for *_rest, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise UnsafeAddress("That address is on a private network. Kith only posts to "
                                "addresses on the internet.")


def sign(secret: str, body: bytes, at: int) -> str:
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def payload(referral, *, previous: str, now=None) -> dict:
    """What the partner is told: its own referral's id and status. Nothing about the person."""
    current, _since = partner_status.of_referral(referral)
    return {
        "type": EVENT,
        "occurred_at": (now or timezone.now()).isoformat(),
        "referral": {"id": str(referral.public_id), "status": current,
                     "previous_status": previous},
    }


def queue(referral, *, previous: str) -> None:
    """Queue one signed post to the referral's partner, in the caller's transaction."""
    from kith.messaging.outbox import queue_webhook
    from kith.partners.models import WebhookDelivery

    partner = referral.partner
    body = json.dumps(payload(referral, previous=previous), separators=(",", ":"))
    saved = queue_webhook(url=partner.webhook_url, body=body, event=EVENT, group=partner.group)
    WebhookDelivery.objects.create(message=saved, partner=partner, referral=referral,
                                   event=EVENT)


def deliver(message) -> str:
    """Post one queued webhook (called by messaging.providers). Raises the outbox's
    Temporary/PermanentFailure so it retries or gives up as for any message."""
    from kith.messaging.outbox import PermanentFailure, TemporaryFailure
    from kith.messaging.providers import opened

    delivery = getattr(message, "webhook", None)
    partner = delivery.partner if delivery is not None else None
    url, secret = opened(message.to), opened(partner.webhook_secret) if partner else ""
    if partner is None or not secret or partner.webhook_url != url:
        # The partner turned webhooks off or moved them since: this one has nowhere to go.
        raise PermanentFailure(_noop("The partner's webhook address was changed or removed"))
    try:
        check_url(url)
    except UnsafeAddress as problem:
        raise PermanentFailure(str(problem)) from None
    body = opened(message.body).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310 (checked)
        "Content-Type": "application/json", "User-Agent": "Kith-Webhooks/1",
        "Kith-Event-Id": str(message.key), SIGNATURE_HEADER: sign(secret, body, int(time.time())),
    })
    try:
        with _opener().open(request, timeout=TIMEOUT) as answer:
            return str(answer.status)
    except urllib.error.HTTPError as answer:
        if answer.code in (408, 425, 429) or answer.code >= 500:
            raise TemporaryFailure(f"The partner's server said to try later ({answer.code})") \
                from None
        raise PermanentFailure(f"The partner's server refused it ({answer.code})") from None
    except (urllib.error.URLError, TimeoutError, OSError):
        raise TemporaryFailure(_noop("The partner's server could not be reached")) from None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect could lead anywhere, a private address included: it counts as a refusal."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _opener():
    return urllib.request.build_opener(_NoRedirects)
