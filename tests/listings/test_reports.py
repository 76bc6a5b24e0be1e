"""A neighbour rings Golborne Road's number and nobody answers. She says so on the listing;
Priya, its coordinator, sees the report and resolves it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.urls import reverse

from kith.core.models import AuditEvent
from kith.listings import ratelimit, services
from kith.listings.models import ListingReport

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


def _report_url(group) -> str:
    return reverse("listings:report", args=[group.slug])


def _queue_url(group) -> str:
    return reverse("listings:reports", args=[group.slug])


@pytest.fixture
def report(street):
    return services.submit_report(street, acting_user=AnonymousUser(), problem="contact",
                                  details="The phone line rings out.",
                                  reply_email="jo@example.org")


def test_it_lets_anyone_report_a_listing(client, street):
    page = client.get(_report_url(street))
    assert page.status_code == 200
    assert "Golborne Road Neighbours" in _text(page)
    assert "Not yet checked by the group" in _text(page)
    response = client.post(_report_url(street), {
        "problem": "stopped", "details": "Nobody has posted since March.",
        "reply_email": "Jo@Example.org"})
    assert response.status_code == 302
    report = ListingReport.objects.get()
    assert (report.group, report.problem, report.status, report.reply_email) == (
        street, "stopped", "open", "jo@example.org")
    event = AuditEvent.objects.get(action="kith.listing.report_submitted")
    assert (event.actor, event.group, event.new) == (
        None, street, {"problem": "stopped", "reply_email": "***"})
    assert "coordinators will see your report" in _text(client.get(response.url))


def test_it_gives_404_for_an_unknown_group(client, street):
    assert client.get("/groups/no-such-group/report/").status_code == 404
    assert client.post("/groups/no-such-group/report/", {"problem": "other"}).status_code == 404


@pytest.mark.parametrize("data,message", [
    ({"problem": ""}, "Choose what is wrong."),
    ({"problem": "broken"}, "Choose one of the options listed."),
    ({"problem": "other", "details": "  "}, "Tell us what is wrong"),
    ({"problem": "other", "details": "x" * 1001}, "Keep this to 1000 characters or fewer (it has 1001)"),
    ({"problem": "area", "reply_email": "jo at example"}, "Enter an email address like"),
])
def test_it_explains_bad_input_and_keeps_what_was_typed(client, street, data, message):
    data = {"details": "Typed by hand", **data}
    response = client.post(_report_url(street), data)
    text = _text(response)
    assert response.status_code == 200
    assert message in text
    assert data["details"][:50] in text
    assert not ListingReport.objects.exists()


def test_it_refuses_the_sixth_report_from_one_address_in_an_hour(client, street):
    for _ in range(ratelimit.LIMIT):
        assert client.post(_report_url(street), {"problem": "stopped"}).status_code == 302
    response = client.post(_report_url(street), {"problem": "other", "details": "Sixth"})
    assert response.status_code == 429
    assert "try again in an hour" in _text(response)
    assert "Sixth" in _text(response)
    assert ListingReport.objects.count() == ratelimit.LIMIT


def test_it_shows_the_queue_to_the_groups_coordinator(client, priya, street, report):
    client.force_login(priya)
    text = _text(client.get(_queue_url(street)))
    assert "The contact details don&#x27;t work" in text or "The contact details don't work" in text
    assert "The phone line rings out." in text
    assert "jo@example.org" in text


@pytest.mark.parametrize("who,status", [("olu", 404), ("nadia", 404), ("tom", 403), ("sam", 403),
                                        ("ward_coordinator", 403)])
def test_it_keeps_the_queue_from_everyone_else(client, request, street, report, who, status):
    person = _ward_coordinator(request) if who == "ward_coordinator" else request.getfixturevalue(who)
    client.force_login(person)
    assert client.get(_queue_url(street)).status_code == status
    response = client.post(_queue_url(street), {"report": report.pk,
                                                f"rep{report.pk}-resolution": "Done"})
    assert response.status_code == status
    assert ListingReport.objects.get().status == "open"


def _ward_coordinator(request):
    from tests.factories import MembershipFactory, PersonFactory

    person = PersonFactory(email="wendy@example.org", display_name="Wendy Clarke")
    MembershipFactory(person=person, group=request.getfixturevalue("ward"), is_coordinator=True)
    return person


def test_it_resolves_a_report_with_a_note(client, priya, street, report):
    client.force_login(priya)
    response = client.post(_queue_url(street), {
        "report": report.pk, f"rep{report.pk}-resolution": "New phone number added."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.resolved_by, report.resolution) == (
        "resolved", priya, "New phone number added.")
    event = AuditEvent.objects.get(action="kith.listing.report_resolved")
    assert (event.actor, event.group, event.old) == (priya, street, {"status": "open"})
    assert "New phone number added." in _text(client.get(response.url))


def test_it_needs_a_note_to_resolve(client, priya, street, report):
    with pytest.raises(ValidationError):
        services.resolve_report(report, acting_user=priya, resolution=" ")
    client.force_login(priya)
    response = client.post(_queue_url(street), {"report": report.pk,
                                                f"rep{report.pk}-resolution": ""})
    assert response.status_code == 200
    assert "Say what you did about it" in _text(response)
    assert ListingReport.objects.get().status == "open"


def test_it_will_not_resolve_twice(priya, report):
    services.resolve_report(report, acting_user=priya, resolution="Fixed")
    with pytest.raises(ValidationError, match="already been resolved"):
        services.resolve_report(report, acting_user=priya, resolution="Fixed again")
    assert AuditEvent.objects.filter(action="kith.listing.report_resolved").count() == 1


@pytest.mark.parametrize("value", ["999999", "9" * 30, "x", ""])
def test_it_gives_404_for_unknown_reports(client, priya, street, value):
    client.force_login(priya)
    response = client.post(_queue_url(street), {"report": value})
    assert response.status_code == 404


def test_it_gives_404_for_another_groups_report_under_this_group(client, priya, street,
                                                                 other_street):
    theirs = services.submit_report(other_street, acting_user=AnonymousUser(), problem="stopped")
    client.force_login(priya)
    response = client.post(_queue_url(street), {"report": theirs.pk,
                                                f"rep{theirs.pk}-resolution": "Not ours"})
    assert response.status_code == 404
    assert ListingReport.objects.get().status == "open"
    assert "The group has stopped" not in _text(client.get(_queue_url(street)))
