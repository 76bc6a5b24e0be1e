"""The run page's two-factor link: it used to go to allauth's confirm page whatever the
coordinator had. With a password and no app, allauth asked for the password and sent her back
to the same refusal; from a refused route sheet it came back to the sheet's POST-only address.
Now it goes to set-up when there is nothing to confirm with, and always back to the run."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from kith.core.models import PersonalDataAccess
from tests.conftest import enable_totp, totp_code

pytestmark = pytest.mark.django_db


def _links(page: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]*)"', page)]


def _two_factor_links(page: str) -> list[str]:
    return [h for h in _links(page) if "/accounts/2fa/" in h or "/account/two-factor/" in h]


@pytest.fixture
def with_password(priya):
    """As in the demo, where people have a password as well as emailed codes."""
    priya.set_password("a long enough password")
    priya.save()
    return priya


def test_it_sends_a_coordinator_without_an_app_to_set_up_not_round_in_a_loop(
        client, split_run, with_password, street):
    run_url = reverse("runs:detail", args=[street.slug, split_run.pk])
    client.force_login(with_password)
    refused = client.post(run_url, {"reason": "Checking routes"})
    assert refused.status_code == 403
    links = _two_factor_links(refused.content.decode())
    assert links, "no way forward from the refusal"
    setup = f"{reverse('accounts:two_factor_setup')}?next={run_url.replace('/', '%2F')}"
    assert set(links) == {setup}
    # The old link went to allauth's confirm page, which fell back to a password check and
    # then to the same refusal. Pages still linking there are now sent to set-up as well.
    old = client.get(f"{reverse('mfa_reauthenticate')}?next={run_url}")
    assert old.status_code == 302 and old.url == setup


def test_it_comes_back_to_the_run_and_reveals_after_confirming(client, split_run, priya, street):
    run_url = reverse("runs:detail", args=[street.slug, split_run.pk])
    route = split_run.routes.first()
    enable_totp(priya)
    client.force_login(priya)
    refused = client.post(reverse("runs:route_sheet", args=[street.slug, route.pk]),
                          {"reason": "Printing"})
    assert refused.status_code == 403
    [confirm] = set(_two_factor_links(refused.content.decode()))
    assert confirm == f"{reverse('mfa_reauthenticate')}?next={run_url.replace('/', '%2F')}"
    page = client.get(confirm)
    assert page.status_code == 200
    confirmed = client.post(confirm, {"code": totp_code()})
    assert confirmed.status_code == 302 and confirmed.url == run_url
    back = client.get(run_url).content.decode()
    assert "confirm it&#x27;s you" not in back  # nothing left to confirm
    revealed = client.post(run_url, {"reason": "Checking routes"})
    assert revealed.status_code == 200 and "Test Street" in revealed.content.decode()
    assert PersonalDataAccess.objects.filter(viewer=priya, subject_type="runs.stop").exists()


def test_it_keeps_the_stray_reveal_form_out_of_the_page_title(client, split_run, priya, street):
    client.force_login(priya)
    page = client.get(reverse("runs:detail", args=[street.slug, split_run.pk])).content.decode()
    title = page[page.index("<title>"):page.index("</title>")]
    assert "<section" not in title and "csrf" not in title
