"""`kith text-in --from 07700900101 "YES 17"`: pretend a text came in, in the demo.

Without a phone and a text-message provider nobody can try the replies (YES and NO to an
offer, STOP, a note to a volunteer). This hands the words to the same code the inbound webhook
calls (messaging.replies.receive, with a fresh message id) and prints what Kith did and the
texts it queued in answer. Demo and DEBUG only: elsewhere it would let anyone at the console
speak for any number.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kith.core.phones import normalise_uk_phone
from kith.messaging import replies
from kith.messaging.models import Message
from kith.messaging.providers import opened

# What receive() returns, for a person at the console.
DONE = {
    "stopped": "The number is opted out of texts (STOP).",
    "started": "The number gets texts again (START).",
    "helped": "Kith did not understand it and answered with what it can do.",
    "resident_note": "Added as a note on the resident's open request.",
    "offer_unknown": "No such offer for this number: Kith said so.",
    "offer_refused": "The offer could not be answered: Kith said why.",
    "ignored": "Ignored: not a UK number.",
}


class Command(BaseCommand):
    help = ("Demo only: act on a text as if it came in from a number "
            "(kith text-in --from 07700900101 \"YES 17\").")

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="sender", required=True,
                            help="the number it comes from, like 07700900101")
        parser.add_argument("--whatsapp", action="store_true",
                            help="as a WhatsApp message rather than a text")
        parser.add_argument("words", help="what the text says, like \"YES 17\"")

    def handle(self, *args, sender: str, words: str, whatsapp: bool, **options):
        if not (settings.DEMO or settings.DEBUG):
            raise CommandError("kith text-in is for the demo (KITH_DEMO=1) and DEBUG only: on a "
                               "real site texts come in from the provider, signed.")
        try:
            number = normalise_uk_phone(sender)
        except ValidationError as problem:
            raise CommandError(" ".join(problem.messages)) from problem
        channel = Message.Channel.WHATSAPP if whatsapp else Message.Channel.SMS
        before = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        action = replies.receive("DEMO" + secrets.token_hex(16), number, words, channel=channel)
        self.stdout.write(f"Kith: {DONE.get(action) or action.replace('_', ' ')}")
        for message in Message.objects.filter(pk__gt=before).order_by("pk"):
            self.stdout.write(f"  queued a {message.get_channel_display().lower()} to "
                              f"...{opened(message.to)[-3:]}: {opened(message.body)}")
