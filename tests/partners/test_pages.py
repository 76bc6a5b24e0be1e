"""The coordinators' partner pages: a partner, its tokens (shown once, kept hashed), revoking,
the webhook address."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from kith.core.models import AuditEvent
from kith.partners.models import ApiToken, Partner

pytestmark = pytest.mark.django_db


def test_a_coordinator_adds_a_partner_and_makes_a_token_shown_once(client, priya, street):
    client.force_login(priya)
    response = client.post(reverse("partners:list", args=[street.slug]),
                           {"name": "Golborne  Pharmacy", "kind": "pharmacy"})
    partner = Partner.objects.get()
    assert response.url == reverse("partners:detail", args=[street.slug, partner.pk])
    assert partner.name == "Golborne Pharmacy"

    shown = client.post(reverse("partners:token_new", args=[street.slug, partner.pk]),
                        {"label": "Booking system", "scopes": ["refer", "read"],
                         "once": "form-1"})
    token = ApiToken.objects.get()
    secret = shown.context["secret"]
    assert secret in shown.content.decode() and "no-store" in shown["Cache-Control"]
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ApiToken.objects.values()))
    assert token.scopes == ["refer", "read"] and secret.startswith(token.prefix)
    page = client.get(reverse("partners:detail", args=[street.slug, partner.pk])).content.decode()
    assert token.prefix in page and secret not in page
    row = AuditEvent.objects.get(action="kith.partner.token_issued")
    assert row.actor == priya and secret not in str(row.new)


def test_a_token_needs_a_scope_and_keeps_what_was_typed(client, priya, partner):
    client.force_login(priya)
    response = client.post(reverse("partners:token_new", args=[partner.group.slug, partner.pk]),
                           {"label": "Booking system", "once": "form-1"})
    assert response.status_code == 400
    assert "Choose at least one thing the token may do." in response.content.decode()
    assert 'value="Booking system"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_stops_the_token_at_once(client, priya, partner, secret):
    client.force_login(priya)
    token = ApiToken.objects.get()
    client.post(reverse("partners:token_revoke", args=[partner.group.slug, token.pk]))
    assert ApiToken.objects.get().revoked_at is not None
    client.logout()
    refused = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert refused.status_code == 401
    assert AuditEvent.objects.filter(action="kith.partner.token_revoked").count() == 1


def test_the_webhook_address_must_be_public(client, priya, partner, settings):
    settings.DEBUG = False
    client.force_login(priya)
    url = reverse("partners:webhook", args=[partner.group.slug, partner.pk])
    response = client.post(url, {"url": "https://127.0.0.1:8000/hook"})
    assert response.status_code == 400
    assert "private network" in response.content.decode()
    assert Partner.objects.get().webhook_url == ""


def test_a_webhook_secret_is_shown_once_and_kept_unless_asked(client, priya, partner, settings):
    settings.KITH_WEBHOOKS_ALLOW_PRIVATE = True
    client.force_login(priya)
    url = reverse("partners:webhook", args=[partner.group.slug, partner.pk])
    shown = client.post(url, {"url": "http://127.0.0.1:9/hook"})
    first = shown.context["secret"]
    assert first.startswith("whsec_")
    again = client.post(url, {"url": "http://127.0.0.1:9/hook"})
    assert again.status_code == 302
    assert Partner.objects.get().webhook_secret._open() == first
    renewed = client.post(url, {"url": "http://127.0.0.1:9/hook", "new_secret": "on"})
    assert renewed.context["secret"] != first


@pytest.mark.parametrize("name", ["partners:detail", "partners:token_new", "partners:webhook"])
def test_another_groups_partner_is_not_found(client, nadia, partner, name):
    client.force_login(nadia)
    url = reverse(name, args=["lots-road", partner.pk])
    response = client.get(url) if name == "partners:detail" else client.post(url, {})
    assert response.status_code == 404


def test_another_groups_token_cannot_be_revoked(client, nadia, partner, secret):
    client.force_login(nadia)
    token = ApiToken.objects.get()
    response = client.post(reverse("partners:token_revoke", args=["lots-road", token.pk]))
    assert response.status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_a_second_partner_of_the_same_name_is_refused_and_the_form_kept(client, priya, partner):
    client.force_login(priya)
    response = client.post(reverse("partners:list", args=[partner.group.slug]),
                           {"name": "golborne pharmacy", "kind": "charity"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "already has a partner called golborne pharmacy" in page
    assert 'value="golborne pharmacy"' in page
    assert Partner.objects.count() == 1


def test_adding_the_same_partner_twice_at_once_says_so_not_500(client, priya, partner,
                                                               monkeypatch):
    """Two posts at once both pass the form's check; the database keeps one."""
    from kith.partners.forms import PartnerForm

    monkeypatch.setattr(PartnerForm, "clean_name", lambda form: form.cleaned_data["name"])
    client.force_login(priya)
    response = client.post(reverse("partners:list", args=[partner.group.slug]),
                           {"name": "Golborne Pharmacy", "kind": "pharmacy"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "already has a partner called Golborne Pharmacy" in page
    assert 'value="Golborne Pharmacy"' in page and Partner.objects.count() == 1


def test_a_reloaded_token_form_makes_no_second_token_and_says_so(client, priya, partner):
    client.force_login(priya)
    page = client.get(reverse("partners:detail", args=[partner.group.slug, partner.pk]))
    key = page.context["token_form"].initial["once"]
    assert f'value="{key}"' in page.content.decode()
    url = reverse("partners:token_new", args=[partner.group.slug, partner.pk])
    data = {"label": "Booking system", "scopes": ["refer"], "once": key}
    first = client.post(url, data)
    assert first.status_code == 200 and ApiToken.objects.count() == 1
    again = client.post(url, data, follow=True)
    assert ApiToken.objects.count() == 1
    token = ApiToken.objects.get()
    assert f"That form was used already: it made token {token.prefix}" in again.content.decode()
    assert first.context["secret"] not in again.content.decode()
    fresh = client.get(reverse("partners:detail", args=[partner.group.slug, partner.pk]))
    assert fresh.context["token_form"].initial["once"] != key


def test_a_token_form_without_its_key_is_refused_plainly(client, priya, partner):
    client.force_login(priya)
    response = client.post(reverse("partners:token_new", args=[partner.group.slug, partner.pk]),
                           {"label": "Booking system", "scopes": ["refer"]})
    assert response.status_code == 400 and "This form is out of date" in response.content.decode()
    assert not ApiToken.objects.exists()
    again = response.context["token_form"].data["once"]
    assert again and f'value="{again}"' in response.content.decode()


def test_opening_a_forms_address_shows_the_partner_not_a_blank_405(client, priya, partner):
    client.force_login(priya)
    for name in ("partners:token_new", "partners:webhook"):
        page = client.get(reverse(name, args=[partner.group.slug, partner.pk]))
        assert page.status_code == 200 and "Make a new token" in page.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_asks_are_you_sure_first(client, priya, partner, secret):
    client.force_login(priya)
    token = ApiToken.objects.get()
    detail = client.get(reverse("partners:detail", args=[partner.group.slug, partner.pk]))
    url = reverse("partners:token_revoke", args=[partner.group.slug, token.pk])
    assert f'href="{url}"' in detail.content.decode()
    asked = client.get(url)
    assert asked.status_code == 200 and "Are you sure?" in asked.content.decode()
    assert ApiToken.objects.get().revoked_at is None  # asking changes nothing
    client.post(url)
    assert ApiToken.objects.get().revoked_at is not None
    assert "revoked already" in client.get(url).content.decode()
