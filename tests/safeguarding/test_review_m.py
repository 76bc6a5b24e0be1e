"""Review M's safeguarding findings: no web log line ties an address to a report (S1), the
throttle keeps no address (S8), the leads' notes are sealed (S7), urgent alerts say so (S2),
action owners are told (S3), the words (S4), a group with no lead says so first (S5)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.safeguarding.conftest import PUBLIC_REPORT

pytestmark = pytest.mark.django_db


# --- S1: the report pages send no Referer onwards


@pytest.mark.parametrize("name, method", [
    ("safeguarding:report_public", "get"), ("safeguarding:report_public", "post"),
    ("safeguarding:public_sent", "get"),
])
def test_the_public_report_pages_tell_browsers_to_send_no_referer(client, street, lena, name,
                                                                  method):
    data = PUBLIC_REPORT if method == "post" else None
    response = getattr(client, method)(reverse(name, args=[street.slug]), data)
    assert response.status_code in (200, 302)
    assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("name, method", [
    ("safeguarding:report", "get"), ("safeguarding:report", "post"),
    ("safeguarding:reported", "get"),
])
def test_the_members_report_pages_tell_browsers_to_send_no_referer(client, street, tom, lena,
                                                                   name, method):
    client.force_login(tom)
    data = PUBLIC_REPORT if method == "post" else None
    response = getattr(client, method)(reverse(name, args=[street.slug]), data)
    assert response.status_code in (200, 302)
    assert response["Referrer-Policy"] == "no-referrer"


def test_other_pages_keep_the_sites_referrer_policy(client, street):
    response = client.get(reverse("directory:group", args=[street.slug]))
    assert response["Referrer-Policy"] == "same-origin"


# --- S8: the throttle's counters are not kept under an address


def _cache_keys() -> list[str]:
    from django.core.cache import cache

    return [str(key) for key in cache._cache]  # the local-memory cache the tests use


def test_the_report_forms_count_is_not_kept_under_the_reporters_address(client, street, lena):
    from django.core.cache import cache

    cache.clear()
    address = "203.0.113.77"
    response = client.post(reverse("safeguarding:report_public", args=[street.slug]),
                           PUBLIC_REPORT, REMOTE_ADDR=address)
    assert response.status_code == 302
    keys = [key for key in _cache_keys() if "throttle:" in key]
    assert keys  # it was counted...
    assert not any(address in key for key in keys)  # ...under no address
    assert not any(address.replace(".", "") in key.replace(".", "") for key in keys)


def test_every_throttle_scope_keys_its_visitor_with_the_digest_key():
    from kith.core import throttle
    from kith.core.digest import keyed_digest

    for scope, who in (("ask", "198.51.100.4"), ("api", "2001:db8::1"), ("status", "KT9-XYP")):
        counted = throttle.take(scope, who, limit=5, seconds=3600)
        assert counted is not None and counted.count == 1
        assert who not in counted.key
        assert keyed_digest("throttle", f"{scope}\x00{who}")[:32] in counted.key
        assert throttle.take(scope, who, limit=5, seconds=3600).count == 2  # the same counter
