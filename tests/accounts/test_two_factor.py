"""Two-factor made gentle: a passkey counts, setting up counts as confirming, links go somewhere
useful, and set-up comes back to where the person was going."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from kith.core.models import AuditEvent
from kith.core.privacy import NeedToKnowDenied, has_two_factor, reveal, two_factor_url
from tests.accounts.conftest import session_request, verify_email
from tests.accounts.softkey import SoftPasskey, options_on
from tests.conftest import enable_totp, totp_code

pytestmark = pytest.mark.django_db
PHONE = "+442079460100"


def _passkey_row(person):
    return Authenticator.objects.create(user=person, type=Authenticator.Type.WEBAUTHN,
                                        data={"name": "Phone", "credential": {}})


def make_passkey(client, person) -> SoftPasskey:
    """Make a passkey on Kith's own page, as a phone would."""
    key = SoftPasskey()
    page = client.get(reverse("mfa_add_webauthn")).content.decode()
    credential = key.create(options_on(page, "creation_options"))
    response = client.post(reverse("mfa_add_webauthn"), {
        "name": "My phone", "passwordless": "on", "credential": _json(credential)})
    assert response.status_code == 302, response.content.decode()[:3000]
    return key


def _json(data) -> str:
    import json

    return json.dumps(data)


def test_it_counts_a_passkey_as_two_factor(priya):
    assert not has_two_factor(priya)
    _passkey_row(priya)
    assert has_two_factor(priya)


def test_it_makes_a_passkey_and_lets_it_sign_in_and_reveal(local_client, priya, street,
                                                           mrs_ahmed, rf):
    verify_email(priya)
    local_client.force_login(priya)
    key = make_passkey(local_client, priya)
    assert Authenticator.objects.get(user=priya, type="webauthn").wrap().name == "My phone"
    assert AuditEvent.objects.filter(action="kith.person.two_factor_added").count() == 1

    # A fresh browser: the passkey alone signs in, with no emailed code and no second step.
    local_client.logout()
    options = local_client.get(reverse("mfa_login_webauthn"),
                               HTTP_ACCEPT="application/json").json()["request_options"]
    response = local_client.post(reverse("mfa_login_webauthn"),
                                 {"credential": _json(key.get(options))})
    assert response.status_code == 302 and response.url == reverse("groups:start")
    request = session_request(local_client, priya, rf)
    assert reveal(mrs_ahmed, "phone", viewer=priya, group=street, reason="Calling back",
                  request=request) == PHONE


def test_it_confirms_with_a_passkey_and_comes_back(local_client, priya, street, mrs_ahmed, rf):
    verify_email(priya)
    local_client.force_login(priya)
    key = make_passkey(local_client, priya)
    local_client.logout()
    local_client.force_login(priya)  # signed in some other way: not yet confirmed
    with pytest.raises(NeedToKnowDenied):
        reveal(mrs_ahmed, "phone", viewer=priya, group=street, reason="Calling back",
               request=session_request(local_client, priya, rf))
    back = reverse("residents:detail", args=[street.slug, mrs_ahmed.pk])
    url = two_factor_url(session_request(local_client, priya, rf), back)
    assert url.startswith(reverse("mfa_reauthenticate_webauthn"))
    page = local_client.get(url).content.decode()
    response = local_client.post(url, {"credential": _json(key.get(options_on(
        page, "request_options")))})
    assert response.status_code == 302 and response.url == back
    assert reveal(mrs_ahmed, "phone", viewer=priya, group=street, reason="Calling back",
                  request=session_request(local_client, priya, rf)) == PHONE


def test_it_refuses_a_passkey_that_does_not_check_who_holds_it(local_client, priya):
    """A bare security key (no fingerprint or PIN) is one factor, so it can't be added."""
    verify_email(priya)
    local_client.force_login(priya)
    key = SoftPasskey(verifies_user=False)
    page = local_client.get(reverse("mfa_add_webauthn")).content.decode()
    response = local_client.post(reverse("mfa_add_webauthn"), {
        "name": "Key", "passwordless": "on",
        "credential": _json(key.create(options_on(page, "creation_options")))})
    assert response.status_code == 200 and not has_two_factor(priya)
    assert "There is a problem" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_it_counts_setting_up_the_app_as_confirming_it(client, priya, street, mrs_ahmed, rf):
    """The finding's "two codes in a row": after typing the app's first code, allauth asked for
    another before it showed the backup codes, and the first reveal asked for a third.

    Transactional, because allauth announces the new app once its transaction commits, inside
    the request, as in production; a test wrapped in one transaction would announce it late."""
    verify_email(priya)
    client.force_login(priya)
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    text = page.content.decode()
    assert "Google Authenticator" in text and "Microsoft Authenticator" in text
    assert re.sub(r"(.{4})", r"\1 ", secret).strip() in text  # the key to type, in fours
    assert "<svg" in text and "otpauth://totp/" in text  # the QR code, and a link for this phone
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302 and response.url == reverse("mfa_view_recovery_codes")
    codes = client.get(response.url)
    assert codes.status_code == 200, "asked for a second code before showing the backup codes"
    assert len(codes.context["unused_codes"]) == 10 and "Print" in codes.content.decode()
    assert reveal(mrs_ahmed, "phone", viewer=priya, group=street, reason="Calling back",
                  request=session_request(client, priya, rf)) == PHONE
    assert AuditEvent.objects.filter(action="kith.person.two_factor_added",
                                     new__kind="authenticator app").exists()


def test_it_still_asks_a_new_sign_in_to_confirm(client, priya, street, mrs_ahmed, rf):
    """Owning an app is not enough: a session that never used it is refused."""
    enable_totp(priya)
    client.force_login(priya)
    with pytest.raises(NeedToKnowDenied):
        reveal(mrs_ahmed, "phone", viewer=priya, group=street, reason="Calling back",
               request=session_request(client, priya, rf))


@pytest.mark.parametrize(("kinds", "page"), [
    ((), "accounts:two_factor_setup"),
    (("totp",), "mfa_reauthenticate"),
    (("webauthn",), "mfa_reauthenticate_webauthn"),
    (("totp", "webauthn"), "mfa_reauthenticate"),  # that page offers the passkey first
])
def test_it_sends_the_two_factor_link_where_it_can_help(priya, rf, kinds, page):
    for kind in kinds:
        Authenticator.objects.create(user=priya, type=kind, data={"secret": "JBSWY3DPEHPK3PXP"})
    request = rf.get("/")
    request.user = priya
    assert two_factor_url(request, "/g/golborne-road/") == (
        f"{reverse(page)}?next=%2Fg%2Fgolborne-road%2F")


def test_it_comes_back_to_where_set_up_started(local_client, priya):
    client = local_client
    client.force_login(priya)
    page = client.get(reverse("accounts:two_factor_setup"), {"next": "/g/golborne-road/"})
    text = page.content.decode()
    assert "Keep residents' details safe" in text.replace("&#x27;", "'")
    assert text.index("passkey") < text.index("authenticator app")  # passkeys first
    assert client.get(reverse("accounts:two_factor_done")).url == "/g/golborne-road/"
    assert client.get(reverse("accounts:two_factor_done")).url == reverse("accounts:profile")


def test_it_ignores_a_next_address_on_another_site(client, priya):
    client.force_login(priya)
    client.get(reverse("accounts:two_factor_setup"), {"next": "https://evil.example/"})
    assert client.get(reverse("accounts:two_factor_done")).url == reverse("accounts:profile")


def test_it_offers_no_passkeys_where_browsers_cannot_make_them(client, priya):
    """The demo on 127.0.0.1: a passkey needs a named site, so only the app is offered."""
    verify_email(priya)
    client.force_login(priya)
    text = client.get(reverse("accounts:two_factor_setup"), HTTP_HOST="127.0.0.1").content
    assert reverse("mfa_add_webauthn").encode() not in text
    assert reverse("mfa_activate_totp").encode() in text


@pytest.mark.parametrize("host, says", [
    ("127.0.0.1:8731", "Passkeys need the site's name, not a number address like 127.0.0.1. On "
                       "this computer, open http://localhost:8731/account/two-factor/ instead"),
    ("192.0.2.7", "Passkeys need the site's name, not a number address like 192.0.2.7. Open "
                  "Kith at its name to make one, or use an authenticator app."),
    ("kith.example.org", "Passkeys need a secure address, one starting https://."),
])
def test_it_says_why_there_is_no_passkey_where_browsers_cannot_make_one(client, priya, host,
                                                                       says, settings):
    settings.ALLOWED_HOSTS = [host.split(":")[0]]
    verify_email(priya)
    client.force_login(priya)
    for page in ("accounts:two_factor_setup", "mfa_index"):
        html = client.get(reverse(page), HTTP_HOST=host).content.decode()
        text = " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").split())
        assert says.replace("/account/two-factor/", reverse(page)) in text, page
        if host.startswith("127."):  # the way there is a link
            assert f'href="http://localhost:8731{reverse(page)}"' in html


def test_it_says_nothing_of_the_kind_where_passkeys_are_offered(local_client, priya):
    verify_email(priya)
    local_client.force_login(priya)
    text = local_client.get(reverse("accounts:two_factor_setup")).content.decode()
    assert reverse("mfa_add_webauthn") in text
    assert "Passkeys need" not in text


def test_it_asks_for_backup_codes_and_app_code_in_one_box(client, priya):
    """Confirming offers the app's code or a printed backup code, never a password."""
    enable_totp(priya)
    priya.set_password("a long enough password")
    priya.save()
    client.force_login(priya)
    page = client.get(reverse("mfa_reauthenticate"), {"next": "/g/golborne-road/"})
    text = page.content.decode()
    assert page.status_code == 200 and "backup codes" in text
    assert reverse("account_reauthenticate") not in text
    response = client.post(reverse("mfa_reauthenticate") + "?next=/g/golborne-road/",
                           {"code": "000000"})
    assert response.status_code == 200 and "That didn" in response.content.decode()


def test_it_sends_a_passkey_only_person_from_the_code_page_to_the_passkey_page(client, priya):
    """allauth's code page would have fallen back to a password; the passkey page can help."""
    _passkey_row(priya)
    priya.set_password("a long enough password")
    priya.save()
    client.force_login(priya)
    response = client.get(reverse("mfa_reauthenticate"), {"next": "/g/golborne-road/"})
    assert response.url == f"{reverse('mfa_reauthenticate_webauthn')}?next=%2Fg%2Fgolborne-road%2F"
    response = client.get(reverse("mfa_reauthenticate"), {"next": "https://evil.example/"})
    assert response.url.endswith("?next=%2Faccount%2F")


def test_it_links_the_reveal_box_to_set_up_then_to_confirming(client, priya, street, mrs_ahmed):
    """The shared reveal box takes its link from privacy.two_factor_url(), like the run page."""
    page_url = reverse("residents:detail", args=[street.slug, mrs_ahmed.pk])
    back = page_url.replace("/", "%2F")
    client.force_login(priya)
    text = client.get(page_url).content.decode()
    assert f'href="{reverse("accounts:two_factor_setup")}?next={back}"' in text
    enable_totp(priya)
    text = client.get(page_url).content.decode()
    assert f'href="{reverse("mfa_reauthenticate")}?next={back}"' in text
