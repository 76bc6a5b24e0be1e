from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from twilio.request_validator import RequestValidator

from kith.matching import offers
from kith.matching.models import Offer
from kith.messaging import channels, quiet
from kith.messaging.models import QuietHours
from kith.requests import services
from kith.requests.intake import Contact, Need, take_request
from tests.matching.conftest import make_volunteer, waiting_request
from tests.messaging.standin import ACCOUNT, TOKEN
from tests.requests.conftest import clear_to_help

__all__ = ["ACCOUNT", "TOKEN"]  # the stand-in and twilio fixtures are in tests/conftest.py


@pytest.fixture
def db_queue(settings):
    """The real database backend: messages wait for a worker (outbox.recover/`kith worker`)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": settings.TASK_QUEUES}}
    yield


# --- shared by the channel, relay and held-text tests

BEN = "+447911000001"
TOM = "+447911000001"
AHMED = "+447911123456"
INBOUND = "/messaging/twilio/inbound/"
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def waiting(street, priya, mrs_ahmed):
    return waiting_request(street, priya, mrs_ahmed)


@pytest.fixture
def ben(street, priya):
    ben = make_volunteer(street, priya, "Ben", "W10 5QA")
    ben.phone = BEN
    ben.save()
    return ben


def offer_to(waiting, priya, capture) -> Offer:
    with capture(execute=True):
        offers.offer_round(waiting, actor=priya)
    return Offer.objects.get(request=waiting)


def choose(person, channel):
    channels.choose(person, channel, acting_user=person)


@pytest.fixture
def quiet_now(street):
    """Golborne Road's quiet hours are on now: from an hour ago to an hour from now."""
    now = datetime.now(LONDON)
    QuietHours.objects.create(group=street, starts=(now - timedelta(hours=1)).time(),
                              ends=(now + timedelta(hours=1)).time().replace(second=0,
                                                                             microsecond=0))
    return quiet.hold_until(quiet.hours_for(street), now)


def signed_post(client, path, data, token=TOKEN):
    signature = RequestValidator(token).compute_signature(f"http://testserver{path}", data)
    return client.post(path, data, HTTP_X_TWILIO_SIGNATURE=signature)


def text_in(client, sid, body, sender=TOM):
    return signed_post(client, INBOUND, {"MessageSid": sid, "From": sender, "Body": body})


def phone_request(group, actor, *, name, phone, service):
    return take_request(group, channel="phone", triage=True, acting_user=actor,
                        contact=Contact(name=name, phone=phone, address="14 Golborne Road",
                                        postcode="W10 5NW"),
                        need=Need(service=service, details="Milk, bread")).request


@pytest.fixture
def volunteer(tom, street, priya):
    clear_to_help(tom, street, coordinator=priya)
    tom.phone = TOM
    tom.save(update_fields=["phone"])
    return tom


@pytest.fixture
def task(street, priya, volunteer, twilio):
    req = phone_request(street, priya, name="Mrs Ahmed", phone=AHMED, service="shopping")
    services.assign(req, volunteer, actor=priya, reason="Lives round the corner")
    req.refresh_from_db()
    return req


