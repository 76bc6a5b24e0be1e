"""Signed delivery reports and texts from people: forged ones 403, replays change nothing."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from kith.core.audit import AuditEvent
from kith.messaging import outbox
from kith.messaging.models import InboundText, Message, StatusReport, TextOptOut
from tests.messaging.conftest import TOKEN

pytestmark = pytest.mark.django_db

STATUS = "/messaging/twilio/status/"
INBOUND = "/messaging/twilio/inbound/"


def _post(client, path, data, token=TOKEN):
    signature = RequestValidator(token).compute_signature(f"http://testserver{path}", data)
    return client.post(path, data, HTTP_X_TWILIO_SIGNATURE=signature)


@pytest.fixture
def sent(twilio, tom, street):
    message = outbox.queue_text(to="+447911123456", body="Hello", person=tom, group=street)
    outbox.send_one(message.pk)
    message.refresh_from_db()
    return message


def test_a_signed_delivery_report_marks_the_text_delivered(client, sent):
    answer = _post(client, STATUS, {"MessageSid": sent.provider_id, "MessageStatus": "delivered"})
    assert answer.status_code == 204
    sent.refresh_from_db()
    assert sent.state == Message.State.DELIVERED and sent.delivered_at is not None


def test_unsigned_or_forged_reports_are_refused_and_change_nothing(client, sent):
    data = {"MessageSid": sent.provider_id, "MessageStatus": "failed", "ErrorCode": "30005"}
    assert client.post(STATUS, data).status_code == 403
    assert _post(client, STATUS, data, token="not-the-token").status_code == 403
    signature = RequestValidator(TOKEN).compute_signature(f"http://testserver{STATUS}", data)
    tampered = {**data, "MessageStatus": "delivered"}
    assert client.post(STATUS, tampered, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 403
    sent.refresh_from_db()
    assert sent.state == Message.State.SENT
    assert not StatusReport.objects.exists()


def test_a_replayed_report_changes_nothing(client, sent):
    failed = {"MessageSid": sent.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30005"}
    assert _post(client, STATUS, failed).status_code == 204
    sent.refresh_from_db()
    assert sent.state == Message.State.FAILED and sent.error == "number not in service"
    Message.objects.filter(pk=sent.pk).update(error="looked at")
    assert _post(client, STATUS, failed).status_code == 204
    sent.refresh_from_db()
    assert sent.error == "looked at"
    assert StatusReport.objects.count() == 1


def test_stop_opts_the_number_out_everywhere_and_start_back_in(client, sent, tom, street,
                                                               other_street):
    stop = {"MessageSid": "SM" + "9" * 32, "From": "+447911123456", "Body": " stop "}
    assert _post(client, INBOUND, stop).status_code == 200
    assert TextOptOut.objects.count() == 1
    assert AuditEvent.objects.filter(action="kith.messaging.texts_stopped").count() == 1
    later = outbox.queue_text(to="07911 123456", body="Another group asks", person=tom,
                              group=other_street)
    assert later.state == Message.State.FAILED and "STOP" in later.error
    assert _post(client, INBOUND, stop).status_code == 200  # replay: nothing new
    assert InboundText.objects.count() == 1
    start = {"MessageSid": "SM" + "8" * 32, "From": "+447911123456", "Body": "START"}
    assert _post(client, INBOUND, start).status_code == 200
    assert not TextOptOut.objects.exists()
    assert AuditEvent.objects.filter(action="kith.messaging.texts_started").count() == 1


@pytest.mark.parametrize("word", ["STOPALL", "Unsubscribe", "quit"])
def test_every_stop_word_counts(client, sent, word):
    _post(client, INBOUND, {"MessageSid": "SM" + "7" * 32, "From": "+447911123456", "Body": word})
    assert TextOptOut.objects.count() == 1


def test_anything_else_gets_a_short_helpful_answer(client, sent, twilio, tom,
                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, INBOUND, {"MessageSid": "SM" + "6" * 32, "From": "+447911123456",
                                "Body": "what is this?"})
    answer = Message.objects.filter(template="reply").get()
    assert answer.person == tom
    assert "STOP" in twilio.delivered[-1]["body"] and twilio.delivered[-1]["to"] == "+447911123456"


def test_unsigned_inbound_text_is_refused(client, sent):
    answer = client.post(INBOUND, {"MessageSid": "SM1", "From": "+447911123456", "Body": "STOP"})
    assert answer.status_code == 403
    assert not TextOptOut.objects.exists()
