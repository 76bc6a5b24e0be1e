"""Someone in Manchester asks Golborne Road (which covers W10 5) for help.

The request is taken (nobody is turned away), its timeline and the coordinators' email say it
came from outside the area, and the thank-you page promises no call time: it says the group may
not be able to help and lists the groups nearest the asker.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from kith.core.models import AuditEvent
from kith.groups import services as group_services
from kith.groups.models import Group
from kith.requests.models import Callback, HelpRequest
from tests.factories import GroupFactory
from tests.requests.test_public_intake import ASK, REFER, ask_url, refer_url, sent_url, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def east_barnet(db):
    network = GroupFactory(slug="north-london", name="North London Mutual Aid Network",
                           kind=Group.Kind.NETWORK, phone="+442079460002")
    return GroupFactory(slug="east-barnet", name="East Barnet Mutual Aid",
                        kind=Group.Kind.NEIGHBOURHOOD, parent=network,
                        coverage=["EN4 8", "EN4 9", "EN5 1", "N20 0"])


def _outside_events(req):
    return list(req.events.filter(action="outside_area"))


def test_it_takes_an_ask_from_outside_the_area_and_flags_it(
        client, street, priya, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ask_url(street), {**ASK, "postcode": "M1 1AE"})
    assert response.status_code == 302

    req = HelpRequest.objects.get()
    assert Callback.objects.get(request=req).in_queue  # taken as usual
    (event,) = _outside_events(req)
    assert event.note == "Asked from M1 1; Golborne Road Neighbours covers W10 5"
    assert "M1 1AE" not in event.note  # the full postcode stays sealed
    audit = AuditEvent.objects.get(action="kith.request.outside_area")
    assert audit.new["sector"] == "M1 1"

    (mail,) = [m for m in mailoutbox if "outside your area" in m.subject]
    assert mail.to == [priya.email]
    assert f"{req.reference} (shopping), was made from M1 1" in mail.body
    assert reverse("requests:detail", args=[street.slug, req.reference]) in mail.body
    detail = client.get(reverse("requests:detail", args=[street.slug, req.reference]))
    assert detail.status_code == 302  # signed out; the coordinator's view is below
    client.force_login(priya)
    page = text_of(client.get(reverse("requests:detail", args=[street.slug, req.reference])))
    assert "Asked from outside the group's area" in page


def test_it_makes_no_promise_of_a_call_time_to_someone_outside_the_area(client, street, priya):
    client.post(ask_url(street), {**ASK, "postcode": "M1 1AE", "urgency": "today"})
    words = text_of(client.get(sent_url(street)))
    assert "within" not in words.replace("within 15 miles", "")
    assert "4 hours" not in words and "24 hours" not in words
    assert ("Your postcode is in M1 1, outside the area Golborne Road Neighbours covers (W10 5), "
            "so the group may not be able to help.") in words
    assert "We can't say how soon" in words
    assert "We don't know of a group within 15 miles of M1 1 yet" in words
    assert HelpRequest.objects.get().reference in words


def test_it_shows_the_groups_near_the_asker_on_the_thank_you_page(client, street, east_barnet):
    client.post(ask_url(street), {**ASK, "postcode": "NW4 4BE"})
    response = client.get(sent_url(street))
    words = text_of(response)
    assert "The nearest groups to NW4 4" in words
    assert "East Barnet Mutual Aid" in words
    assert "miles away · part of North London Mutual Aid Network" in words
    assert ("North London Mutual Aid Network, which it is part of, can put you in touch: "
            "Phone: 020 7946 0002") in words
    assert "Ask East Barnet Mutual Aid for help" in words
    assert response.context["nearest"][0].group == east_barnet


def test_the_thank_you_page_shows_what_a_nearby_group_helps_with(client, street, east_barnet):
    # A nearby group listing its services once made this page a 500 on every load: the shared
    # contacts block looked its labels up in a mapping this view never passed.
    group_services.update_group(east_barnet, acting_user=None,
                                services=["shopping", "prescriptions"])
    response = client.post(ask_url(street), {**ASK, "postcode": "NW4 4BE"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == sent_url(street)
    words = text_of(response)
    assert "outside the area Golborne Road Neighbours covers" in words
    assert HelpRequest.objects.get().reference in words
    assert "Helps with: Shopping Collecting prescriptions" in words
    assert client.get(sent_url(street)).status_code == 200  # and on reload


def test_the_coordinators_email_lists_the_same_groups_nearest_first_and_says_how_far(
        client, street, east_barnet, mailoutbox, django_capture_on_commit_callbacks):
    # East Barnet is asked from Hendon: the groups it lists are further away than East Barnet
    # itself, so the email may not call them "nearer"; it gives East Barnet's own distance.
    from kith.directory.distance import in_miles

    rosa = _coordinator_of(east_barnet)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ask_url(east_barnet), {**ASK, "postcode": "NW4 4BE"})
    (mail,) = [m for m in mailoutbox if "outside your area" in m.subject]
    assert mail.to == [rosa.email]
    assert "nearer" not in mail.body
    assert "They are about 3.7 miles from the nearest part of your area." in mail.body
    page = client.get(sent_url(east_barnet)).context["nearest"]
    assert page and [m.distance_m for m in page] == sorted(m.distance_m for m in page)
    listed = [line for line in mail.body.splitlines() if line.startswith("- ")]
    for line, m in zip(listed, page, strict=True):
        assert line.startswith(f"- {m.group.name}, {in_miles(m.distance_m)} away: ")
        assert line.endswith(reverse("directory:group", args=[m.group.slug]))


def _coordinator_of(group):
    from tests.conftest import _member

    return _member(group, "rosa@example.org", "Rosa Lindqvist", coordinator=True)


def test_the_status_page_says_what_the_thank_you_page_said(client, street, east_barnet):
    from tests.requests.test_status_check import VIEW, open_page_for

    client.post(ask_url(street), {**ASK, "postcode": "NW4 4BE"})
    open_page_for(client, HelpRequest.objects.get())
    response = client.get(VIEW)
    words = text_of(response)
    assert ("Your postcode is in NW4 4, outside the area Golborne Road Neighbours covers "
            "(W10 5), so the group may not be able to help.") in words
    assert "They will get in touch if they can help, or to tell you who can." in words
    assert "get in touch soon" not in words and "will get in touch with you" not in words
    assert "The nearest groups to NW4 4" in words and "Ask East Barnet Mutual Aid" in words


def test_once_talked_through_the_status_page_says_where_it_has_got_to(client, street, priya,
                                                                      east_barnet):
    from kith.requests.services import transition
    from tests.requests.test_status_check import VIEW, open_page_for

    client.post(ask_url(street), {**ASK, "postcode": "NW4 4BE"})
    req = HelpRequest.objects.get()
    transition(req, "triage", actor=priya)  # they said they can help after all
    open_page_for(client, req)
    words = text_of(client.get(VIEW))
    assert "outside the area" not in words
    assert "we are looking for a volunteer" in words


def test_it_lists_the_group_that_covers_the_asker_first(client, street, east_barnet):
    client.post(ask_url(street), {**ASK, "postcode": "EN4 8QA"})
    nearest = client.get(sent_url(street)).context["nearest"]
    assert nearest[0].group == east_barnet


def test_it_flags_a_referral_from_outside_the_area_too(client, street, priya, mailoutbox):
    assert client.post(refer_url(street), {**REFER, "postcode": "M1 1AE"}).status_code == 302
    assert len(_outside_events(HelpRequest.objects.get())) == 1
    words = text_of(client.get(sent_url(street)))
    assert "Their postcode is in M1 1" in words
    assert "within 24 hours" not in words


def test_it_keeps_the_promise_and_says_nothing_for_an_ask_inside_the_area(
        client, street, priya, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ask_url(street), ASK)  # W10 5NW
    assert _outside_events(HelpRequest.objects.get()) == []
    assert not [m for m in mailoutbox if "outside" in m.subject]
    words = text_of(client.get(sent_url(street)))
    assert "ring you within 24 hours" in words and "outside the area" not in words


def test_it_counts_the_areas_of_the_groups_inside_a_ward(client, ward, street, priya):
    # The ward lists no area of its own; Golborne Road inside it covers W10 5.
    client.post(ask_url(ward), ASK)
    assert _outside_events(HelpRequest.objects.get()) == []
    client.post(ask_url(ward), {**ASK, "phone": "07911 123457", "postcode": "SW3 5RT"})
    assert len(_outside_events(HelpRequest.objects.get(resident__name="Joan",
                                                       resident__postcode_sector="SW3 5"))) == 1


def test_it_flags_nothing_for_a_group_that_lists_no_area(client, street, priya):
    group_services.update_group(street, acting_user=None, coverage=[])
    client.post(ask_url(street), {**ASK, "postcode": "M1 1AE"})
    assert _outside_events(HelpRequest.objects.get()) == []
    assert "ring you within 24 hours" in text_of(client.get(sent_url(street)))


def test_it_flags_an_ask_once_when_the_same_number_asks_again(
        client, street, priya, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ask_url(street), {**ASK, "postcode": "M1 1AE"})
        client.post(ask_url(street), {**ASK, "postcode": "M1 1AE", "service": "befriending"})
    req = HelpRequest.objects.get()
    assert len(_outside_events(req)) == 1
    assert len([m for m in mailoutbox if "outside your area" in m.subject]) == 1
    assert "outside the area" in text_of(client.get(sent_url(street)))
