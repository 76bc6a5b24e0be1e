"""Ruth has no group on her street. She registers one from the starter kit; Nia, who
coordinates the London network, approves it (or turns it down with a reason)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from kith.core.models import AuditEvent
from kith.groups.models import Group, Invitation
from kith.listings import ratelimit, services
from kith.listings.models import GroupRegistration
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db

REGISTER = "/start-a-group/register/"


def _text(response) -> str:
    return response.content.decode()


def _queue_url(group) -> str:
    return reverse("listings:registrations", args=[group.slug])


# --- the starter kit and the form


def test_it_shows_the_starter_kit_and_the_form_to_anyone(client, network, ward):
    response = client.get(reverse("listings:start"))
    text = _text(response)
    assert response.status_code == 200
    for step in ["Check whether a group already covers your area", "Connect with your neighbours",
                 "Work out what you can offer", "Reach out", "Keep people safe"]:
        assert step in text
    assert 'action="/start-a-group/register/"' in text
    assert "csrfmiddlewaretoken" in text
    # The parents on offer: the network and the groups inside it, not streets.
    assert "Golborne Ward (ward)" in text
    assert "Golborne Road Neighbours" not in text


def test_it_offers_only_parents_inside_a_network(client, borough, ward):
    """Without a network above, nobody could approve a registration: not offered."""
    GroupFactory(slug="london-mutual-aid", name="London Mutual Aid", kind=Group.Kind.NETWORK)
    text = _text(client.get(REGISTER))
    assert "London Mutual Aid (network)" in text
    assert "Golborne Ward" not in text


def test_it_lets_anyone_register_a_group_and_shows_nothing_until_approved(
        client, registration_data, network, ward):
    response = client.post(REGISTER, registration_data)
    assert response.status_code == 302
    assert response.url == reverse("listings:start")
    registration = GroupRegistration.objects.get()
    assert registration.status == "pending"
    assert (registration.parent, registration.kind, registration.coverage) == (
        ward, "street", ["W10 5", "W11 1"])
    assert registration.phone == "+442079460000"
    assert registration.organiser_email == "ruth@example.org"
    assert not Group.objects.filter(name="Portobello Road Neighbours").exists()
    event = AuditEvent.objects.get(action="kith.listing.registration_submitted")
    assert (event.actor, event.group) == (None, network)
    assert event.new["organiser_email"] == "***"
    assert "waiting for the coordinators of London Mutual Aid" in _text(client.get(response.url))


@pytest.mark.parametrize("field,value,message", [
    ("coverage", "W10 5NW", "is a full postcode"),
    ("coverage", "", "Enter at least one postcode district"),
    ("phone", "0207 ABC", "digits only"),
    ("whatsapp_url", "https://example.org/join", "A WhatsApp invite link looks like"),
    ("organiser_email", "ruth-at-example", "Enter an email address like"),
    ("name", "", "Enter the group's name."),
    ("kind", "borough", "Choose one of the kinds listed."),
    ("parent", "999999", "Choose a group from the list."),
    ("parent", "<script>", "Choose a group from the list."),
])
def test_it_explains_bad_input_and_keeps_what_was_typed(client, registration_data, field, value,
                                                        message):
    registration_data[field] = value
    response = client.post(REGISTER, registration_data)
    text = _text(response)
    assert response.status_code == 200
    assert escape(message) in text or message in text
    assert 'value="Ruth Okoro"' in text or field == "organiser_name"
    assert "w10 5, W11 1" in text or field == "coverage"
    assert not GroupRegistration.objects.exists()


def test_it_refuses_a_ward_under_a_ward(client, registration_data):
    registration_data["kind"] = "ward"
    text = _text(client.post(REGISTER, registration_data))
    assert "A ward group cannot sit under a ward group." in text
    assert not GroupRegistration.objects.exists()


def test_it_asks_for_at_least_one_way_to_reach_the_group(client, registration_data):
    registration_data.update(whatsapp_url="", phone="")
    text = _text(client.post(REGISTER, registration_data))
    assert "Give at least one way for neighbours to reach the group" in text
    assert 'value="Portobello Road Neighbours"' in text
    assert not GroupRegistration.objects.exists()


def test_it_refuses_the_sixth_registration_from_one_address_in_an_hour(client, registration_data):
    for n in range(ratelimit.LIMIT):
        registration_data["name"] = f"Street group {n}"
        assert client.post(REGISTER, registration_data).status_code == 302
    registration_data["name"] = "One too many"
    response = client.post(REGISTER, registration_data)
    assert response.status_code == 429
    assert "try again in an hour" in _text(response)
    assert 'value="One too many"' in _text(response)
    assert GroupRegistration.objects.count() == ratelimit.LIMIT
    # Another address is not held up.
    other = client.post(REGISTER, registration_data, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 302


def test_it_counts_only_accepted_registrations(client, registration_data):
    bad = {**registration_data, "coverage": "nowhere"}
    for _ in range(ratelimit.LIMIT + 2):
        assert client.post(REGISTER, bad).status_code == 200
    assert client.post(REGISTER, registration_data).status_code == 302


def test_it_needs_csrf(registration_data):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(REGISTER, registration_data)
    assert response.status_code == 403
    assert not GroupRegistration.objects.exists()


# --- the approval queue


def test_it_shows_the_network_coordinator_every_registration_in_her_network(
        client, nia, submit, street, network):
    submit()
    submit(name="Lancaster West Estate", parent=network.children.get(), kind="ward")
    client.force_login(nia)
    text = _text(client.get(_queue_url(network)))
    assert "Portobello Road Neighbours" in text and "Lancaster West Estate" in text
    assert "ruth@example.org" in text
    assert "Golborne Road Neighbours (street): W10 5" in text  # already covers part of it


@pytest.mark.parametrize("who", ["olu", "nadia", "priya"])
def test_it_hides_the_queue_from_outsiders(client, request, nia, submit, network, who):
    submit()
    client.force_login(request.getfixturevalue(who))
    assert client.get(_queue_url(network)).status_code == 404
    registration = GroupRegistration.objects.get()
    response = client.post(_queue_url(network), {"registration": registration.pk,
                                                 "decision": "approve"})
    assert response.status_code == 404
    assert GroupRegistration.objects.get().status == "pending"


def test_it_sends_anonymous_visitors_to_sign_in(client, network):
    response = client.get(_queue_url(network))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_it_tells_a_coordinator_below_the_network_who_approves(client, priya, network):
    client.force_login(priya)
    response = client.get(_queue_url(priya.memberships.get().group))
    assert response.status_code == 200
    assert "approved by the coordinators of the network" in _text(response)
    assert "London Mutual Aid" in _text(response)


def test_it_keeps_another_networks_registrations_out_of_the_queue(client, nia, submit, network,
                                                                   other_network):
    salford = other_network.children.get()
    theirs = submit(name="Salford Precinct Helpers", parent=salford, kind="ward")
    client.force_login(nia)
    assert "Salford Precinct Helpers" not in _text(client.get(_queue_url(network)))
    response = client.post(_queue_url(network), {"registration": theirs.pk, "decision": "approve"})
    assert response.status_code == 404
    assert GroupRegistration.objects.get(pk=theirs.pk).status == "pending"
    # Their own coordinator sees it, and Nia cannot open their queue at all.
    client.force_login(other_network.coordinator)
    assert "Salford Precinct Helpers" in _text(client.get(_queue_url(other_network)))
    client.force_login(nia)
    assert client.get(_queue_url(other_network)).status_code == 404


@pytest.mark.parametrize("value", ["999999", "9" * 30, "abc", "", "1 OR 1=1"])
def test_it_gives_404_for_unknown_registrations(client, nia, network, value):
    client.force_login(nia)
    response = client.post(_queue_url(network), {"registration": value, "decision": "approve"})
    assert response.status_code == 404


def test_it_approves_in_one_go_and_emails_the_organiser_an_invitation(
        client, nia, submit, network, ward, mailoutbox, django_capture_on_commit_callbacks):
    registration = submit()
    client.force_login(nia)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_queue_url(network), {
            "registration": registration.pk, "decision": "approve",
            f"reg{registration.pk}-reason": "",
        })
    assert response.status_code == 302
    group = Group.objects.get(name="Portobello Road Neighbours")
    assert (group.parent, group.kind, group.coverage) == (ward, "street", ["W10 5"])
    assert group.whatsapp_url == "https://chat.whatsapp.com/AbCdEfGhIjKlMnOp"
    registration.refresh_from_db()
    assert (registration.status, registration.decided_by, registration.group) == (
        "approved", nia, group)
    assert registration.decided_at is not None
    invitation = Invitation.objects.get(group=group)
    assert (invitation.email, invitation.roles) == ("ruth@example.org", ["coordinator"])
    assert [m.to for m in mailoutbox] == [["ruth@example.org"]]
    assert invitation.get_absolute_url() in mailoutbox[0].body
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-3:] == ["kith.group.created", "kith.group.invitation_created",
                            "kith.listing.registration_approved"]
    approved = AuditEvent.objects.get(action="kith.listing.registration_approved")
    assert (approved.actor, approved.group, approved.new["group"]) == (nia, network, group.pk)
    assert "is listed under Golborne Ward" in _text(client.get(response.url))


def test_it_saves_nothing_if_approval_fails_part_way(nia, submit, monkeypatch, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    registration = submit()
    before = AuditEvent.objects.count()
    real = services.create_invitation

    def invite_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("mail server fell over")

    monkeypatch.setattr(services, "create_invitation", invite_then_fail)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, \
            pytest.raises(RuntimeError):
        services.approve_registration(registration, acting_user=nia)
    assert not Group.objects.filter(name="Portobello Road Neighbours").exists()
    assert not Invitation.objects.exists()
    assert GroupRegistration.objects.get().status == "pending"
    assert AuditEvent.objects.count() == before
    assert callbacks == [] and mailoutbox == []


def test_it_will_not_approve_twice(nia, submit):
    registration = submit()
    services.approve_registration(registration, acting_user=nia)
    with pytest.raises(ValidationError, match="already been approved"):
        services.approve_registration(registration, acting_user=nia)
    assert Group.objects.filter(name="Portobello Road Neighbours").count() == 1


def test_it_gives_the_new_group_a_free_slug(nia, submit):
    GroupFactory(slug="portobello-road-neighbours", name="Old Portobello")
    group = services.approve_registration(submit(), acting_user=nia)
    assert group.slug == "portobello-road-neighbours-2"


def test_it_needs_a_reason_to_turn_a_registration_down(client, nia, submit, network, mailoutbox):
    registration = submit()
    with pytest.raises(ValidationError):
        services.reject_registration(registration, acting_user=nia, reason="   ")
    client.force_login(nia)
    response = client.post(_queue_url(network), {"registration": registration.pk,
                                                 "decision": "reject",
                                                 f"reg{registration.pk}-reason": ""})
    assert response.status_code == 200
    assert "Say why you are turning it down" in _text(response)
    assert GroupRegistration.objects.get().status == "pending"
    assert not AuditEvent.objects.filter(action="kith.listing.registration_rejected").exists()
    assert mailoutbox == []


def test_it_turns_a_registration_down_and_emails_the_reason(client, nia, submit, network,
                                                           mailoutbox,
                                                           django_capture_on_commit_callbacks):
    registration = submit()
    client.force_login(nia)
    reason = "Golborne Road Neighbours already covers W10 5 & would love your help."
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_queue_url(network), {"registration": registration.pk,
                                                     "decision": "reject",
                                                     f"reg{registration.pk}-reason": reason})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert (registration.status, registration.reason, registration.decided_by) == (
        "rejected", reason, nia)
    assert not Group.objects.filter(name="Portobello Road Neighbours").exists()
    assert [m.to for m in mailoutbox] == [["ruth@example.org"]]
    assert reason in mailoutbox[0].body  # plain text: "&" stays "&"
    event = AuditEvent.objects.get(action="kith.listing.registration_rejected")
    assert (event.actor, event.group, event.new["reason"]) == (nia, network, reason)


def test_it_sends_no_rejection_email_if_the_change_rolls_back(nia, submit, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    from django.db import transaction

    registration = submit()
    with (django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError),
          transaction.atomic()):
        services.reject_registration(registration, acting_user=nia, reason="Duplicate")
        raise RuntimeError("something after it failed")
    assert mailoutbox == []
    assert GroupRegistration.objects.get().status == "pending"


def test_it_refuses_a_parent_outside_any_network(borough):
    from kith.listings.services import submit_registration

    with pytest.raises(ValidationError, match="not part of a network"):
        submit_registration(acting_user=AnonymousUser(), name="X", kind="ward", parent=borough,
                            coverage=["W10"], organiser_name="R", organiser_email="r@example.org",
                            phone="+442079460000")
    assert not GroupRegistration.objects.exists()


@pytest.mark.parametrize("kind", ["borough", "network", "nonsense"])
def test_it_refuses_kinds_that_cannot_be_registered(submit, kind):
    with pytest.raises(ValidationError, match="Choose a street, neighbourhood or ward group"):
        submit(kind=kind)
    assert not GroupRegistration.objects.exists()
