"""Text and WhatsApp messages through Twilio's own client library (`twilio` on PyPI).

WhatsApp goes through the same Messages API with "whatsapp:" before both numbers, from
TWILIO_WHATSAPP_FROM. A message with a content SID is an approved template (offers and
reminders, when TWILIO_WHATSAPP_OFFER_TEMPLATE / ..._REMINDER_TEMPLATE are set): WhatsApp takes
free text only within 24 hours of the person's last message to the group.

Configured from the environment (docs/DEPLOY.md): KITH_SMS_BACKEND=twilio, TWILIO_ACCOUNT_SID,
TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER, and TWILIO_API_BASE to point the client somewhere
else (the tests' stand-in on 127.0.0.1). Every create carries the message's idempotency key
in an `Idempotency-Key` header, and asks for delivery reports at /messaging/twilio/status/.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from functools import lru_cache

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_noop as _noop

from kith.core.links import site_url
from kith.messaging.models import Message
from kith.messaging.outbox import PermanentFailure, TemporaryFailure

_key: ContextVar[str] = ContextVar("kith_idempotency_key", default="")

# Twilio's error codes that no retry mends, in a coordinator's words.
PERMANENT = {
    21211: _noop("not a valid phone number"),
    21408: _noop("the provider does not text that country"),
    21610: _noop("they asked the provider to stop texts (STOP)"),
    21612: _noop("the provider cannot reach that number"),
    21614: _noop("the number cannot receive texts"),
    30003: _noop("phone switched off or unreachable"),
    30004: _noop("the number blocks texts"),
    30005: _noop("number not in service"),
    30006: _noop("landline, or a network that does not take texts"),
    30007: _noop("stopped by the network as spam"),
    63003: _noop("the number is not on WhatsApp"),
    63016: _noop("WhatsApp takes only an approved template more than 24 hours after their last message"),
}


def problem_words(code) -> str:
    try:
        return PERMANENT.get(int(code), "") if code else ""
    except (TypeError, ValueError):
        return ""


def _client():
    """One client per worker process and configuration: it keeps its HTTP connection open."""
    return _client_for(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN,
                       settings.TWILIO_API_BASE, settings.KITH_PROVIDER_TIMEOUT)


@lru_cache(maxsize=4)
def _client_for(sid: str, token: str, base: str, timeout: int):
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    class KeyedHttpClient(TwilioHttpClient):
        """Adds the idempotency key of the message being sent to the request."""

        def request(self, method, url, params=None, data=None, headers=None, *args, **kwargs):
            headers = dict(headers or {})
            if _key.get():
                headers["Idempotency-Key"] = _key.get()
            return super().request(method, url, params, data, headers, *args, **kwargs)

    http = KeyedHttpClient(timeout=timeout)
    http.logger.setLevel(logging.WARNING)  # it logs every request's headers at INFO
    client = Client(sid, token, http_client=http)
    if base:
        client.api.base_url = base
    return client


def send(message: Message) -> str:
    from requests.exceptions import RequestException
    from twilio.base.exceptions import TwilioException, TwilioRestException


    token = _key.set(str(message.key))
    try:
        created = _client().messages.create(
            **addresses(message), **content(message),
            status_callback=site_url(reverse("messaging:twilio_status")))
    except TwilioRestException as problem:
        words = problem_words(problem.code)
        if words:
            raise PermanentFailure(words) from problem
        if problem.status == 429 or problem.status >= 500:
            raise TemporaryFailure(f"The text-message provider was busy ({problem.status})") from problem
        raise PermanentFailure(f"The text-message provider refused it ({problem.status})") from problem
    except (RequestException, TwilioException, OSError) as problem:
        raise TemporaryFailure("The text-message provider could not be reached") from problem
    finally:
        _key.reset(token)
    return created.sid or ""


def addresses(message: Message) -> dict:
    from kith.messaging.channels import whatsapp_address
    from kith.messaging.providers import opened

    if message.channel == Message.Channel.WHATSAPP:
        return {"to": whatsapp_address(opened(message.to)),
                "from_": whatsapp_address(settings.TWILIO_WHATSAPP_FROM)}
    return {"to": opened(message.to), "from_": settings.TWILIO_FROM_NUMBER}


def content(message: Message) -> dict:
    """An approved template and its values, or the words."""
    from kith.messaging.providers import opened

    if message.content_sid:
        return {"content_sid": message.content_sid,
                "content_variables": opened(message.content_variables)}
    return {"body": opened(message.body)}
