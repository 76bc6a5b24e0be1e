"""Signed webhooks when a referral's status changes: queued in the move's transaction,
posted by the outbox's worker with its retries, never to a private address in production."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kith.messaging import outbox
from kith.messaging.models import Message
from kith.partners import services, webhooks
from kith.partners.models import PartnerReferral, WebhookDelivery
from kith.requests import services as requests
from kith.requests.models import HelpRequest
from tests.partners.conftest import referral_body

pytestmark = pytest.mark.django_db


class Receiver:
    """A partner's server on 127.0.0.1 that answers each post with the next status given."""

    def __init__(self, statuses=(200,)):
        self.posts, self.statuses = [], list(statuses)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/kith"

    def stop(self):
        self.server.shutdown()


@pytest.fixture
def receiver(settings):
    settings.KITH_WEBHOOKS_ALLOW_PRIVATE = True
    found = Receiver()
    yield found
    found.stop()


@pytest.fixture
def webhook_secret(partner, priya, receiver):
    return services.set_webhook(partner, url=receiver.url, acting_user=priya)


def _referred(api) -> HelpRequest:
    made = api.post("/groups/golborne-road/referrals", referral_body()).json()
    return PartnerReferral.objects.get(public_id=made["id"]).request


def test_a_new_status_queues_one_signed_post_and_the_worker_sends_it(
        api, priya, tom, receiver, webhook_secret):
    req = _referred(api)
    requests.transition(req, "triage", actor=priya)  # still "received" to the partner
    assert not WebhookDelivery.objects.exists()
    requests.transition(req, "cancel", actor=priya, note="Family sorted it")
    (delivery,) = WebhookDelivery.objects.select_related("message")
    assert delivery.message.channel == Message.Channel.WEBHOOK
    assert outbox.send_one(delivery.message.pk) == Message.State.SENT

    (headers, body), = receiver.posts
    sent = json.loads(body)
    assert sent["referral"]["status"] == "cancelled"
    assert sent["referral"]["previous_status"] == "received"
    assert "Joan" not in body.decode() and "07911" not in body.decode()
    stamp, mac = dict(p.split("=", 1) for p in headers["Kith-Signature"].split(",")).values()
    expected = hmac.new(webhook_secret.encode(), f"{stamp}.".encode() + body,
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, expected)
    assert headers["Kith-Event-Id"] == str(delivery.message.key)


def test_a_busy_partner_server_is_tried_again_and_a_refusal_is_given_up(
        api, priya, receiver, webhook_secret):
    receiver.statuses = [503, 410]
    req = _referred(api)
    requests.transition(req, "cancel", actor=priya, note="Family sorted it")
    message = Message.objects.get(channel=Message.Channel.WEBHOOK)
    assert outbox.send_one(message.pk) == Message.State.QUEUED
    Message.objects.filter(pk=message.pk).update(next_attempt_at=None)
    assert outbox.send_one(message.pk) == Message.State.FAILED
    assert "410" in Message.objects.get(pk=message.pk).error
    assert len(receiver.posts) == 2


def test_no_webhook_without_an_address(api, priya, partner):
    req = _referred(api)
    requests.transition(req, "cancel", actor=priya, note="Family sorted it")
    assert not Message.objects.filter(channel=Message.Channel.WEBHOOK).exists()


def test_a_post_whose_address_was_changed_since_is_not_sent(
        api, priya, partner, receiver, webhook_secret):
    req = _referred(api)
    requests.transition(req, "cancel", actor=priya, note="Family sorted it")
    services.set_webhook(partner, url="", acting_user=priya)
    message = Message.objects.get(channel=Message.Channel.WEBHOOK)
    assert outbox.send_one(message.pk) == Message.State.FAILED
    assert receiver.posts == []


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/kith", "http://localhost:8000/", "https://10.0.0.7/hook",
    "http://169.254.169.254/latest/meta-data", "http://[::1]/", "ftp://partner.example/",
    "file:///etc/passwd", "https://user:pass@partner.example/",
    # Private IPv4 dressed as IPv6: NAT64, 6to4, IPv4-compatible, IPv4-mapped, Teredo.
    "https://[64:ff9b::a9fe:a9fe]/", "https://[64:ff9b::a00:1]/", "https://[2002:a9fe:a9fe::]/",
    "https://[2002:7f00:1::1]/", "https://[::a9fe:a9fe]/", "https://[::ffff:10.0.0.1]/",
    "https://[64:ff9b:1::a9fe:a9fe]/", "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
])
def test_it_refuses_addresses_kith_must_not_post_to(url, settings):
    settings.DEBUG = False
    with pytest.raises(webhooks.UnsafeAddress):
        webhooks.check_url(url)


def test_it_needs_https_outside_development_and_the_demo(settings):
    public = {"resolve": lambda *a, **k: [(2, 1, 6, "", ("93.184.216.34", 80))]}
    settings.DEBUG, settings.DEMO = False, False
    with pytest.raises(webhooks.UnsafeAddress, match="https://"):
        webhooks.check_url("http://partner.example/kith", **public)
    settings.DEMO = True
    webhooks.check_url("http://partner.example/kith", **public)


def test_it_accepts_public_ipv6_including_public_ipv4_inside(settings):
    settings.DEBUG = False
    for address in ("2a00:1450:4009:81f::200e", "64:ff9b::5db8:d822", "2002:5db8:d822::1"):
        webhooks.check_url("https://partner.example/kith",
                           resolve=lambda *a, _at=address, **k: [(10, 1, 6, "", (_at, 443, 0, 0))])


def test_sending_connects_to_the_address_it_checked(api, priya, partner, receiver, monkeypatch):
    """Resolved once at send time; the post goes to that address (a name answering with
    another address a moment later, DNS rebinding, is never asked)."""
    port = receiver.server.server_port
    services.set_webhook(partner, url=f"http://partner.example:{port}/kith", acting_user=priya)
    looked = []

    def resolve(host, *args, **kwargs):
        looked.append(host)
        return [(2, 1, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", resolve)
    req = _referred(api)
    requests.transition(req, "cancel", actor=priya, note="Family sorted it")
    message = Message.objects.get(channel=Message.Channel.WEBHOOK)
    assert outbox.send_one(message.pk) == Message.State.SENT
    (headers, _body), = receiver.posts
    assert headers["Host"] == f"partner.example:{port}"
    assert looked.count("partner.example") == 1  # the connection used the number it checked


def test_a_name_that_now_resolves_privately_is_not_posted_to(api, priya, partner, receiver,
                                                             monkeypatch, settings):
    port = receiver.server.server_port
    services.set_webhook(partner, url=f"https://partner.example:{port}/kith", acting_user=priya)
    req = _referred(api)
    requests.transition(req, "cancel", actor=priya, note="Family sorted it")
    settings.KITH_WEBHOOKS_ALLOW_PRIVATE = False
    monkeypatch.setattr(webhooks.socket, "getaddrinfo",
                        lambda *a, **k: [(10, 1, 6, "", ("64:ff9b::7f00:1", port, 0, 0))])
    message = Message.objects.get(channel=Message.Channel.WEBHOOK)
    assert outbox.send_one(message.pk) == Message.State.FAILED
    assert "private network" in Message.objects.get(pk=message.pk).error
    assert receiver.posts == []


def test_it_accepts_a_public_address(settings):
    settings.DEBUG = False
    webhooks.check_url("https://partner.example/kith",
                       resolve=lambda *a, **k: [(2, 1, 6, "", ("93.184.216.34", 443))])


def test_the_signature_is_over_time_and_body():
    assert webhooks.sign("s", b"{}", 10) != webhooks.sign("s", b"{}", 11)
    assert webhooks.sign("s", b"{}", 10).startswith("t=10,v1=")


def test_the_groups_message_log_names_a_failed_webhook(api, client, priya, receiver,
                                                       webhook_secret):
    from django.urls import reverse

    from kith.messaging.log import failure_lines

    receiver.statuses = [410]
    req = _referred(api)
    requests.transition(req, "cancel", actor=priya, note="Family sorted it")
    message = Message.objects.get(channel=Message.Channel.WEBHOOK)
    outbox.send_one(message.pk)
    (line,) = failure_lines([Message.objects.get(pk=message.pk)])
    assert line.startswith("1 webhook to a partner's server failed")
    client.force_login(priya)
    page = client.get(reverse("messaging:group_log", args=["golborne-road"]))
    assert page.status_code == 200 and "Webhook to a partner" in page.content.decode()


def test_the_deploy_check_warns_about_private_webhooks(settings):
    from kith.partners.checks import check_webhook_addresses

    assert check_webhook_addresses() == []
    settings.KITH_WEBHOOKS_ALLOW_PRIVATE = True
    assert [w.id for w in check_webhook_addresses()] == ["kith.partners.W001"]


def test_a_joined_referral_is_told_only_its_own_status(api, priya, street, receiver,
                                                        webhook_secret):
    from kith.requests.intake import Contact, Need, take_request

    earlier = take_request(street, channel="web", contact=Contact(
        name="Joan Smith", phone="07911 123456", postcode="W10 5NW"),
        need=Need(service="shopping", urgency="today")).request
    requests.transition(earlier, "triage", actor=priya)
    made = api.post("/groups/golborne-road/referrals", referral_body()).json()
    assert PartnerReferral.objects.get(public_id=made["id"]).request == earlier
    requests.transition(earlier, "cancel", actor=priya, note="Family sorted it")
    (delivery,) = WebhookDelivery.objects.select_related("message")
    assert outbox.send_one(delivery.message.pk) == Message.State.SENT
    (_headers, body), = receiver.posts
    sent = json.loads(body)["referral"]
    assert sent == {"id": made["id"], "status": "cancelled", "previous_status": "received"}
    assert earlier.reference not in body.decode()
