"""The outbox: written with the change, sent once, retried, failures told in words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from kith.messaging import log, outbox
from kith.messaging.models import Message

pytestmark = pytest.mark.django_db


def _queue_text(person, group, to="+447911123456", body="Can you help on Tuesday?"):
    return outbox.queue_text(to=to, body=body, person=person, group=group, template="offer")


def test_a_message_and_its_task_are_written_with_the_change_or_not_at_all(db_queue, tom, street):
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        outbox.queue_email(to="tom@example.org", subject="Hello", template="messaging/email/failures.txt",
                           context={"group": street, "lines": [], "link": "x"}, person=tom)
    assert Message.objects.count() == 1
    assert DBTaskResult.objects.count() == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.queue_email(to="tom@example.org", subject="Again", template="messaging/email/failures.txt",
                           context={"group": street, "lines": [], "link": "x"}, person=tom)
        raise RuntimeError("the change failed")
    assert Message.objects.count() == 1
    assert DBTaskResult.objects.count() == 1
    assert mail.outbox == []  # nothing is sent until a worker runs


def test_an_email_is_sent_once_its_transaction_commits_and_carries_its_key(
        tom, street, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.queue_email(to="tom@example.org", subject="Hello",
                                     template="messaging/email/failures.txt",
                                     context={"group": street, "lines": ["one"], "link": "x"},
                                     person=tom, group=street)
        assert mail.outbox == []
    message.refresh_from_db()
    assert message.state == Message.State.SENT and message.attempts == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<{message.key}@kith>"


def test_numbers_and_words_are_sealed_at_rest(twilio, tom, street):
    message = _queue_text(tom, street)
    with connection.cursor() as cursor:
        cursor.execute("SELECT \"to\", body FROM messaging_message WHERE id = %s", [message.pk])
        to, body = cursor.fetchone()
    assert "7911123456" not in to and "Tuesday" not in body


def test_a_text_goes_through_twilios_client_to_the_provider(twilio, tom, street):
    message = _queue_text(tom, street)
    assert outbox.send_one(message.pk) == Message.State.SENT
    message.refresh_from_db()
    assert message.provider_id == twilio.delivered[0]["sid"]
    assert twilio.delivered[0]["to"] == "+447911123456"
    assert twilio.delivered[0]["body"] == "Can you help on Tuesday?"
    assert twilio.delivered[0]["key"] == str(message.key)
    assert twilio.delivered[0]["callback"].endswith("/messaging/twilio/status/")


def test_a_busy_provider_is_tried_again_later_and_the_message_goes_once(twilio, settings, tom,
                                                                        street):
    settings.KITH_OUTBOX_RETRY_BASE = 60
    message = _queue_text(tom, street)
    twilio.fail_next = 1
    assert outbox.send_one(message.pk) == Message.State.QUEUED
    message.refresh_from_db()
    assert message.attempts == 1 and "busy" in message.error
    assert message.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert outbox.send_one(message.pk) == ""  # not due yet: nobody may claim it
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox.send_one(message.pk) == Message.State.SENT
    assert len(twilio.delivered) == 1


def test_retries_back_off_and_stop(settings):
    settings.KITH_OUTBOX_RETRY_BASE, settings.KITH_OUTBOX_RETRY_MAX = 30, 600
    assert [outbox.retry_delay(n).total_seconds() for n in (1, 2, 3, 6, 9)] == [30, 60, 120, 600, 600]


def test_giving_up_after_the_last_try_is_a_failure(twilio, settings, tom, street):
    settings.KITH_OUTBOX_MAX_ATTEMPTS = 2
    message = _queue_text(tom, street)
    twilio.fail_next = 5
    outbox.send_one(message.pk)
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox.send_one(message.pk) == Message.State.FAILED
    message.refresh_from_db()
    assert message.error.startswith("Gave up after 2 tries")


def test_a_permanent_failure_reaches_the_coordinators_in_words(
        twilio, tom, priya, street, django_capture_on_commit_callbacks):
    twilio.refused["+447911123456"] = 30005
    for _ in range(3):
        outbox.send_one(_queue_text(tom, street).pk)
    assert Message.objects.filter(state=Message.State.FAILED).count() == 3
    assert log.failure_lines(log.recent_failures(street)) == [
        "3 texts to Tom Brennan failed: number not in service"]
    with django_capture_on_commit_callbacks(execute=True):
        assert log.report_failures() == 1
    report = [m for m in mail.outbox if m.to == ["priya@example.org"]]
    assert len(report) == 1
    assert "3 texts to Tom Brennan failed: number not in service" in report[0].body
    with django_capture_on_commit_callbacks(execute=True):
        assert log.report_failures() == 0  # told once


def test_a_worker_that_died_mid_send_is_covered_by_the_key(twilio, tom, street,
                                                           django_capture_on_commit_callbacks):
    """The provider took the text, then the worker died before writing "sent"."""
    message = _queue_text(tom, street)
    claimed = outbox.claim(message.pk)
    from kith.messaging import providers

    providers.deliver(claimed)  # reached the provider...
    # ...and the worker was killed here. Too early, nothing is taken back:
    assert outbox.recover(stale=timedelta(0)) == 0
    Message.objects.filter(pk=message.pk).update(claimed_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.recover(stale=timedelta(0)) == 1  # sent again, under the same key
    message.refresh_from_db()
    assert message.state == Message.State.SENT and message.attempts == 2
    assert len(twilio.delivered) == 1 and twilio.repeats == 1
    assert message.provider_id == twilio.delivered[0]["sid"]


def test_two_claims_one_winner(tom, street):
    message = _queue_text(tom, street)
    assert outbox.claim(message.pk) is not None
    assert outbox.claim(message.pk) is None


@pytest.mark.django_db(transaction=True)  # the worker commits as it goes, like in life
def test_the_worker_command_sends_what_is_queued(db_queue, twilio, tom, street):
    from django.core.management import call_command

    ids = [_queue_text(tom, street, body=f"Text {n}").pk for n in range(3)]
    assert twilio.delivered == []
    call_command("worker", batch=True, verbosity=0)
    assert set(Message.objects.filter(pk__in=ids).values_list("state", flat=True)) == {"sent"}
    assert sorted(d["body"] for d in twilio.delivered) == ["Text 0", "Text 1", "Text 2"]


def test_each_person_sees_what_was_sent_to_them_and_coordinators_see_their_groups(
        client, twilio, tom, priya, street, other_street, mrs_ahmed, nadia):
    from kith.groups.models import Membership

    twilio.refused["+447911123456"] = 30005
    outbox.send_one(_queue_text(tom, street).pk)
    outbox.queue_email(to="tom@example.org", subject="Lots Road says hello", person=tom,
                       group=other_street, template="messaging/email/failures.txt",
                       context={"group": other_street, "lines": [], "link": "x"})
    outbox.queue_text(to="+447911000111", body="Your code", resident=mrs_ahmed, group=street)
    client.force_login(tom)
    own = client.get("/account/").content.decode()
    assert "Not delivered: number not in service" in own and "Lots Road says hello" in own
    client.force_login(priya)
    membership = Membership.objects.get(person=tom, group=street)
    page = client.get(f"/g/{street.slug}/volunteers/{membership.pk}/").content.decode()
    assert "Not delivered: number not in service" in page
    assert "Lots Road says hello" not in page  # another group's message to him
    resident_page = client.get(mrs_ahmed.get_absolute_url()).content.decode()
    assert "Waiting to be sent" in resident_page and "7911000111" not in resident_page
    today = client.get(f"/g/{street.slug}/").content.decode()
    assert "message that did not arrive this week" in today
    log_page = client.get(f"/g/{street.slug}/messages/").content.decode()
    assert "1 text to Tom Brennan failed: number not in service" in log_page
    assert "7911123456" not in log_page
