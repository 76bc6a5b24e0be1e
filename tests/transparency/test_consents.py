"""Consents withdrawn in one step with immediate effect, audited, and given again."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kith.core.models import AuditEvent
from kith.matching.models import MatchCard, Offer
from kith.messaging.models import Message
from kith.messaging.outbox import Email, queue_emails, queue_text
from kith.transparency.consents import WITHDRAWN
from kith.volunteers.models import Consent

pytestmark = pytest.mark.django_db


def test_withdrawing_data_consent_stops_offers_at_once_and_giving_it_again_restores(client,
                                                                                     world):
    tom = world.people["volunteer"]
    assert MatchCard.objects.get(person=tom).cleared
    client.force_login(tom)
    url = reverse("transparency:my_consents")
    response = client.post(url, {"action": "withdraw_data"})
    assert response.status_code == 302
    assert not Consent.objects.filter(person=tom, kind="data").exists()
    assert MatchCard.objects.get(person=tom).cleared == 0  # out of matching
    assert not Offer.objects.filter(volunteer=tom, state=Offer.State.OPEN).exists()
    assert Offer.objects.filter(volunteer=tom, state=Offer.State.WITHDRAWN).exists()
    assert AuditEvent.objects.filter(action="kith.consent.withdrawn", actor=tom).exists()
    page = client.get(url).content.decode()
    assert "Give my consent again" in page
    client.post(url, {"action": "give_data"})
    assert Consent.objects.filter(person=tom, kind="data").exists()
    assert MatchCard.objects.get(person=tom).cleared
    withdrawal = tom.withdrawals.get()
    assert withdrawal.given_again_at is not None and withdrawal.version == 1
    assert AuditEvent.objects.filter(action="kith.consent.given_again", actor=tom).exists()


def test_withdrawing_twice_says_so(client, world):
    tom = world.people["volunteer"]
    client.force_login(tom)
    url = reverse("transparency:my_consents")
    client.post(url, {"action": "withdraw_data"})
    page = client.post(url, {"action": "withdraw_data"}, follow=True).content.decode()
    assert "nothing to withdraw" in page


def _offer_emails(*people):
    """What channels.send queues for an offer by email (every sender ends in the outbox)."""
    queue_emails([Email(to=p.email, subject="A task near you", body="Reply YES", person=p,
                        template="matching/email/offered.txt") for p in people])


def test_stopping_a_kind_of_message_cancels_waiting_ones_and_refuses_new(client, tom, priya):
    waiting = queue_text(to="+447700900123", body="An offer", person=tom,
                         template="matching/text/offered.txt")
    other = queue_text(to="+447700900123", body="Check in", person=tom,
                       template="safety/text/check_in_ask.txt")
    client.force_login(tom)
    client.post(reverse("transparency:my_consents"), {"action": "stop:offers"})
    waiting.refresh_from_db()
    other.refresh_from_db()
    assert (waiting.state, waiting.error) == (Message.State.FAILED, WITHDRAWN)
    assert other.state == Message.State.QUEUED  # safety messages are never stopped
    _offer_emails(tom, priya)
    to_tom = Message.objects.filter(person=tom, template__contains="offered").latest("pk")
    to_priya = Message.objects.filter(person=priya, template__contains="offered").get()
    assert (to_tom.state, to_tom.error) == (Message.State.FAILED, WITHDRAWN)
    assert to_priya.state != Message.State.FAILED
    client.post(reverse("transparency:my_consents"), {"action": "start:offers"})
    _offer_emails(tom)
    assert Message.objects.filter(person=tom, template__contains="offered").latest("pk").state \
        != Message.State.FAILED


def test_a_coordinator_stops_relayed_texts_for_a_resident(client, priya, mrs_ahmed, nadia):
    url = reverse("transparency:resident_consents", args=[mrs_ahmed.group.slug, mrs_ahmed.pk])
    client.force_login(nadia)
    assert client.post(url, {"action": "stop:relay"}).status_code == 404
    client.force_login(priya)
    assert client.post(url, {"action": "stop:relay"}).status_code == 302
    sent = queue_text(to="+447700900456", body="From your volunteer", resident=mrs_ahmed,
                      group=mrs_ahmed.group, template="relay")
    assert (sent.state, sent.error) == (Message.State.FAILED, WITHDRAWN)
    assert AuditEvent.objects.filter(action="kith.consent.withdrawn", group=mrs_ahmed.group,
                                     actor=priya).exists()
    page = client.get(url).content.decode()
    assert "Send them again" in page
    assert client.post(url, {"action": "stop:nonsense"}, follow=True).status_code == 200


def test_a_resident_page_refuses_a_volunteers_kind_and_shows_kinds_in_words(client, priya,
                                                                            mrs_ahmed):
    """Finding 13: offers go to volunteers, never to a resident; what was stopped reads in
    words ("their volunteer"), never as a code like "messages:offers"."""
    url = reverse("transparency:resident_consents", args=[mrs_ahmed.group.slug, mrs_ahmed.pk])
    client.force_login(priya)
    page = client.post(url, {"action": "stop:offers"}, follow=True).content.decode()
    assert "Residents do not get" in page
    assert not mrs_ahmed.withdrawals.exists()
    client.post(url, {"action": "stop:relay"})
    page = client.get(url).content.decode()
    assert "messages:" not in page
    assert "Texts passed on from their volunteer: withdrawn" in page
    assert "your volunteer" not in page


def test_my_consents_refuse_a_residents_kind_and_show_kinds_in_words(client, world):
    tom = world.people["volunteer"]
    client.force_login(tom)
    url = reverse("transparency:my_consents")
    page = client.post(url, {"action": "stop:relay"}, follow=True).content.decode()
    assert "You do not get" in page
    assert not tom.withdrawals.exists()
    page = client.post(url, {"action": "withdraw_data"}, follow=True).content.decode()
    assert "1 open offer was withdrawn." in page
    client.post(url, {"action": "stop:offers"})
    page = client.get(url).content.decode()
    assert "messages:" not in page and "data:" not in page
    assert "Offers of tasks near you: withdrawn" in page
    assert "Storing my details and sharing them with my group: withdrawn" in page


def test_after_withdrawing_the_volunteer_page_says_so_not_that_the_wording_changed(client, world):
    """Finding 7: /volunteer/ tells Tom what he chose and how to undo it; it does not claim
    new wording or a spreadsheet import, nor that he is "free to help now"."""
    tom = world.people["volunteer"]
    client.force_login(tom)
    profile = tom.volunteer
    profile.on_duty = True
    profile.save(update_fields=["on_duty"])
    client.post(reverse("transparency:my_consents"), {"action": "withdraw_data"})
    when = tom.withdrawals.get().withdrawn_at
    page = client.get("/volunteer/").content.decode()
    assert f"You withdrew your consent on {when:%-d %B %Y}: you get no offers." in page
    assert f'<a href="{reverse("transparency:my_consents")}">Give it again</a>' in page
    assert "The wording has changed" not in page and "spreadsheet" not in page
    assert "free to help now" not in page
    client.post(reverse("transparency:my_consents"), {"action": "give_data"})
    page = client.get("/volunteer/").content.decode()
    assert "You withdrew your consent" not in page and "free to help now" in page
