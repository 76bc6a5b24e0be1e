"""The Django admin: only through Kith's own sign-in, only for a superuser, only with two-factor.

(The permission matrix covers every admin URL for the usual personas; these are the paths in.)
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import resolve, reverse

from tests.conftest import confirm_two_factor, enable_totp
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
ADMIN_LOG = "/admin/core/personaldataaccess/"


@pytest.fixture
def boss():
    person = PersonFactory(email="root@example.org", is_staff=True, is_superuser=True)
    person.set_password(PASSWORD)
    person.save()
    return person


def _to(response) -> tuple[str, dict]:
    assert response.status_code == 302, response.status_code
    where = urlsplit(response.url)
    return resolve(where.path).view_name, parse_qs(where.query)


def test_it_never_signs_anyone_in_with_the_admins_password_form(client, boss):
    """Before, this post signed the superuser in: a password alone, no two-factor, no limit."""
    response = client.post(reverse("admin:login"), {"username": boss.email, "password": PASSWORD})
    assert SESSION_KEY not in client.session
    assert _to(response)[0] == "account_login"
    assert client.get(ADMIN_LOG).status_code == 302


def test_it_sends_the_admins_sign_in_to_kiths_and_back(client):
    name, query = _to(client.get(reverse("admin:login") + "?next=/admin/core/"))
    assert (name, query["next"]) == ("account_login", ["/admin/core/"])
    assert _to(client.get(ADMIN_LOG)) == ("account_login", {"next": [ADMIN_LOG]})


def test_it_does_not_bounce_the_admins_sign_in_to_another_site(client, boss):
    _, query = _to(client.get(reverse("admin:login") + "?next=https://evil.example/"))
    assert query["next"] == [reverse("admin:index")]


def test_it_asks_a_superuser_who_signed_in_without_two_factor_to_confirm_it(client, boss):
    enable_totp(boss)
    client.force_login(boss)  # as a password or an emailed code would
    assert _to(client.get(ADMIN_LOG)) == ("accounts:confirm_two_factor", {"next": [ADMIN_LOG]})
    confirm_two_factor(client)
    assert client.get(ADMIN_LOG).status_code == 200
    assert _to(client.get(reverse("admin:login"))) == ("admin:index", {})


def test_it_sends_a_superuser_without_an_authenticator_to_set_one_up(client, boss):
    client.force_login(boss)
    response = client.get(ADMIN_LOG, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:two_factor_setup"))
    assert "The admin needs two-factor sign-in" in response.content.decode()


def test_it_hides_the_admin_from_a_coordinator_even_with_two_factor(client, priya):
    enable_totp(priya)
    client.force_login(priya)
    confirm_two_factor(client)
    assert client.get(ADMIN_LOG).status_code == 404
    assert client.get(reverse("admin:login")).status_code == 404


def test_it_changes_passwords_on_kiths_rate_limited_page(client, boss):
    enable_totp(boss)
    client.force_login(boss)
    confirm_two_factor(client)
    assert _to(client.get(reverse("admin:password_change")))[0] == "account_change_password"
