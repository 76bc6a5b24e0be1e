"""Signed webhooks: a partner is told when a request it referred changes status.

Queued through the outbox (messaging/outbox.py) in the transaction of the change, as a
message of the webhook kind: the URL and the JSON are sealed in the row like an email's
address and words, and a `WebhookDelivery` says whose secret signs it. The worker sends it,
never the request thread, with the outbox's claim, retries and backoff.

Each post carries `Kith-Signature: t=<unix seconds>,v1=<hex>`, the HMAC-SHA256 of
"<t>.<body>" under the partner's secret (signed at each try, so the time is fresh), and
`Kith-Event-Id`, the same on every retry, so the partner can drop repeats.

Only https addresses (http too under DEBUG, the demo or KITH_WEBHOOKS_ALLOW_PRIVATE), and
never one that resolves to a private, loopback or link-local address, in IPv4 or in any IPv6
form that carries one (NAT64, 6to4, Teredo, IPv4-mapped or -compatible), so a partner's URL
cannot be used to reach Kith's own network; except when DEBUG is on or
KITH_WEBHOOKS_ALLOW_PRIVATE says so (tests). The address is checked when it is saved and
again at every send, where the name is resolved once and Kith connects to the very address
it checked (no second lookup for DNS rebinding to answer differently).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import time
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


def http_allowed() -> bool:
    """Plain http only where nothing real is sent: development, the demo, tests."""
    return bool(private_allowed() or settings.DEMO)


# IPv6 ranges that carry an IPv4 address inside them, and where it sits: NAT64 (well-known
# and local-use prefixes) in the last 32 bits. 6to4, Teredo and IPv4-mapped addresses have
# their own properties in ipaddress; "IPv4-compatible" ::a.b.c.d is the last 32 bits too.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_COMPATIBLE = ipaddress.ip_network("::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    last32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    found = [address.ipv4_mapped, address.sixtofour,
             address.teredo[1] if address.teredo else None]
    if any(address in network for network in _NAT64):
        found.append(last32)
    if address in _COMPATIBLE and int(address) > 1:  # not :: or ::1, which are checked as v6
        found.append(last32)
    return [a for a in found if a is not None]


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """On the internet, and so is any IPv4 address an IPv6 one carries (a private IPv4
    address dressed as IPv6 reaches the same machine through a translator)."""
    inside = _embedded_ipv4(address) if isinstance(address, ipaddress.IPv6Address) else []
    return all(a.is_global and not a.is_multicast for a in [address, *inside])


def check_url(url: str, *, resolve=None) -> None:
    """Raise UnsafeAddress unless Kith may post to `url` (when a coordinator saves it)."""
    _check_form(url)
    if not private_allowed():
        safe_address(url, resolve=resolve)


def _check_form(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UnsafeAddress("The address must start with https://.")
    if parts.scheme == "http" and not http_allowed():
        raise UnsafeAddress("The address must start with https://, so what Kith sends "
                            "cannot be read on the way.")
    if parts.username or parts.password:
        raise UnsafeAddress("Leave any name and password out of the address.")


def safe_address(url: str, *, resolve=None) -> str:
    """The one address Kith will connect to for `url`: resolved once, every answer checked.
    Sending connects to this address itself, so a name that resolves differently a moment
    later (DNS rebinding) cannot lead Kith anywhere else."""
    parts = urlsplit(url)
    try:
        found = (resolve or socket.getaddrinfo)(parts.hostname, _port(parts),
                                                proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise UnsafeAddress("Kith can't find that address. Check it with the partner.") from None
    addresses = [ipaddress.ip_address(str(sockaddr[0]).split("%")[0]) for *_rest, sockaddr in found]
    if not addresses:
        raise UnsafeAddress("Kith can't find that address. Check it with the partner.")
    if not private_allowed() and not all(is_public(a) for a in addresses):
        raise UnsafeAddress("That address is on a private network. Kith only posts to "
                            "addresses on the internet.")
    return str(addresses[0])


def _port(parts) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


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
        _check_form(url)
        address = safe_address(url)
    except UnsafeAddress as problem:
        raise PermanentFailure(str(problem)) from None
    body = opened(message.body).encode()
    headers = {
        "Content-Type": "application/json", "User-Agent": "Kith-Webhooks/1",
        "Kith-Event-Id": str(message.key), SIGNATURE_HEADER: sign(secret, body, int(time.time())),
    }
    try:
        code = _post(url, address, body, headers)
    except (OSError, TimeoutError, http.client.HTTPException):
        raise TemporaryFailure(_noop("The partner's server could not be reached")) from None
    if 200 <= code < 300:
        return str(code)
    if code in (408, 425, 429) or code >= 500:
        raise TemporaryFailure(f"The partner's server said to try later ({code})")
    # A redirect counts as a refusal: it could lead anywhere, a private address included.
    raise PermanentFailure(f"The partner's server refused it ({code})")


def _post(url: str, address: str, body: bytes, headers: dict) -> int:
    """POST to `address` (checked), naming the host of `url` (and checking its certificate)."""
    parts = urlsplit(url)
    kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    connection = kind(parts.hostname or "", _port(parts), timeout=TIMEOUT)
    connection.address = address
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


class _PinnedHTTP(http.client.HTTPConnection):
    address = ""

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    address = ""

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
