"""Changes that could hand a resident's data, or the group, to whoever holds a password ask
for two-factor proved in this session, as reveal() does: replacing a resident's phone, email
or address, and inviting someone into a role that sees personal data or runs the group.
Other corrections and volunteer invitations stay as they were."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kith.core.models import AuditEvent
from kith.groups.models import Invitation
from kith.groups.roles import ROLE_NAMES, TWO_FACTOR_TO_INVITE
from tests.conftest import confirm_two_factor, enable_totp

pytestmark = pytest.mark.django_db

CONTACT = [{"phone": "07911 123457"}, {"email": "someone@example.net"},
           {"address": "1 Elsewhere Street"}, {"remove_address": "on"}]


def _edit(resident):
    return reverse("residents:edit", args=[resident.group.slug, resident.pk])


def _form(resident, **changes):
    return {"name": resident.name, "postcode_sector": resident.postcode_sector,
            "language": resident.language, "check_in_days": "", **changes}


def _signed_in(client, person, *, set_up: bool, confirmed: bool):
    if set_up:
        enable_totp(person)
    client.force_login(person)
    if confirmed:
        confirm_two_factor(client)
    return client


@pytest.mark.parametrize("change", CONTACT)
@pytest.mark.parametrize("set_up", [False, True])
def test_contact_changes_are_refused_without_two_factor_this_session(
        client, priya, mrs_ahmed, change, set_up):
    client = _signed_in(client, priya, set_up=set_up, confirmed=False)
    response = client.post(_edit(mrs_ahmed), _form(mrs_ahmed, **change))
    text = response.content.decode()
    assert response.status_code == 400 and "needs two-factor sign-in" in text
    assert 'id="two-factor-needed"' in text
    assert not AuditEvent.objects.filter(action="kith.resident.corrected").exists()


@pytest.mark.parametrize("change", CONTACT)
def test_contact_changes_go_through_with_two_factor_confirmed(client, priya, mrs_ahmed, change):
    client = _signed_in(client, priya, set_up=True, confirmed=True)
    response = client.post(_edit(mrs_ahmed), _form(mrs_ahmed, **change))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="kith.resident.corrected").exists()


def test_other_corrections_need_no_two_factor(client, priya, mrs_ahmed):
    client = _signed_in(client, priya, set_up=False, confirmed=False)
    response = client.post(_edit(mrs_ahmed), _form(mrs_ahmed, language="Polish"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="kith.resident.corrected").exists()


def _invite(client, street, role, email=""):
    return client.post(reverse("groups:invitations", args=[street.slug]),
                       {"roles": [role], "email": email})


@pytest.mark.parametrize("role", ROLE_NAMES)
@pytest.mark.parametrize("email", ["", "new@example.org"])
def test_privileged_invitations_need_two_factor_this_session(client, street, priya, role, email):
    client = _signed_in(client, priya, set_up=True, confirmed=False)
    response = _invite(client, street, role, email)
    if role in TWO_FACTOR_TO_INVITE:
        assert response.status_code == 200
        assert "needs two-factor sign-in confirmed" in response.content.decode()
        assert not Invitation.objects.exists()
    else:
        assert response.status_code == 302 and Invitation.objects.get().roles == [role]


@pytest.mark.parametrize("role", sorted(TWO_FACTOR_TO_INVITE))
def test_privileged_invitations_go_through_with_two_factor(client, street, priya, role):
    client = _signed_in(client, priya, set_up=True, confirmed=True)
    assert _invite(client, street, role).status_code == 302
    assert Invitation.objects.get().roles == [role]


def test_every_role_but_volunteer_is_privileged():
    assert set(ROLE_NAMES) - TWO_FACTOR_TO_INVITE == {"volunteer"}


@pytest.mark.parametrize("confirmed", [False, True])
def test_giving_a_member_a_privileged_role_needs_two_factor_this_session(
        client, street, priya, tom, confirmed):
    client = _signed_in(client, priya, set_up=True, confirmed=confirmed)
    membership = street.memberships.get(person=tom)
    response = client.post(reverse("groups:member_edit", args=[street.slug, membership.pk]),
                           {"roles": ["volunteer", "coordinator"]})
    membership.refresh_from_db()
    if confirmed:
        assert response.status_code == 302 and "coordinator" in membership.roles
    else:
        assert response.status_code == 200 and "needs two-factor sign-in confirmed" in \
            response.content.decode() and "coordinator" not in membership.roles


def test_taking_a_role_away_needs_no_two_factor(client, street, priya, tom):
    client = _signed_in(client, priya, set_up=True, confirmed=False)
    membership = street.memberships.get(person=tom)
    membership.set_roles({"volunteer", "call_handler"})
    membership.save()
    response = client.post(reverse("groups:member_edit", args=[street.slug, membership.pk]),
                           {"roles": ["volunteer"]})
    membership.refresh_from_db()
    assert response.status_code == 302 and membership.roles == {"volunteer"}
