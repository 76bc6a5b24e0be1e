"""Twilio's signed callbacks: delivery reports and texts people send to the group's number.

Each is checked with twilio's RequestValidator against the address the site is served at
(the URL Twilio was given, which the proxy passes on as Host and X-Forwarded-Proto): an
unsigned or wrongly signed request is answered 403 and changes nothing. A report or a text
already recorded (Twilio retries, or someone replays a captured one) changes nothing either.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kith.messaging.models import TEXT_CHANNELS, InboundText, Message, StatusReport

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def signed(request) -> bool:
    from twilio.request_validator import RequestValidator

    if not settings.TWILIO_AUTH_TOKEN:
        return False
    signature = request.headers.get("X-Twilio-Signature", "")
    url = request.build_absolute_uri()
    return bool(signature) and RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(
        url, request.POST.dict(), signature)


@csrf_exempt
@require_POST
def status(request):
    if not signed(request):
        return HttpResponseForbidden("Not signed by the text-message provider")
    sid = request.POST.get("MessageSid", "")[:64]
    reported = request.POST.get("MessageStatus", "")[:32]
    if sid and reported:
        record_status(sid, reported, request.POST.get("ErrorCode", ""))
    return HttpResponse(status=204)


def record_status(sid: str, reported: str, error_code: str = "") -> bool:
    """Apply one delivery report; False if this report was already recorded."""
    from kith.messaging.twilio_sms import problem_words

    try:
        with transaction.atomic():
            StatusReport.objects.create(provider_id=sid, status=reported)
            now = timezone.now()
            rows = Message.objects.filter(provider_id=sid, channel__in=TEXT_CHANNELS)
            if reported == "delivered":
                rows.exclude(state=Message.State.FAILED).update(
                    state=Message.State.DELIVERED, delivered_at=now)
            elif reported in ("failed", "undelivered"):
                words = problem_words(error_code) or "the network could not deliver it"
                rows.exclude(state=Message.State.DELIVERED).update(
                    state=Message.State.FAILED, failed_at=now, error=words)
    except IntegrityError:
        return False
    return True


@csrf_exempt
@require_POST
def inbound(request):
    if not signed(request):
        return HttpResponseForbidden("Not signed by the text-message provider")
    from kith.messaging import replies
    from kith.messaging.channels import inbound_sender

    sid = request.POST.get("MessageSid", "")[:64]
    if sid and not InboundText.objects.filter(provider_id=sid).exists():
        number, channel = inbound_sender(request.POST.get("From", ""))  # "whatsapp:+44..."
        replies.receive(sid, number, request.POST.get("Body", ""), channel=channel)
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
