"""A resident who stopped texts passed on from their volunteer gets none; the volunteer is
told at once."""

from __future__ import annotations

import pytest

from kith.messaging.models import InboundText, Message
from kith.transparency import consents
from tests.messaging.conftest import text_in

pytestmark = pytest.mark.django_db


def test_a_relayed_text_to_a_resident_who_stopped_them_is_not_sent(client, task, priya):
    consents.withdraw_messages("relay", resident=task.resident, acting_user=priya)
    text_in(client, "SM" + "7" * 32, "On my way")
    assert InboundText.objects.get().action == "relay_stopped"
    relayed = Message.objects.get(template="relay")
    assert relayed.state == Message.State.FAILED and relayed.error == consents.WITHDRAWN
    told = Message.objects.filter(template="reply", person=task.current_assignment.volunteer)
    assert "asked not to get texts passed on" in told.latest("pk").body._open()
    consents.give_messages_again("relay", resident=task.resident, acting_user=priya)
    text_in(client, "SM" + "8" * 32, "Running late")
    assert Message.objects.filter(template="relay").latest("pk").state != Message.State.FAILED
