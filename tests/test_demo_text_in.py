"""`kith text-in`: trying the replies to texts in the demo, without a phone or a provider."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from kith.accounts.models import Person
from kith.demo import data
from kith.demo.loader import load_demo
from kith.matching.models import Offer
from kith.messaging.models import InboundText, TextOptOut
from kith.messaging.outbox import queue_text

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def on_the_demo(settings, demo):
    settings.DEMO = True


def text_in(*args: str) -> str:
    out = StringIO()
    call_command("text_in", *args, stdout=out)
    return out.getvalue()


def test_tom_takes_his_texted_offer_by_replying_yes(on_the_demo):
    tom = Person.objects.get(phone_digest__isnull=False, offers__state=Offer.State.OPEN,
                             email__startswith="tom")
    offer = tom.offers.get(state=Offer.State.OPEN)
    # As if Tom had chosen texts: the offer went to his mobile.
    queue_text(to=data.TOM_MOBILE, body=f"Reply YES {offer.pk}", person=tom,
               template="matching/text/offered.txt")
    said = text_in("--from", "07700900101", f"YES {offer.pk}")
    offer.refresh_from_db()
    assert offer.state == Offer.State.ACCEPTED
    assert "Kith: offer accepted" in said
    assert "queued a text message to ...101: Thank you! It's yours." in said
    assert InboundText.objects.get().action == "offer_accepted"


def test_stop_from_a_number_opts_it_out(on_the_demo):
    said = text_in("--from", "07700 900102", "STOP")
    assert "The number is opted out of texts (STOP)." in said
    assert TextOptOut.objects.count() == 1


def test_a_number_that_is_not_one_is_refused_plainly(on_the_demo):
    with pytest.raises(CommandError, match="phone number"):
        text_in("--from", "call me", "YES 1")
    assert not InboundText.objects.exists()


def test_it_refuses_outside_the_demo_and_debug(settings, demo):
    settings.DEMO = False
    settings.DEBUG = False
    with pytest.raises(CommandError, match="demo"):
        text_in("--from", "07700900101", "STOP")
    assert not TextOptOut.objects.exists()
