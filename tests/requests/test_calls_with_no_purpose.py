"""A call back about a new request leaves the queue once someone else has moved the request on.

A call handler opens the queue to ring people about what they asked for. If a coordinator has
already triaged the request (or put it on hold, escalated or cancelled it), ringing "about your
new request" is a call about something done: the item closes as "No longer needed", with a line
on the request's timeline and an audit row saying which move closed it and who held it. Check-up
calls are about work that may still happen, so they stay until the request ends.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.requests import callbacks, check_ups, services
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import CallAttempt, Callback
from tests.conftest import confirm_two_factor, enable_totp
from tests.requests.test_services import ask

pytestmark = pytest.mark.django_db

QUEUE = reverse("requests:queue", args=["golborne-road"])


@pytest.fixture
def req(street):
    return ask(street).request  # by the web form: a call back joins the queue


@pytest.fixture
def call_back(req):
    return req.callbacks.get(kind=Callback.Kind.REQUEST)


@pytest.mark.parametrize("action, note", [("triage", ""), ("hold", "Resident in hospital"),
                                          ("escalate", "Sounded frightened"),
                                          ("cancel", "Family are helping")])
def test_moving_a_new_request_on_closes_its_call_back(req, call_back, priya, action, note):
    services.transition(req, action, actor=priya, note=note)
    call_back.refresh_from_db()
    assert call_back.outcome == Callback.Outcome.WITHDRAWN
    assert call_back.closed_by == priya and call_back.closed_at is not None
    assert call_back not in callbacks.waiting(req.group) and call_back not in callbacks.later(
        req.group)
    audit = AuditEvent.objects.get(action="kith.callback.withdrawn", object_id=str(call_back.pk))
    assert audit.actor == priya and audit.new["because"] == action
    line = req.events.get(action="callback_withdrawn")
    assert line.actor == priya and line.note.startswith("New request taken out of the queue")


def test_a_call_handler_on_the_call_is_told_and_nothing_is_recorded(req, call_back, sam, priya):
    now = timezone.now()
    assert callbacks.claim(call_back, sam, now=now)
    services.transition(req, "triage", actor=priya)
    audit = AuditEvent.objects.get(action="kith.callback.withdrawn", object_id=str(call_back.pk))
    assert audit.new["held_by"] == sam.pk  # the trail says whose call was taken away
    with pytest.raises(IllegalMove, match="its request has moved on"):
        callbacks.log_attempt(call_back, by=sam, outcome="reached", now=now)
    assert not CallAttempt.objects.exists()
    call_back.refresh_from_db()
    assert (call_back.outcome, call_back.closed_by, call_back.claimed_by) == (
        Callback.Outcome.WITHDRAWN, priya, None)


def test_the_queue_no_longer_lists_it(client, sam, req, call_back, priya):
    enable_totp(sam)
    client.force_login(sam)
    confirm_two_factor(client)
    assert req.reference in client.get(QUEUE).content.decode()
    services.transition(req, "triage", actor=priya)
    page = client.get(QUEUE).content.decode()
    assert req.reference not in page
    # Its own page, from an old link or the request's page, says why it went.
    response = client.get(reverse("requests:callback", args=["golborne-road", call_back.pk]))
    assert response.status_code == 200 and "No longer needed" in response.content.decode()


def test_a_check_up_stays_while_the_work_it_checks_on_goes_on(street, priya, tom):
    req = ask(street).request
    services.transition(req, "triage", actor=priya)
    services.transition(req, "start_matching", actor=priya)
    services.assign(req, tom, actor=priya, reason="Lives next door")
    check_up = check_ups.book(req, at=timezone.now() + timedelta(days=1), actor=priya)
    services.start(req, actor=tom)
    services.hand_back(req, actor=tom, note="Had to go away")
    check_up.refresh_from_db()
    assert check_up.outcome == "" and check_up in callbacks.later(street)
    services.transition(req, "cancel", actor=priya, note="Family are helping")
    check_up.refresh_from_db()
    assert check_up.outcome == Callback.Outcome.WITHDRAWN


def test_a_call_taken_by_phone_and_triaged_at_once_leaves_nothing_behind(street, sam):
    taken = ask(street, channel="phone", acting_user=sam)
    assert taken.request.state == "triaged" and not taken.request.callbacks.exists()
