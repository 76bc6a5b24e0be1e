"""Every sign-in, sign-up and two-factor page a person can reach is Kith's own template."""

from __future__ import annotations

import re
from pathlib import Path

import allauth
import pytest
from django.core import mail
from django.urls import reverse

from tests.accounts.conftest import verify_email
from tests.accounts.test_two_factor import make_passkey
from tests.conftest import confirm_two_factor, enable_totp

pytestmark = pytest.mark.django_db
ALLAUTH_TEMPLATES = str(Path(allauth.__file__).parent / "templates")


def _stock(response) -> list[str]:
    return sorted({t.origin.name for t in response.templates
                   if t.origin and str(t.origin.name).startswith(ALLAUTH_TEMPLATES)})


def _check(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, (url, response.status_code, getattr(response, "url", ""))
    assert not _stock(response), f"{url} uses allauth's own templates: {_stock(response)}"
    return response


def test_it_shows_kiths_pages_before_sign_in(client, priya, street):
    for name in ["account_login", "account_request_login_code", "account_reset_password",
                 "account_reset_password_done", "account_reset_password_from_key_done",
                 "account_inactive"]:
        _check(client, reverse(name))
    _check(client, reverse("account_reset_password_from_key", args=["0", "not-a-key"]))
    from kith.groups import services

    invitation = services.create_invitation(street, roles=["coordinator"], acting_user=priya)
    _check(client, f"{reverse('account_signup')}?next={invitation.get_absolute_url()}")


def test_it_shows_kiths_pages_through_a_code_and_an_app_at_sign_in(client, priya):
    enable_totp(verify_email(priya))
    client.post(reverse("account_request_login_code"), {"email": priya.email})
    _check(client, reverse("account_confirm_login_code"))
    code = re.search(r"^([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})*)$", mail.outbox[-1].body, re.M)[1]
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.url == reverse("mfa_authenticate")
    page = _check(client, reverse("mfa_authenticate")).content.decode()
    assert "One more step" in page and "backup codes" in page


def test_it_shows_kiths_pages_for_two_factor_settings(client, priya):
    enable_totp(verify_email(priya))
    priya.set_password("a long enough password")
    priya.save()
    client.force_login(priya)
    for name in ["account_reauthenticate", "mfa_reauthenticate"]:
        _check(client, reverse(name))
    confirm_two_factor(client)
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    RecoveryCodes.activate(priya)
    for name in ["account_logout", "account_email", "account_change_password", "mfa_index",
                 "mfa_view_recovery_codes", "mfa_generate_recovery_codes",
                 "mfa_deactivate_totp", "mfa_list_webauthn", "accounts:two_factor_setup",
                 "accounts:profile"]:
        _check(client, reverse(name))
    download = client.get(reverse("mfa_download_recovery_codes"))
    assert not _stock(download) and "Kith backup codes" in download.content.decode()


def test_it_shows_kiths_pages_for_setting_up(client, olu):
    verify_email(olu)
    client.force_login(olu)
    for name in ["mfa_activate_totp", "mfa_add_webauthn", "account_set_password",
                 "accounts:two_factor_setup"]:
        _check(client, reverse(name))


def test_it_shows_kiths_pages_for_passkeys(local_client, priya):
    verify_email(priya)
    local_client.force_login(priya)
    make_passkey(local_client, priya)
    from allauth.mfa.models import Authenticator

    passkey = Authenticator.objects.get(user=priya, type="webauthn")
    for url in [reverse("mfa_reauthenticate_webauthn"), reverse("mfa_list_webauthn"),
                reverse("mfa_edit_webauthn", args=[passkey.pk]),
                reverse("mfa_remove_webauthn", args=[passkey.pk])]:
        _check(local_client, url)


def test_it_shows_kiths_page_for_confirming_an_email_address(client, olu):
    client.force_login(olu)
    response = client.post(reverse("account_email"), {"email": olu.email, "action_send": ""})
    assert response.status_code == 302
    page = _check(client, reverse("account_email_verification_sent")).content.decode()
    assert "Confirm your email address" in page
