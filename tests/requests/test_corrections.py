"""Correcting a request (requests/corrections.py and its page), and the rule that help at the
door is neither offered nor assigned without an address (requests/visits.py)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kith.core.models import AuditEvent, PersonalDataAccess
from kith.core.privacy import CorrectionDenied
from kith.requests import callbacks, services
from kith.requests.corrections import correct_request
from kith.requests.intake import Contact, Need, take_request
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import Callback, HelpRequest
from kith.requests.visits import MissingForVisit

pytestmark = pytest.mark.django_db

SLUG = "golborne-road"


def _web(street, *, service="shopping", address="", urgency="soon"):
    return take_request(street, channel="web",
                        contact=Contact(name="Joan", phone="+447911123456", address=address,
                                        postcode_sector="W10 5"),
                        need=Need(service=service, details="Milk and bread",
                                  urgency=urgency)).request


def _opened_details(req):
    return HelpRequest.objects.get(pk=req.pk).details._open()


def _edit(req):
    return reverse("requests:edit", args=[SLUG, req.reference])


def _form(req, **changes):
    return {"service": req.service, "urgency": req.urgency, "when": req.when,
            "asked_by": req.asked_by,
            "needed_by": timezone.localtime(req.needed_by).date().isoformat()
            if req.needed_by else "", **changes}


# --- the service ----------------------------------------------------------------------------

def test_it_replaces_what_they_need_and_says_so_without_the_words(priya, street):
    req = _web(street)
    done = correct_request(req, acting_user=priya, details="Milk, bread and eggs", when="Tue am")
    assert done.changed == ["details", "when"]
    assert _opened_details(req) == "Milk, bread and eggs"
    row = AuditEvent.objects.get(action="kith.request.corrected")
    assert row.old == {"details": "***", "when": ""}
    assert row.new == {"details": "***", "when": "Tue am"}
    assert "eggs" not in json.dumps([row.old, row.new])
    line = req.events.get(action="corrected")
    assert line.note == "Corrected: what they need, the best day or time"


def test_it_writes_nothing_when_nothing_differs(priya, street):
    req = _web(street)
    assert correct_request(req, acting_user=priya, details=" Milk and bread ", service="shopping",
                           urgency="soon", when="").changed == []
    assert not AuditEvent.objects.filter(action="kith.request.corrected").exists()
    assert not req.events.filter(action="corrected").exists()


def test_a_new_urgency_moves_needed_by_and_the_waiting_call(priya, street):
    req = _web(street, urgency="week")
    call = req.callbacks.get()
    correct_request(req, acting_user=priya, urgency="today")
    req.refresh_from_db()
    assert timezone.localtime(req.needed_by).date() == timezone.localdate()
    moved = Callback.objects.get(pk=call.pk)
    assert moved.urgent and moved.due_at == call.created_at + timedelta(hours=4)


def test_a_day_in_the_past_is_refused(priya, street):
    req = _web(street)
    with pytest.raises(IllegalMove, match="today or a later day"):
        correct_request(req, acting_user=priya, needed_by=timezone.now() - timedelta(days=2))


@pytest.mark.parametrize("state, words", [
    ("assigned", "Take them off first"),
    ("offered", "Put it on hold first"),
])
def test_the_kind_of_help_is_fixed_once_a_volunteer_is_asked(priya, tom, street, state, words):
    req = _web(street, address="7 Golborne Road")
    services.transition(req, "triage", actor=priya)
    if state == "assigned":
        services.assign(req, tom, actor=priya, reason="Next door")
    else:
        HelpRequest.objects.filter(pk=req.pk).update(state=state)
    with pytest.raises(IllegalMove, match=words):
        correct_request(req, acting_user=priya, service="prescriptions")
    assert HelpRequest.objects.get(pk=req.pk).service == "shopping"


def test_a_new_kind_of_help_waiting_for_a_volunteer_is_offered_afresh(priya, street):
    req = _web(street, address="7 Golborne Road")
    services.transition(req, "triage", actor=priya)
    services.transition(req, "start_matching", actor=priya)
    HelpRequest.objects.filter(pk=req.pk).update(offer_rounds=2)
    correct_request(req, acting_user=priya, service="befriending")
    req.refresh_from_db()
    assert (req.service, req.offer_rounds) == ("befriending", 0)


def test_an_ended_request_is_not_corrected(priya, street):
    req = _web(street)
    services.transition(req, "cancel", actor=priya, note="Sorted by family")
    with pytest.raises(IllegalMove, match="has ended"):
        correct_request(req, acting_user=priya, when="Friday")


def test_a_call_handler_corrects_only_the_request_he_is_triaging(sam, street):
    req = _web(street)
    with pytest.raises(CorrectionDenied):
        correct_request(req, acting_user=sam, when="Friday")
    call = req.callbacks.get()
    assert callbacks.claim(call, sam)
    callbacks.log_attempt(call, by=sam, outcome="reached")  # reached: now he triages it
    assert correct_request(req, acting_user=sam, when="Friday").changed == ["when"]


# --- the page -------------------------------------------------------------------------------

def test_the_page_keeps_what_they_need_sealed(client, priya, street):
    req = _web(street)
    client.force_login(priya)
    text = client.get(_edit(req)).content.decode()
    assert "Sealed. Type it again in full only to replace it." in text
    assert "Milk and bread" not in text
    assert not PersonalDataAccess.objects.exists()


def test_saving_from_the_page_goes_back_to_the_request(client, priya, street):
    req = _web(street)
    client.force_login(priya)
    response = client.post(_edit(req), _form(req, details="Milk only", urgency="today"))
    assert response.status_code == 302 and response.url == req.get_absolute_url()
    assert _opened_details(req) == "Milk only"
    page = client.get(req.get_absolute_url()).content.decode()
    assert "Corrected: what they need, how soon, needed by" in page


def test_a_bad_date_keeps_what_was_typed(client, priya, street):
    req = _web(street)
    client.force_login(priya)
    response = client.post(_edit(req), _form(req, details="Milk only", needed_by="2020-01-01",
                                             when="Any morning"))
    text = response.content.decode()
    assert response.status_code == 400
    assert "Choose today or a later day." in text
    assert "Milk only" in text and 'value="Any morning"' in text
    assert _opened_details(req) == "Milk and bread"


def test_a_coordinator_finds_the_correction_link_on_the_request(client, priya, street):
    req = _web(street)
    client.force_login(priya)
    assert "Correct this request" in client.get(req.get_absolute_url()).content.decode()


def test_an_ended_request_page_says_so(client, priya, street):
    req = _web(street)
    services.transition(req, "cancel", actor=priya, note="Sorted by family")
    client.force_login(priya)
    text = client.get(_edit(req)).content.decode()
    assert "This request has ended (cancelled)" in text
    assert "Correct this request" not in client.get(req.get_absolute_url()).content.decode()


# --- help at the door needs an address ------------------------------------------------------

def test_assigning_shopping_without_an_address_says_what_is_missing(priya, tom, street):
    req = _web(street)
    services.transition(req, "triage", actor=priya)
    with pytest.raises(MissingForVisit) as refused:
        services.assign(req, tom, actor=priya, reason="Next door")
    assert "Kith has no address for Joan" in str(refused.value)
    assert refused.value.url.startswith(
        reverse("residents:edit", args=[SLUG, req.resident_id]))
    assert HelpRequest.objects.get(pk=req.pk).state == "triaged"


def test_a_friendly_call_needs_no_address(priya, tom, street):
    req = _web(street, service="befriending")
    services.transition(req, "triage", actor=priya)
    assert services.assign(req, tom, actor=priya, reason="Likes a chat").volunteer == tom


def test_the_assign_page_links_to_where_the_address_is_added(client, priya, tom, street):
    req = _web(street)
    services.transition(req, "triage", actor=priya)
    client.force_login(priya)
    url = reverse("requests:assign", args=[SLUG, req.reference])
    text = client.get(url).content.decode()
    edit = reverse("residents:edit", args=[SLUG, req.resident_id])
    assert "Kith has no address for Joan" in text and f'href="{edit}?next=' in text
    response = client.post(url, {"volunteer": tom.pk, "reason": "Next door"})
    assert response.status_code == 400
    assert "Add it on Joan&#x27;s details page" in response.content.decode()


def test_adding_the_address_lets_the_assignment_through(client, priya, tom, street):
    from kith.residents.services import correct_resident

    req = _web(street)
    services.transition(req, "triage", actor=priya)
    correct_resident(req.resident, acting_user=priya, address="7 Golborne Road")
    assert services.assign(req, tom, actor=priya, reason="Next door").volunteer == tom
