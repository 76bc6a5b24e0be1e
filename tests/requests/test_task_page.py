"""The assigned volunteer's task page: the address is theirs to see while the task is theirs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kith.core.models import PersonalDataAccess
from kith.requests import services
from kith.requests.intake import Contact, Need, take_request
from kith.requests.models import Assignment
from tests.factories import MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(street, priya, tom):
    taken = take_request(street, channel="phone", triage=True, acting_user=priya,
                         contact=Contact(name="Mrs Ahmed", phone="07911 123456",
                                         address="14 Golborne Road", postcode="W10 5NW"),
                         need=Need(service="shopping", details="Milk, bread, teabags"))
    services.assign(taken.request, tom, actor=priya, reason="Lives round the corner")
    taken.request.refresh_from_db()
    return taken.request


def _page(client, person, req):
    client.force_login(person)
    return client.get(reverse("requests:task", args=[req.reference]))


def test_it_shows_the_assigned_volunteer_the_address_and_logs_the_look(client, task, tom):
    text = _page(client, tom, task).content.decode()
    assert "14 Golborne Road" in text and "Milk, bread, teabags" in text
    looks = PersonalDataAccess.objects.filter(viewer=tom)
    # One look: a row for the resident (both fields) and one for the request.
    assert sorted(looks.values_list("field", flat=True)) == ["address, postcode", "details"]
    assert set(looks.values_list("reason", flat=True)) == {f"Doing task {task.reference}"}


def test_it_is_not_found_for_any_other_volunteer(client, task, street):
    other = PersonFactory(email="vic@example.org")
    MembershipFactory(person=other, group=street, is_volunteer=True)
    assert _page(client, other, task).status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_it_lets_the_volunteer_start_and_finish_then_hides_the_address_a_day_later(client, task, tom):
    client.force_login(tom)
    url = reverse("requests:task", args=[task.reference])
    assert client.post(url, {"action": "start"}).status_code == 302
    assert client.post(url, {"action": "complete"}).status_code == 302
    task.refresh_from_db()
    assert task.state == "done"
    assert "14 Golborne Road" in client.get(url).content.decode()  # still open for a day
    Assignment.objects.filter(request=task).update(ended_at=timezone.now() - timedelta(hours=25))
    text = client.get(url).content.decode()
    assert "14 Golborne Road" not in text and "no longer yours" in text


def test_it_takes_the_task_back_only_with_a_reason_and_keeps_what_was_typed(client, task, tom):
    client.force_login(tom)
    url = reverse("requests:task", args=[task.reference])
    response = client.post(url, {"action": "hand_back", "note": ""})
    assert response.status_code == 400 and "Say why" in response.content.decode()
    response = client.post(url, {"action": "hand_back", "note": "Bike has a puncture"})
    task.refresh_from_db()
    assert task.state == "matching"
    assert task.events.last().note == "Bike has a puncture"
    assert "14 Golborne Road" not in client.get(url).content.decode()


def test_it_lists_the_task_on_the_volunteer_home(client, task, tom):
    from kith.volunteers.models import VolunteerProfile

    VolunteerProfile.objects.get_or_create(person=tom)
    client.force_login(tom)
    text = client.get(reverse("volunteers:home")).content.decode()
    assert reverse("requests:task", args=[task.reference]) in text


def _worried(client, person, req) -> str:
    from tests.requests.test_public_intake import text_of

    words = text_of(_page(client, person, req))
    return words[words.index("Worried about"):].replace("&amp;", "&")


def test_a_worried_volunteer_is_given_the_groups_own_line(client, task, tom, priya, street):
    from kith.groups import services as group_services

    group_services.update_group(street, acting_user=None, phone="+442079460003")
    priya.phone = "+447700900123"  # her own mobile: never shown to a volunteer
    priya.save()
    words = _worried(client, tom, task)
    assert ("Then ring Golborne Road Neighbours on 020 7946 0003 and ask for the coordinator, "
            "Priya Shah.") in words
    assert "Call your coordinator." not in words
    html = _page(client, tom, task).content.decode()
    assert 'href="tel:+442079460003"' in html
    assert "7700" not in html and "900123" not in html


def test_without_a_line_of_its_own_the_group_above_is_rung(client, task, tom, borough):
    from kith.groups import services as group_services

    group_services.update_group(borough, acting_user=None, phone="+442079460001")
    words = _worried(client, tom, task)
    assert (f"Then ring {borough.name}, which Golborne Road Neighbours is part of, on "
            "020 7946 0001") in words


def test_with_no_line_anywhere_it_names_the_coordinator(client, task, tom, priya):
    words = _worried(client, tom, task)
    assert ("Golborne Road Neighbours has no phone line listed. Tell its coordinator, Priya Shah, "
            "the way you usually reach them.") in words
    assert "use “I can't do this” above and say why" in words
