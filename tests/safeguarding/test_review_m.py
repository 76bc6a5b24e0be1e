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
