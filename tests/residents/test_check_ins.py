"""Regular check-in calls and the at-risk flag, set on the resident's page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kith.core.models import AuditEvent
from kith.requests.check_ups import book_check_ins

pytestmark = pytest.mark.django_db


def _url(resident):
    return reverse("residents:detail", args=[resident.group.slug, resident.pk])


def test_it_books_weekly_check_ins_once_a_call_handler_asks(client, sam, mrs_ahmed):
    client.force_login(sam)
    response = client.post(_url(mrs_ahmed), {"every_days": "7", "at_risk": "on"})
    assert response.status_code == 302
    mrs_ahmed.refresh_from_db()
    assert (mrs_ahmed.check_in_days, mrs_ahmed.at_risk) == (7, True)
    assert AuditEvent.objects.filter(action="kith.resident.check_ins_set").count() == 1
    from django.utils import timezone

    assert book_check_ins(timezone.now()) == 1
    assert mrs_ahmed.callbacks.get().kind == "check_in"
    assert book_check_ins(timezone.now()) == 0  # one waiting is enough


def test_it_keeps_a_bad_number_of_days_and_says_why(client, sam, mrs_ahmed):
    client.force_login(sam)
    response = client.post(_url(mrs_ahmed), {"every_days": "90"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "At most every 60 days." in text and 'value="90"' in text
    mrs_ahmed.refresh_from_db()
    assert mrs_ahmed.check_in_days is None


def test_it_shows_no_check_in_form_to_a_safeguarding_lead(client, street, mrs_ahmed):
    from tests.factories import MembershipFactory, PersonFactory

    lead = PersonFactory(email="lee@example.org")
    MembershipFactory(person=lead, group=street, is_safeguarding_lead=True)
    client.force_login(lead)
    assert "Check-in calls" not in client.get(_url(mrs_ahmed)).content.decode()
    assert client.post(_url(mrs_ahmed), {"every_days": "7"}).status_code == 200
    mrs_ahmed.refresh_from_db()
    assert mrs_ahmed.check_in_days is None


def test_saving_the_same_check_ins_again_writes_nothing(client, sam, mrs_ahmed):
    client.force_login(sam)
    client.post(_url(mrs_ahmed), {"every_days": "7", "at_risk": "on"})
    client.post(_url(mrs_ahmed), {"every_days": "7", "at_risk": "on"})
    assert AuditEvent.objects.filter(action="kith.resident.check_ins_set").count() == 1


def test_a_returning_resident_who_tells_us_the_same_again_changes_nothing(street, sam):
    from kith.requests.intake import Contact
    from kith.residents.services import register_resident, update_contact

    resident = register_resident(street, acting_user=sam, name="Joan", phone="+447911123456",
                                 email="joan@example.org", address="3 Golborne Road",
                                 postcode="W10 5NW", postcode_sector="W10 5", language="Polish")
    same = Contact(name="Joan", phone="+447911123456", email="joan@example.org",
                   address="3 Golborne Road", postcode="W10 5NW", postcode_sector="W10 5",
                   language="Polish")
    update_contact(resident, acting_user=sam, contact=same)
    assert not AuditEvent.objects.filter(action="kith.resident.updated").exists()
    same.address = "5 Golborne Road"
    update_contact(resident, acting_user=sam, contact=same)
    (event,) = AuditEvent.objects.filter(action="kith.resident.updated")
    assert set(event.new) == {"address"}
