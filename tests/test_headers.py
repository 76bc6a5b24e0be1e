"""Security headers: a strict Content-Security-Policy, no-store on anything personal, and a
Permissions-Policy. The permission matrix also checks every URL for every persona with
`assert_privacy_headers()`, so no page can be left out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

import kith
from kith.core.middleware import may_be_stored

pytestmark = pytest.mark.django_db

SRC = Path(kith.__file__).resolve().parent
TEMPLATES = sorted(p for p in SRC.rglob("templates/**/*.html"))


def csp_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";"))}


def assert_privacy_headers(response, *, signed_in: bool) -> None:
    """What every response of Kith's must carry (static files aside, which WhiteNoise answers)."""
    policy = csp_of(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert policy["script-src"][0] == "'self'" and policy["style-src"] == ["'self'"]
    assert "camera=()" in response["Permissions-Policy"]
    cache = response.get("Cache-Control", "")
    if signed_in:
        assert "no-store" in cache and "public" not in cache, f"{response.status_code} {cache!r}"
    else:
        assert ("no-store" in cache) != ("public" in cache), f"{response.status_code} {cache!r}"


def test_it_sends_a_strict_policy_on_a_public_page(client):
    response = client.get(reverse("core:home"))
    policy = csp_of(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert_privacy_headers(response, signed_in=False)


def test_it_adds_a_fresh_nonce_only_when_a_page_uses_one(rf):
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    def page(request):
        return HttpResponse(f'<script nonce="{request.csp_nonce}">go()</script>')

    middleware = CSPMiddleware(page)
    first, second = (middleware(rf.get("/")) for _ in range(2))
    nonce = re.search(r'nonce="([^"]+)"', first.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in csp_of(first)["script-src"]
    assert nonce not in second["Content-Security-Policy"]
    assert "nonce" not in CSPMiddleware(lambda request: HttpResponse("plain"))(
        rf.get("/"))["Content-Security-Policy"]


def test_it_lets_map_pages_load_images_from_the_tile_server_and_data_uris(client, settings):
    from kith.env import url_origin

    tiles = url_origin(settings.KITH_MAP_TILES)
    response = client.get(reverse("directory:map"))
    assert "'self'" in csp_of(response)["img-src"] and "data:" in csp_of(response)["img-src"]
    assert not tiles or tiles in csp_of(response)["img-src"]


# --- Cache-Control


def test_it_keeps_no_copy_of_a_signed_in_page(client, priya):
    """Before, the CSV export and every group page went out with no Cache-Control at all."""
    client.force_login(priya)
    for url in ["/g/golborne-road/volunteers/export.csv", "/g/golborne-road/",
                reverse("directory:map_data")]:
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"], url


def test_it_keeps_no_copy_of_a_reveal_whatever_its_form_says(client, priya, mrs_ahmed):
    client.force_login(priya)
    response = client.post(f"/g/golborne-road/residents/{mrs_ahmed.pk}/",
                           {"field": "phone", "reason": "calling back"})
    assert "no-store" in response["Cache-Control"]


def test_it_keeps_no_copy_of_what_someone_signed_out_typed(client):
    assert client.get(reverse("directory:find") + "?q=W10+5NW")["Cache-Control"] == "no-store"
    assert "no-store" in client.get(reverse("requests:status"))["Cache-Control"]


def test_it_lets_public_answers_be_cached_for_people_signed_out(client):
    response = client.get(reverse("directory:map_data"))
    assert "public" in response["Cache-Control"] and "no-store" not in response["Cache-Control"]


def test_it_leaves_static_files_cacheable(settings):
    settings.WHITENOISE_USE_FINDERS = True  # read at start-up: a new client starts afresh
    response = Client().get("/static/kith/kith.css")
    assert response.status_code == 200
    assert "max-age" in response["Cache-Control"] and "no-store" not in response["Cache-Control"]


class _Person:
    def __init__(self, signed_in: bool):
        self.is_authenticated = signed_in


class _Request:
    def __init__(self, signed_in: bool | None):
        if signed_in is not None:
            self.user = _Person(signed_in)


@pytest.mark.parametrize("signed_in, cache, stored", [
    (True, "public, max-age=300", False),
    (False, "public, max-age=300", True),
    (False, "max-age=300", False),
    (False, "", False),
    (None, "", False),  # an error before the user was known
    (None, "Public", True),
])
def test_it_stores_only_public_answers_to_people_signed_out(signed_in, cache, stored):
    response = {"Cache-Control": cache} if cache else {}
    assert may_be_stored(_Request(signed_in), response) is stored


# --- what the policy forbids, found in the templates before a browser finds it


INLINE = {
    "a <script> without src or a nonce": re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=\"\{\{ request\.csp_nonce \}\}\")[^>]*>", re.I),
    "an inline event handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "a style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "a <style> element": re.compile(r"<style\b", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_it_has_nothing_inline_the_policy_would_block(template):
    text = template.read_text()
    found = [what for what, pattern in INLINE.items() if pattern.search(text)]
    assert not found, f"{template.relative_to(SRC)} has {', '.join(found)}"


def test_it_finds_templates_to_check():
    assert len(TEMPLATES) > 50


def test_it_has_a_css_class_for_every_route_colour():
    from kith.runs.views import ROUTE_COLOURS

    css = (SRC / "runs/static/runs/runs.css").read_text()
    for colour in ROUTE_COLOURS:
        assert f".route-key-{colour.lstrip('#')} {{ background: {colour}; }}" in css


def test_it_explains_a_refused_form_post_on_a_page_the_policy_allows(priya):
    client = Client(enforce_csrf_checks=True)
    client.force_login(priya)
    response = client.post(reverse("groups:settings", args=["golborne-road"]), {})
    text = response.content.decode()
    assert response.status_code == 403
    assert "Your form was not sent" in text and "This form could not be sent" in text
    assert not INLINE["a <style> element"].search(text)
    assert_privacy_headers(response, signed_in=True)


def test_it_lets_kith_pages_use_passkeys_and_nothing_else_on_the_list(client):
    policy = client.get("/accounts/login/")["Permissions-Policy"]
    assert "publickey-credentials-get=(self)" in policy
    assert "camera=()" in policy and "geolocation=()" in policy
