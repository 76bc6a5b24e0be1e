"""A text cannot be refused like a web form, so what it hides is taken out on the way in: a
right-to-left override must not turn a resident's words around on the task page or in the
text relayed to their volunteer."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from kith.core.text import readable
from kith.messaging.models import InboundText
from kith.requests import services
from kith.requests.intake import Contact, Need, take_request
from tests.messaging.standin import TOKEN
from tests.requests.conftest import clear_to_help

pytestmark = pytest.mark.django_db

INBOUND = "/messaging/twilio/inbound/"
TOM = "+447911000001"
AHMED = "+447911123456"
TURNED = "Thanks \u202eevil\u202c see\u200b you"  # shows as "Thanks live see you"


@pytest.fixture
def task(street, priya, tom, twilio):
    clear_to_help(tom, street, coordinator=priya)
    tom.phone = TOM
    tom.save(update_fields=["phone"])
    req = take_request(street, channel="phone", triage=True, acting_user=priya,
                       contact=Contact(name="Mrs Ahmed", phone=AHMED, address="14 Golborne Road",
                                       postcode="W10 5NW"),
                       need=Need(service="shopping", details="Milk, bread")).request
    services.assign(req, tom, actor=priya, reason="Lives round the corner")
    return req


def _text(client, sid, body, sender):
    data = {"MessageSid": sid, "From": sender, "Body": body}
    signature = RequestValidator(TOKEN).compute_signature(f"http://testserver{INBOUND}", data)
    return client.post(INBOUND, data, HTTP_X_TWILIO_SIGNATURE=signature)


def test_a_residents_text_loses_its_direction_override_before_anyone_sees_it(
        client, task, twilio, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _text(client, "SM" + "7" * 32, TURNED, sender=AHMED)
    assert twilio.delivered[-1]["body"] == (
        f"From Mrs Ahmed ({task.reference}): Thanks evil see you")
    task.refresh_from_db()
    details = task.details._open()  # what the task page shows under what they need
    assert "Note from the resident" in details and "Thanks evil see you" in details
    assert "\u202e" not in details
    assert InboundText.objects.get().body._open() == "Thanks evil see you"


@pytest.mark.parametrize("typed, kept", [
    ("Thanks \u202eevil\u202c see you", "Thanks evil see you"),
    ("\u2066YES\u2069 17\u200b", "YES 17"),
    ("two\nlines", "two\nlines"),
    ("\u0645\u06cc\u200c\u062e\u0648\u0627\u0645", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0645"),
])
def test_readable_drops_what_hides_or_turns_text(typed, kept):
    assert readable(typed) == kept
