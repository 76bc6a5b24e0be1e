"""From their request's status page (after the code), Joan adds a note for the group or
cancels a request nobody is doing yet (requests/by_resident.py)."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse

from kith.core.models import AuditEvent
from kith.requests import by_resident, services, views_public
from kith.requests.intake import Contact, Need, take_request
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import Callback, HelpRequest

pytestmark = pytest.mark.django_db

URL = reverse("requests:status_view")


@pytest.fixture
def asked(street):
    """Joan's shopping, asked on the web form: waiting for a call back."""
    contact = Contact(name="Joan", phone="+447911123456", postcode="W10 5NW",
                      postcode_sector="W10 5", address="7 Golborne Road")
    return take_request(street, channel="web", contact=contact,
                        need=Need(service="shopping", details="Milk and bread")).request


@pytest.fixture
def joans_page(client, asked):
    """Joan's browser after she typed the code: her request's page is open."""
    session = client.session
    session[views_public.STATUS_REQUEST] = {"id": asked.pk, "until": time.time() + 600}
    session.save()
    return client


def _details(req):
    return HelpRequest.objects.get(pk=req.pk).details._open()


def test_the_page_offers_a_note_and_cancelling(joans_page):
    text = joans_page.get(URL).content.decode()
    assert "Anything to tell us about your request?" in text
    assert "I don't need this help any more" in text


def test_a_note_is_added_to_what_they_need_and_the_trail_keeps_it_masked(joans_page, asked):
    response = joans_page.post(URL, {"action": "note", "note": "The buzzer is broken, knock"})
    assert response.status_code == 302
    assert _details(asked).startswith("Milk and bread\nNote from the resident (")
    assert _details(asked).endswith("): The buzzer is broken, knock")
    line = asked.events.get(action="resident_note")
    assert line.actor is None and "buzzer" not in line.note
    assert line.note.startswith("Added on their status page")
    row = AuditEvent.objects.get(action="kith.request.resident_note")
    assert row.new == {"details": "***", "by_resident": True, "came_by": "status_page"}
    assert "buzzer" not in json.dumps(row.new)
    page = joans_page.get(URL).content.decode()
    assert "Your note is with Golborne Road Neighbours" in page


def test_an_empty_note_says_what_to_do(joans_page, asked):
    response = joans_page.post(URL, {"action": "note", "note": "   "})
    assert response.status_code == 400
    assert "Write your note in the box first." in response.content.decode()
    assert not asked.events.filter(action="resident_note").exists()


def test_a_sixth_note_in_a_day_is_refused_and_kept(joans_page, asked):
    for n in range(by_resident.NOTES_A_DAY):
        by_resident.add_note(asked, text=f"Note {n}")
    response = joans_page.post(URL, {"action": "note", "note": "One more thing"})
    text = response.content.decode()
    assert response.status_code == 400
    assert "Please ring us instead." in text and "One more thing" in text


def test_cancelling_needs_the_tick_and_keeps_the_reason(joans_page, asked):
    response = joans_page.post(URL, {"action": "cancel", "reason": "My son is back"})
    text = response.content.decode()
    assert response.status_code == 400
    assert "Tick “Yes, cancel my request”" in text and 'value="My son is back"' in text
    assert HelpRequest.objects.get(pk=asked.pk).state == "new"


def test_cancelling_ends_the_request_and_its_waiting_call(joans_page, asked):
    response = joans_page.post(URL, {"action": "cancel", "reason": "My son is back",
                                     "sure": "on"})
    assert response.status_code == 302
    req = HelpRequest.objects.get(pk=asked.pk)
    assert req.state == "cancelled"
    assert req.callbacks.get().outcome == Callback.Outcome.WITHDRAWN
    move = req.events.get(action="cancel")
    assert move.actor is None
    assert move.note == "Cancelled by them on their status page: My son is back"
    page = joans_page.get(URL).content.decode()
    assert "You cancelled this request on" in page
    assert "Cancel my request" not in page and "Anything to tell us" not in page


def test_the_trail_and_the_timeline_say_the_resident_cancelled_it(client, priya, asked):
    by_resident.cancel(asked, reason="Not needed")
    client.force_login(priya)
    trail = client.get(reverse("groups:audit", args=[asked.group.slug])).content.decode()
    assert f"The resident cancelled request {asked.reference}" in trail
    timeline = client.get(asked.get_absolute_url()).content.decode()
    assert "by the resident" in timeline


def test_once_a_volunteer_is_arranged_they_are_asked_to_ring(joans_page, asked, priya, tom,
                                                              street):
    services.transition(asked, "triage", actor=priya)
    services.assign(asked, tom, actor=priya, reason="Next door")
    page = joans_page.get(URL).content.decode()
    assert "A volunteer is arranged. If you don't need the help any more, please ring us" in page
    assert "Cancel my request" not in page
    response = joans_page.post(URL, {"action": "cancel", "sure": "on"})
    assert response.status_code == 400
    assert HelpRequest.objects.get(pk=asked.pk).state == "assigned"
    with pytest.raises(IllegalMove, match="Please ring us"):
        by_resident.cancel(asked)


def test_closing_the_page_still_works(joans_page):
    response = joans_page.post(URL)
    assert response.status_code == 302 and response.url == reverse("requests:status")
    assert views_public.STATUS_REQUEST not in joans_page.session
