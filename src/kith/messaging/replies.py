"""What Kith does with a text someone sends to the group's number.

STOP (and the other words carriers treat as STOP) opts the number out of texts from every
group until START; both are recorded and audited. Anything else gets a short answer saying
what Kith understands, through the outbox like every text.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core.audit import log_action
from kith.core.digest import phone_digest
from kith.core.text import readable
from kith.messaging import relay
from kith.messaging.models import TEXT_CHANNELS, InboundText, Message, TextOptOut
from kith.messaging.outbox import STOPPED

HELP = ("Kith here. We could not act on your text. To answer an offer reply YES or NO and its "
        "number, like YES 482. Out on a task, reply SAFE when you are safe and finished. Reply "
        "STOP for no more texts, START to get them again. For help, call your group.")
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
START_WORDS = {"START", "UNSTOP", "OPTIN"}


def sender_of(digest: str):
    """(person, resident) Kith last texted at this number, either may be None."""
    if not digest:  # not a UK number: it must not match the residents recorded with no phone
        return None, None
    last = (Message.objects.filter(to_digest=digest, channel__in=TEXT_CHANNELS)
            .exclude(person=None, resident=None).order_by("-created_at", "-pk")
            .select_related("person", "resident").first())
    if last is not None:
        return last.person, last.resident
    from kith.residents.models import Resident

    return None, Resident.objects.filter(phone_digest=digest).order_by("-pk").first()


def receive(sid: str, number: str, body: str, *, channel: str = Message.Channel.SMS) -> str:
    """Record an inbound text (or WhatsApp message, answered the same way) and act on it;
    returns what was done ("" if a replay).

    The body is cleaned first: a text cannot be refused like a web form, and it is shown to
    coordinators and relayed on, so a right-to-left override must not turn its words around."""
    body = readable(body)
    digest = phone_digest(number)
    words = body.strip().upper().split()
    first = words[0] if words else ""
    try:
        with transaction.atomic():
            row = InboundText.objects.create(provider_id=sid, from_digest=digest, body=body[:1600],
                                             channel=channel)
            if first in STOP_WORDS:
                row.action = opt_out(digest)
            elif first in START_WORDS:
                row.action = opt_in(digest, number)
            elif first == "SAFE" and (safe := answer_safe(number, digest)) is not None:
                row.action = safe
            elif first in ("YES", "NO") and len(words) == 2 and words[1].isdigit():
                row.action = answer_offer(first == "YES", int(words[1]), number, digest)
            elif (relayed := relay.relay_text(number, digest, body)) is not None:
                row.action = relayed  # a volunteer's or resident's text about an open task
            elif (note := resident_note(body, digest)) is not None:
                row.action = note
            else:
                row.action = "helped"
                _answer(number, digest, HELP)
            row.save(update_fields=["action"])
    except IntegrityError:  # the same text twice: already handled
        return ""
    return row.action


def opt_out(digest: str) -> str:
    if not digest:
        return "ignored"
    optout, made = TextOptOut.objects.get_or_create(phone_digest=digest)
    if made:
        person, resident = sender_of(digest)
        log_action("kith.messaging.texts_stopped", actor=person, obj=optout,
                   new={"person": person.pk if person else None,
                        "resident": resident.pk if resident else None})
    # Nothing still waiting goes to them either.
    Message.objects.filter(to_digest=digest, channel__in=TEXT_CHANNELS,
                           state=Message.State.QUEUED).update(
        state=Message.State.FAILED, error=STOPPED, failed_at=timezone.now(),
        reported_at=timezone.now())
    return "stopped"


def opt_in(digest: str, number: str) -> str:
    deleted, _rows = TextOptOut.objects.filter(phone_digest=digest).delete()
    if deleted:
        person, resident = sender_of(digest)
        log_action("kith.messaging.texts_started", actor=person, obj=None,
                   new={"person": person.pk if person else None,
                        "resident": resident.pk if resident else None})
    return "started"


def _answer(number: str, digest: str, words: str) -> None:
    from kith.messaging.outbox import queue_text

    person, resident = sender_of(digest)
    came = InboundText.objects.filter(from_digest=digest).order_by("-pk").first()
    queue_text(to=number, body=words, person=person, resident=resident, template="reply",
               channel=came.channel if came else Message.Channel.SMS)


def answer_offer(yes: bool, number_of_offer: int, number: str, digest: str) -> str:
    """"YES 482" takes offer 482 through the same first-accept-wins service as the offer page;
    "NO 482" declines it. Only the volunteer the offer was made to (by the number Kith texted
    them at) can answer it."""
    from django.urls import reverse

    from kith.core.links import site_url
    from kith.matching import offers
    from kith.matching.models import Offer
    from kith.requests.lifecycle import IllegalMove

    person, _resident = sender_of(digest)
    offer = (Offer.objects.filter(pk=number_of_offer, volunteer=person).select_related("request")
             .first() if person is not None else None)
    if offer is None:
        _answer(number, digest, _("Kith here. We could not find offer %(n)s for you. Check the "
                                  "number in the text we sent.") % {"n": number_of_offer})
        return "offer_unknown"
    try:
        with transaction.atomic():
            if yes:
                # Our reply ("It's yours ... <link>") is their one message, not also "A task
                # for you".
                answer = offers.accept(offer, person=person, tell_volunteer=False)
            else:
                answer = offers.decline(offer, person=person, reason=Offer.Reason.OTHER)
    except IllegalMove as refusal:
        _answer(number, digest, str(refusal))
        return "offer_refused"
    words = {
        "accepted": _("Thank you! It's yours. What to do and where: %(link)s"),
        "declined": _("Thanks for letting us know. We'll ask someone else."),
        "taken": _("Thank you, but someone else took it first."),
        "expired": _("Thank you, but this offer ran out of time."),
        "withdrawn": _("Thank you, but this offer was withdrawn."),
    }.get(answer.outcome, _("Thank you."))
    link = site_url(reverse("requests:task", args=[offer.request.reference]))
    _answer(number, digest, words % {"link": link} if "%(link)s" in words else words)
    return f"offer_{answer.outcome}"


def answer_safe(number: str, digest: str) -> str | None:
    """"SAFE" from a volunteer out on a task: their open check-ins close and the tasks are
    marked done (kith.safety.checkins). None when the sender has no check-in open, so the
    text is handled like any other (a resident's SAFE is a note on their request)."""
    from kith.safety.checkins import open_for, reply_safe, texted_by

    person, _resident = sender_of(digest)
    if person is None or not open_for(person).exists():
        person = texted_by(digest)  # their own mobile, though Kith emails them
    if person is None:
        return None
    _closed, left_open = reply_safe(person)
    if left_open:
        _answer(number, digest, _("Kith here. Thank you, glad you're safe. The task stays "
                                  "open: finish it on its page, or the coordinator will."))
    else:
        _answer(number, digest, _("Kith here. Thank you, glad you're safe. The task is "
                                  "marked done."))
    return "check_in_safe"


def resident_note(body: str, digest: str) -> str | None:
    """A resident's reply to a status text: a note on their open request, for the call
    handlers (the same as a note from their status page). None if it is not theirs to add."""
    from kith.requests.by_resident import TEXT, add_note, may_add_note
    from kith.requests.lifecycle import IllegalMove

    person, resident = sender_of(digest)
    if resident is None or person is not None:
        return None
    req = next((r for r in resident.requests.order_by("-created_at") if may_add_note(r)), None)
    if req is None:
        return None
    try:
        with transaction.atomic():
            add_note(req, text=body, came_by=TEXT)
    except IllegalMove:
        return None
    return "resident_note"
