"""Replies that act: "YES 482" takes offer 482 by the same first-accept-wins rule as the page,
"NO 482" declines it, and a resident's reply lands on their request as a note."""

from __future__ import annotations

import pytest
from django.urls import reverse
from twilio.request_validator import RequestValidator

from kith.core.audit import AuditEvent
from kith.matching import offers
from kith.matching.models import Offer
from kith.messaging import outbox
from kith.messaging.models import InboundText, Message
from kith.requests import lifecycle
from tests.messaging.standin import TOKEN

pytestmark = pytest.mark.django_db

INBOUND = "/messaging/twilio/inbound/"


def _text(client, number: str, body: str, sid: str):
    data = {"MessageSid": sid, "From": number, "Body": body}
    signature = RequestValidator(TOKEN).compute_signature(f"http://testserver{INBOUND}", data)
    return client.post(INBOUND, data, HTTP_X_TWILIO_SIGNATURE=signature)


def _offered_by_text(waiting, priya):
    offers.offer_round(waiting, actor=priya)
    made = {o.volunteer.display_name: o for o in waiting.offers.select_related("volunteer")}
    numbers = {}
    for n, (name, offer) in enumerate(sorted(made.items())):
        numbers[name] = f"+4479110000{n:02d}"
        outbox.queue_text(to=numbers[name], person=offer.volunteer, group=waiting.group,
                          body=f"Can you help? Reply YES {offer.pk} or NO {offer.pk}")
    return made, numbers


def test_yes_takes_the_offer_and_answers_with_the_task_link(
        client, twilio, crew, waiting, priya, django_capture_on_commit_callbacks):
    made, numbers = _offered_by_text(waiting, priya)
    ben = made["Ben"]
    with django_capture_on_commit_callbacks(execute=True):
        assert _text(client, numbers["Ben"], f"yes {ben.pk}", "SM" + "1" * 32).status_code == 200
    waiting.refresh_from_db()
    assert waiting.state == lifecycle.ASSIGNED
    assert waiting.current_assignment.volunteer == ben.volunteer
    reply = twilio.delivered[-1]
    assert reply["to"] == numbers["Ben"] and "It's yours" in reply["body"]
    assert f"/volunteer/tasks/{waiting.reference}/" in reply["body"]
    ann = made["Ann"]
    with django_capture_on_commit_callbacks(execute=True):
        _text(client, numbers["Ann"], f"YES {ann.pk}", "SM" + "2" * 32)
    assert "someone else took it first" in twilio.delivered[-1]["body"]
    assert waiting.assignments.count() == 1


def test_no_declines_and_nobody_else_can_answer_for_them(client, twilio, crew, waiting, priya,
                                                         django_capture_on_commit_callbacks):
    made, numbers = _offered_by_text(waiting, priya)
    cat, ann = made["Cat"], made["Ann"]
    with django_capture_on_commit_callbacks(execute=True):
        _text(client, numbers["Cat"], f"NO {cat.pk}", "SM" + "3" * 32)
        _text(client, numbers["Cat"], f"YES {ann.pk}", "SM" + "4" * 32)  # Ann's offer
    cat.refresh_from_db()
    ann.refresh_from_db()
    assert cat.state == Offer.State.DECLINED and ann.state == Offer.State.OPEN
    assert "We'll ask someone else" in twilio.delivered[-2]["body"]
    assert f"could not find offer {ann.pk}" in twilio.delivered[-1]["body"]


def test_a_residents_reply_to_a_status_text_is_a_note_for_the_call_handlers(
        client, twilio, waiting, mrs_ahmed, priya):
    outbox.queue_text(to="+447911000050", body="Your code is 123456", resident=waiting.resident,
                      group=waiting.group)
    _text(client, "+447911000050", "Please ring after 2pm", "SM" + "5" * 32)
    assert InboundText.objects.get().action == "resident_note"
    line = waiting.events.get(action="resident_note")
    assert line.note.startswith("Texted in by the resident")  # not "on their status page"
    assert "2pm" not in line.note
    assert AuditEvent.objects.get(action="kith.request.resident_note").new["came_by"] == "text"
    client.force_login(priya)
    page = client.get(reverse("requests:detail", args=[waiting.group.slug, waiting.reference]))
    assert "Texted in by the resident" in page.content.decode()
    assert "Added on their status page" not in page.content.decode()


def test_anything_unrecognised_gets_the_help_text(client, twilio, crew, waiting, priya,
                                                  django_capture_on_commit_callbacks):
    _made, numbers = _offered_by_text(waiting, priya)
    with django_capture_on_commit_callbacks(execute=True):
        _text(client, numbers["Ann"], "maybe later", "SM" + "6" * 32)
    assert "YES 482" in twilio.delivered[-1]["body"]
    assert Message.objects.filter(template="reply").count() == 1


def test_a_refusal_by_text_speaks_to_the_volunteer(client, twilio, crew, waiting, priya, street,
                                                   django_capture_on_commit_callbacks):
    from kith.volunteers.models import Vetting

    made, numbers = _offered_by_text(waiting, priya)
    ben = made["Ben"]
    Vetting.objects.filter(person=ben.volunteer, group=street).update(approved_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        _text(client, numbers["Ben"], f"YES {ben.pk}", "SM" + "3" * 32)
    body = twilio.delivered[-1]["body"]
    assert "just now: you are not approved yet." in body
    assert "is not approved" not in body and "their" not in body
