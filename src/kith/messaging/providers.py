"""Talking to the mail server and the text-message provider, and sorting their failures into
"try again later" and "trying again will not help"."""

from __future__ import annotations

import smtplib
from contextlib import contextmanager, suppress

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext_noop as _noop

from kith.messaging.models import Message
from kith.messaging.outbox import PermanentFailure, TemporaryFailure


def opened(value) -> str:
    """The plain text of a sealed field. Sending is the one place the outbox opens what it
    sealed: the provider must be given the number and the words."""
    if value is None:
        return ""
    return value if isinstance(value, str) else value._open()


class LazyMail:
    """One SMTP session for a batch, opened only if the batch has an email in it; a failed
    session is dropped so the next message opens a fresh one."""

    def __init__(self) -> None:
        self._connection = None

    def get(self):
        if self._connection is None:
            self._connection = get_connection()
        return self._connection

    def drop(self) -> None:
        if self._connection is not None:
            with suppress(Exception):  # a broken session is being thrown away
                self._connection.close()
            self._connection = None


@contextmanager
def mail_session():
    mail = LazyMail()
    try:
        yield mail
    finally:
        mail.drop()


def deliver(message: Message, *, mail: LazyMail | None = None) -> str:
    """Send `message`; returns the provider's id for it ('' if it gives none)."""
    if message.channel == Message.Channel.EMAIL:
        return send_email(message, mail or LazyMail())
    if message.channel == Message.Channel.WEBHOOK:
        from kith.partners.webhooks import deliver as post_webhook

        return post_webhook(message)
    return send_text(message)


def send_email(message: Message, mail: LazyMail) -> str:
    email = EmailMessage(subject=message.subject, body=opened(message.body),
                         to=[opened(message.to)], connection=mail.get(),
                         headers={"Message-ID": f"<{message.key}@kith>"})
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as problem:
        codes = [code for code, _ in problem.recipients.values()]
        if all(code >= 500 for code in codes):
            raise PermanentFailure(_noop("The mail server refused the address")) from problem
        mail.drop()
        raise TemporaryFailure(_noop("The mail server could not take it just now")) from problem
    except smtplib.SMTPResponseException as problem:
        mail.drop()
        if problem.smtp_code >= 500 and problem.smtp_code != 554:
            raise PermanentFailure(f"The mail server refused it ({problem.smtp_code})") from problem
        raise TemporaryFailure(f"The mail server said to try later ({problem.smtp_code})") from problem
    except (TimeoutError, smtplib.SMTPException, OSError) as problem:
        mail.drop()
        raise TemporaryFailure(_noop("The mail server could not be reached")) from problem
    return ""


def send_text(message: Message) -> str:
    backend = settings.KITH_SMS_BACKEND
    if backend == "twilio":
        from kith.messaging import twilio_sms

        return twilio_sms.send(message)
    from kith.core import sms

    problem = sms.refusal(backend)
    if problem:
        raise PermanentFailure(_noop("This site has no text-message provider set up"))
    to = opened(message.to)
    if message.channel == Message.Channel.WHATSAPP:  # the demo's files say which it was
        from kith.messaging.channels import whatsapp_address

        to = whatsapp_address(to)
    try:
        sms.send_sms(to, opened(message.body))
    except OSError as error:
        raise TemporaryFailure(_noop("The text-message gateway could not be reached")) from error
    return ""
