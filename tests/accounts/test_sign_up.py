"""One way to sign up (volunteer sign-up), invitations that still make accounts, and a role
that needs two-factor walking straight into set-up after joining."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils.http import urlencode

from kith.core.models import AuditEvent
from kith.groups import services as group_services
from tests.conftest import enable_totp

pytestmark = pytest.mark.django_db
SIGN_UP = reverse("account_signup")


@pytest.fixture
def invitation(street, priya):
    return group_services.create_invitation(street, roles=["coordinator"], acting_user=priya)


def _with_next(invitation) -> str:
    return f"{SIGN_UP}?{urlencode({'next': invitation.get_absolute_url()})}"


def test_it_sends_the_stock_sign_up_page_to_volunteer_sign_up(client, olu):
    assert client.get(SIGN_UP).url == reverse("volunteers:join")
    assert client.post(SIGN_UP, {"email": "new@example.org", "password1": "x" * 12}).url == (
        reverse("volunteers:join"))
    assert not get_user_model().objects.filter(email="new@example.org").exists()
    client.force_login(olu)
    assert client.get(SIGN_UP).url == reverse("volunteers:join")


def test_it_points_the_sign_in_page_at_volunteer_sign_up(client):
    page = client.get(reverse("account_login")).content.decode()
    assert reverse("volunteers:join") in page and f'href="{SIGN_UP}' not in page


def test_it_makes_an_account_from_an_invitation_and_emails_a_code(client, invitation):
    page = client.get(_with_next(invitation))
    assert page.status_code == 200 and "Golborne Road Neighbours" in page.content.decode()
    response = client.post(_with_next(invitation), {"display_name": " Dev Patel ",
                                                    "email": "Dev@Example.org"})
    assert response.status_code == 302
    assert response.url == (f"{reverse('account_confirm_login_code')}?"
                            f"{urlencode({'next': invitation.get_absolute_url()})}")
    dev = get_user_model().objects.get(email="dev@example.org")
    assert dev.display_name == "Dev Patel" and not dev.has_usable_password()
    assert AuditEvent.objects.filter(action="kith.person.signed_up", new__via="invitation").exists()
    [message] = mail.outbox
    assert message.to == ["dev@example.org"] and "sign in to Kith" in message.body


def test_it_emails_a_code_to_an_address_that_already_has_an_account(client, invitation, olu):
    response = client.post(_with_next(invitation), {"display_name": "Olu",
                                                    "email": "olu@example.org"})
    assert response.status_code == 302 and response.url.startswith(
        reverse("account_confirm_login_code"))
    assert get_user_model().objects.filter(email__iexact="olu@example.org").count() == 1
    assert len(mail.outbox) == 1


def test_it_keeps_what_was_typed_and_says_what_is_missing(client, invitation):
    response = client.post(_with_next(invitation), {"display_name": "  ", "email": "dev@"})
    text = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in text
    assert 'value="dev@"' in text
    assert not mail.outbox


def test_it_sends_a_closed_invitation_back_to_its_page(client, invitation, priya):
    group_services.revoke_invitation(invitation, acting_user=priya)
    assert client.get(_with_next(invitation)).url == invitation.get_absolute_url()


def test_it_walks_a_new_coordinator_into_two_factor_set_up(client, invitation, olu):
    client.force_login(olu)
    page = client.get(invitation.get_absolute_url()).content.decode()
    assert "two-factor sign-in" in page
    response = client.post(invitation.get_absolute_url())
    dashboard = reverse("groups:dashboard", args=["golborne-road"])
    assert response.url == f"{reverse('accounts:two_factor_setup')}?{urlencode({'next': dashboard})}"
    client.get(response.url)
    assert client.get(reverse("accounts:two_factor_done")).url == dashboard


def test_it_sends_a_new_volunteer_straight_to_the_group(client, street, priya, olu):
    invitation = group_services.create_invitation(street, roles=["volunteer"], acting_user=priya)
    client.force_login(olu)
    assert "two-factor" not in client.get(invitation.get_absolute_url()).content.decode()
    assert client.post(invitation.get_absolute_url()).url == reverse(
        "groups:dashboard", args=["golborne-road"])


def test_it_skips_set_up_for_someone_who_has_two_factor_already(client, invitation, olu):
    enable_totp(olu)
    client.force_login(olu)
    assert client.post(invitation.get_absolute_url()).url == reverse(
        "groups:dashboard", args=["golborne-road"])


@pytest.mark.parametrize("roles", [["call_handler"], ["safeguarding_lead"], ["treasurer"]])
def test_it_asks_every_role_that_needs_two_factor(client, street, priya, olu, roles):
    invitation = group_services.create_invitation(street, roles=roles, acting_user=priya)
    client.force_login(olu)
    assert client.post(invitation.get_absolute_url()).url.startswith(
        reverse("accounts:two_factor_setup"))
