"""How Kith reaches a person: email, a text or WhatsApp, as they chose.

`send()` is the one routing point for messages to people Kith knows (offers, assignments,
reminders, alerts to coordinators; requests/notify.py calls it). Each person gets an email
as before, or a short text rendered from the message's text template (`.../text/NAME.txt`
beside `.../email/NAME.txt`), or the same on WhatsApp. A text needs a number: someone who
chose text or WhatsApp without a phone on their account, or whose number answered STOP, is
emailed instead (the channel page says so). Everything goes through the outbox.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from kith.core.audit import log_action
from kith.messaging.models import TEXT_CHANNELS, ContactPreference, Message, TextOptOut

EMAIL, SMS, WHATSAPP = Message.Channel.EMAIL, Message.Channel.SMS, Message.Channel.WHATSAPP
WHATSAPP_PREFIX = "whatsapp:"

# Approved WhatsApp templates, by the text template they stand in for: the setting naming the
# template (its content SID), and how its numbered blanks are filled from the context.
WHATSAPP_TEMPLATES = {
    "matching/text/offered.txt": "TWILIO_WHATSAPP_OFFER_TEMPLATE",
    "requests/text/reminder.txt": "TWILIO_WHATSAPP_REMINDER_TEMPLATE",
}


@dataclass(frozen=True)
class Route:
    channel: str
    to: str
    fallback: str = ""  # why it is not the channel they chose, in words; "" if it is


def sendable() -> list[str]:
    """The channels this site can send on, in the order they are offered. Email always; a text
    needs a gateway (KITH_SMS_BACKEND, not "none": the demo's file of texts counts); WhatsApp
    needs Twilio with a WhatsApp sender (TWILIO_WHATSAPP_FROM), or the demo's file, which
    records which it was. Pages offer only these, so nobody chooses a way that never arrives."""
    from kith.core import sms

    backend = settings.KITH_SMS_BACKEND
    can_text = not sms.refusal(backend)  # "twilio" is a gateway; checks.py checks its settings
    local = backend in sms.LOCAL_BACKENDS and can_text
    whatsapp = local or (backend == "twilio" and bool(settings.TWILIO_WHATSAPP_FROM))
    return [str(EMAIL)] + ([str(SMS)] if can_text else []) + ([str(WHATSAPP)] if whatsapp else [])


def can_text() -> bool:
    """Can this site send a text message (a sign-in code to a mobile, say)?"""
    return SMS in sendable()


def phone_of(person) -> str:
    from kith.messaging.providers import opened

    return opened(person.phone).strip() if person.phone else ""


def preferred(person) -> str:
    """The channel the person chose; without a choice, email, or a text for someone who has
    only a phone number (a volunteer imported from a spreadsheet)."""
    chosen = ContactPreference.objects.filter(person=person).values_list("channel", flat=True)
    return wanted(person, chosen[0] if chosen else "")


def wanted(person, chosen: str) -> str:
    if chosen:
        return chosen
    return EMAIL if person.email or not phone_of(person) else SMS


def route(person) -> Route | None:
    """Where a message to `person` goes now; None if Kith has no way to reach them."""
    return routes([person])[person.pk]


def routes(people) -> dict:
    """route() for many people in two queries (their choices, and which numbers said STOP)."""
    from kith.core.digest import phone_digest

    chosen = dict(ContactPreference.objects.filter(person__in=[p.pk for p in people])
                  .values_list("person_id", "channel"))
    phones = {p.pk: phone_of(p) for p in people}
    digests = {pk: phone_digest(phone) for pk, phone in phones.items() if phone}
    stopped = set(TextOptOut.objects.filter(phone_digest__in=set(digests.values()) - {""})
                  .values_list("phone_digest", flat=True))
    return {p.pk: way_for(p, wanted(p, chosen.get(p.pk, "")), phones[p.pk],
                          stopped=digests.get(p.pk) in stopped)
            for p in people}


def way_for(person, channel: str, phone: str, *, stopped: bool) -> Route | None:
    if channel in TEXT_CHANNELS:
        if not phone:
            why = _("You have no phone number on your account, so we email you instead.")
        elif stopped:
            why = _("You replied STOP to our texts, so we email you instead. Text START to "
                    "get texts again.")
        else:
            return Route(channel, phone)
        if not person.email:  # no other way: the outbox records why it was not sent
            return Route(channel, phone, why) if phone else None
        return Route(EMAIL, person.email, why)
    if person.email:
        return Route(EMAIL, person.email)
    return Route(SMS, phone) if phone else None


def choose(person, channel: str, *, acting_user) -> str:
    """Record how `person` wants to be reached; audited. Saved unchanged, nothing is written."""
    if channel not in Message.Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    with transaction.atomic():
        old = preferred(person)
        if old == channel:
            return channel
        pref, _made = ContactPreference.objects.update_or_create(
            person=person, defaults={"channel": channel})
        log_action("kith.messaging.channel_chosen", actor=acting_user, obj=pref,
                   old={"channel": old}, new={"channel": channel})
    return channel


def summary(person) -> dict:
    """What the channel page and the volunteer's home say: the choice, and what happens."""
    chosen = preferred(person)
    way = route(person)
    words: dict[str, str] = {EMAIL: _("email"), SMS: _("text message"), WHATSAPP: _("WhatsApp")}
    phone = phone_of(person)
    return {"chosen": chosen, "chosen_label": Message.Channel(chosen).label,
            "chosen_words": words[chosen],
            # how messages really go now (email, if they chose texts but have no number)
            "sent_words": words[way.channel] if way else words[chosen],
            "phone_ending": phone[-3:] if phone else "",
            "fallback": way.fallback if way else "",
            "unreachable": way is None, "has_phone": bool(phone_of(person)),
            "has_email": bool(person.email)}


def send(people, *, subject: str, template: str, context: dict, group=None,
         urgent: bool = False, expires_at=None) -> None:
    """Queue one message to each person by their channel. `template` is the email's; the text
    is its `text/` sibling. `urgent` texts skip the group's quiet hours (emails never wait);
    a text still held at `expires_at` (an offer's end) is dropped, not sent."""
    from kith.core.mail import send_templated
    from kith.messaging.outbox import Text, queue_texts

    unique = sorted({p.pk: p for p in people}.values(), key=lambda p: (p.email or "", p.pk))
    ways = routes(unique)
    short = text_template(template)
    texts: list[Text] = []
    for person in unique:
        way = ways[person.pk]
        if way is None:
            continue
        if way.channel == EMAIL:
            send_templated(to=way.to, subject=subject, template=template, context=context,
                           person=person, group=group)
            continue
        if not texts:  # the same words for everyone this call is for
            body = text_body(short, subject, context, group)
        sid, variables = whatsapp_content(short, context) if way.channel == WHATSAPP else ("", "")
        texts.append(Text(to=way.to, body=body,
                          person=person, group=group, template=short or template,
                          channel=way.channel, urgent=urgent, content_sid=sid,
                          content_variables=variables, expires_at=expires_at))
    queue_texts(texts)  # one INSERT, one look at the group's quiet hours


def text_template(email_template: str) -> str:
    return email_template.replace("/email/", "/text/", 1) if "/email/" in email_template else ""


def text_body(template: str, subject: str, context: dict, group=None) -> str:
    """The short form, on one paragraph so it fits in two text segments where it can; a
    message with no text template is its subject and link."""
    try:
        words = render_to_string(template, context) if template else ""
    except TemplateDoesNotExist:
        words = ""
    if not words.strip():
        who = group.name if group is not None else "Kith"
        words = f"{who}: {subject} {context.get('link', '')}"
    return re.sub(r"[ \t]*\n[ \t\n]*", "\n", words).strip()


def whatsapp_content(template: str, context: dict) -> tuple[str, str]:
    """(content SID, JSON variables) for an approved WhatsApp template, or ("", "") for a
    plain message (WhatsApp takes free text only within 24 hours of the person's last one)."""
    setting = WHATSAPP_TEMPLATES.get(template)
    sid = getattr(settings, setting, "") if setting else ""
    if not sid:
        return "", ""
    req = context.get("req")
    service = req.get_service_display().lower() if req is not None else ""
    if "offer" in context:
        from kith.directory.distance import km_in_miles

        offer = context["offer"]
        values = [service, km_in_miles(offer.distance_km), str(offer.pk), context["link"]]
    else:
        due = context["assignment"].due_by
        values = [service, f"{due:%H:%M %d/%m}" if due else "", context["link"]]
    return sid, json.dumps({str(n): str(v) for n, v in enumerate(values, start=1)})


def whatsapp_address(number: str) -> str:
    return number if number.startswith(WHATSAPP_PREFIX) else WHATSAPP_PREFIX + number


def inbound_sender(raw: str) -> tuple[str, str]:
    """(number, channel) of an inbound message: WhatsApp's "whatsapp:+44..." is the number
    with a prefix, answered by the same replies as a text."""
    if raw.startswith(WHATSAPP_PREFIX):
        return raw.removeprefix(WHATSAPP_PREFIX), WHATSAPP
    return raw, SMS
