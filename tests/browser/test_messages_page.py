"""Priya sees on today's page that texts to Tom did not arrive, and why, in words."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_failed_texts_reach_the_coordinator_in_words(live_server, page, enter_emailed_code,
                                                     screenshot, axe_check, priya, tom, street):
    from django.utils import timezone

    from kith.messaging.models import Message

    for _ in range(3):
        Message.objects.create(channel=Message.Channel.SMS, to="+447911123456", body="Can you help?",
                               person=tom, group=street, state=Message.State.FAILED,
                               failed_at=timezone.now(), error="number not in service")
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Your email address").fill("priya@example.org")
    page.get_by_role("button", name="Send me a code").click()
    enter_emailed_code("priya@example.org", "messages-01-code")
    page.wait_for_url("**/g/golborne-road/")
    page.get_by_role("link", name=re.compile("messages that did not arrive")).click()
    page.wait_for_url("**/g/golborne-road/messages/")
    assert "3 texts to Tom Brennan failed: number not in service" in page.content()
    assert "7911123456" not in page.content()
    axe_check("the group's messages")
    screenshot("messages-02-group-log")
