"""Texts that quiet hours hold: an offer's text is dropped once the offer has closed, relayed
texts go at once when they cannot wait, a task for today is not held, one YES gets one answer,
an offer says which day it closes, and the logs say why a text is waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kith.matching import notify
from kith.messaging import log, outbox
from kith.messaging.models import Message
from kith.requests import services
from tests.messaging.conftest import AHMED, BEN, TOM, choose, offer_to, text_in

pytestmark = pytest.mark.django_db


# --- 1. an offer's text held past the offer's end


def test_an_offer_text_held_until_after_the_offer_closed_is_not_sent(
        client, twilio, ben, waiting, priya, quiet_now, django_capture_on_commit_callbacks):
    choose(ben, "sms")
    offer = offer_to(waiting, priya, django_capture_on_commit_callbacks)
    held = Message.objects.get(person=ben)
    assert held.next_attempt_at == quiet_now and held.expires_at == offer.expires_at
    # Morning comes after the offer closed.
    past = timezone.now() - timedelta(minutes=1)
    Message.objects.filter(pk=held.pk).update(next_attempt_at=past, expires_at=past)
    assert outbox.send_one(held.pk) == Message.State.FAILED
    assert twilio.delivered == []
    held.refresh_from_db()
    assert held.error == "No longer needed: the offer closed before it could be sent"
    assert log.report_failures() == 0 and not log.recent_failures(waiting.group).exists()
    client.force_login(priya)
    page = client.get(reverse("messaging:group_log", args=[waiting.group.slug])).content.decode()
    assert "No longer needed: the offer closed before it could be sent" in page


def test_an_offer_text_still_open_in_the_morning_is_sent(
        twilio, ben, waiting, priya, quiet_now, django_capture_on_commit_callbacks):
    choose(ben, "sms")
    offer_to(waiting, priya, django_capture_on_commit_callbacks)
    held = Message.objects.get(person=ben)
    Message.objects.filter(pk=held.pk).update(next_attempt_at=timezone.now())
    assert outbox.send_one(held.pk) == Message.State.SENT


# --- 2. relayed texts in quiet hours


def test_a_residents_text_reaches_the_volunteer_at_night(
        client, task, twilio, quiet_now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        text_in(client, "SM" + "5" * 32, "Please bring milk", sender=AHMED)
    assert [t["to"] for t in twilio.delivered] == [TOM]


def test_a_volunteers_text_for_a_later_task_waits_and_they_are_told(
        client, task, twilio, quiet_now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        text_in(client, "SM" + "6" * 32, "See you on Thursday")
    relayed = Message.objects.get(template="relay")
    assert relayed.next_attempt_at == quiet_now
    told = twilio.delivered[-1]
    at = timezone.localtime(quiet_now)
    assert told["to"] == TOM and f"Passed on at {at:%H:%M} (quiet hours)" in told["body"]
    assert AHMED not in [t["to"] for t in twilio.delivered]


def test_a_volunteers_text_for_a_task_due_today_goes_at_once(
        client, task, twilio, quiet_now, django_capture_on_commit_callbacks):
    task.assignments.update(due_by=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        text_in(client, "SM" + "7" * 32, "I'm outside")
    assert [t["to"] for t in twilio.delivered] == [AHMED]


# --- 3. "a task for you" for today; one answer to YES


def test_a_task_for_today_is_texted_in_quiet_hours(
        twilio, ben, waiting, priya, street, quiet_now, django_capture_on_commit_callbacks):
    choose(ben, "sms")
    waiting.urgency = "today"
    waiting.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(waiting, ben, actor=priya, reason="Next door")
    assert [t["to"] for t in twilio.delivered] == [BEN]


def test_a_yes_by_text_gets_one_answer_not_also_a_task_for_you(
        client, twilio, ben, waiting, priya, django_capture_on_commit_callbacks):
    choose(ben, "sms")
    offer = offer_to(waiting, priya, django_capture_on_commit_callbacks)
    before = Message.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        text_in(client, "SM" + "8" * 32, f"YES {offer.pk}", sender=BEN)
    waiting.refresh_from_db()
    assert waiting.current_assignment.volunteer == ben
    new = list(Message.objects.order_by("pk")[before:])
    assert len(new) == 1 and new[0].template == "reply"
    assert "It's yours" in twilio.delivered[-1]["body"]
    assert not [m for m in mail.outbox if "A task for you" in m.subject]


# --- 4. the day an offer closes


def test_an_offer_says_which_day_it_closes():
    closes = notify.closes
    now = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)  # a Thursday evening in London
    assert closes(datetime(2026, 12, 3, 21, 9, tzinfo=UTC), "Europe/London", now) == "21:09 today"
    assert closes(datetime(2026, 12, 4, 1, 9, tzinfo=UTC), "Europe/London", now) == (
        "01:09 tomorrow")
    assert closes(datetime(2026, 12, 5, 10, 0, tzinfo=UTC), "Europe/London", now) == (
        "10:00 on Sat 5 Dec")


def test_the_offer_text_says_today(twilio, ben, waiting, priya,
                                   django_capture_on_commit_callbacks):
    choose(ben, "sms")
    offer = offer_to(waiting, priya, django_capture_on_commit_callbacks)
    by = timezone.localtime(offer.expires_at)
    day = "today" if by.date() == timezone.localdate() else "tomorrow"
    assert f"First yes gets it, by {by:%H:%M} {day}." in twilio.delivered[0]["body"]


# --- 5. the logs say why a text waits, and what a relayed one was


def test_the_logs_say_a_text_is_held_for_quiet_hours_and_name_relayed_texts(
        client, task, priya, quiet_now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        text_in(client, "SM" + "9" * 32, "See you on Thursday")
    client.force_login(priya)
    page = client.get(reverse("messaging:group_log", args=[task.group.slug])).content.decode()
    at = timezone.localtime(quiet_now)
    assert f"Held for quiet hours until {at:%H:%M}" in page
    assert "Passed on between volunteer and resident" in page
    assert "tries so far" not in page.split("Passed on between")[1].split("</tr>")[0]
