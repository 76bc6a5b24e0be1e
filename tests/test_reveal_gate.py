"""The one reveal flow (core/reveal_views.py and core/_reveal.html), seen on the resident page.

The request, volunteer and run pages and the residents' map use the same form, helper and
include; their own tests (tests/requests, tests/volunteers, tests/runs, tests/residents) check
each of them opens what it should and sends no-store.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from kith.core.models import PersonalDataAccess
from kith.core.reveal_views import RevealForm, SealedField, reveal_panel
from tests.conftest import confirm_two_factor, enable_totp

pytestmark = pytest.mark.django_db

PHONE = "020 7946 0100"


def _page(resident):
    return reverse("residents:detail", args=["golborne-road", resident.pk])


@pytest.fixture
def priya_confirmed(client, priya):
    enable_totp(priya)
    client.force_login(priya)
    confirm_two_factor(client)
    return client


def test_it_opens_one_field_with_a_reason_and_logs_it(priya_confirmed, priya, mrs_ahmed):
    response = priya_confirmed.post(_page(mrs_ahmed), {"field": "phone", "reason": " Calling "})
    text = response.content.decode()
    assert response.status_code == 200 and PHONE in text and "(this look is logged)" in text
    assert "14 Golborne Road" not in text  # only the field asked for
    look = PersonalDataAccess.objects.get()
    assert (look.viewer, look.field, look.reason) == (priya, "phone", "Calling")


def test_it_tells_no_browser_to_keep_the_page(priya_confirmed, mrs_ahmed):
    response = priya_confirmed.post(_page(mrs_ahmed), {"field": "address", "reason": "Visit"})
    assert "14 Golborne Road" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_it_offers_a_reason_box_per_sealed_field_only_once_two_factor_is_confirmed(
        client, priya, mrs_ahmed):
    client.force_login(priya)
    text = client.get(_page(mrs_ahmed)).content.decode()
    assert "Set it up now" in text and 'name="reason"' not in text
    enable_totp(priya)
    text = client.get(_page(mrs_ahmed)).content.decode()
    assert "confirm it's you</a> with your passkey or authenticator app" in text
    confirm_two_factor(client)
    text = client.get(_page(mrs_ahmed)).content.decode()
    assert 'id="reason-phone"' in text and 'id="reason-address"' in text
    assert "Show phone" in text and "Why do you need the phone?" in text


@pytest.mark.parametrize("data, message", [
    ({"field": "phone", "reason": "   "}, "Say why you need to see it."),
    ({"field": "password", "reason": "curious"}, "Choose one of the details listed on this page."),
    ({"field": "phone", "reason": "x" * 201}, "at most 200 characters"),
    ({"field": "phone", "reason": "\u200b\u200b "}, "Say why you need to see it."),
    ({"field": "phone", "reason": "\u202e\u200b"}, "hidden character (U+202E"),
    ({"field": "phone", "reason": "check\u202eredro"}, "hidden character (U+202E"),
])
def test_it_explains_a_bad_request_and_opens_nothing(priya_confirmed, mrs_ahmed, data, message):
    response = priya_confirmed.post(_page(mrs_ahmed), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_it_sums_up_a_refused_reason_at_the_top_linked_to_its_box(priya_confirmed, mrs_ahmed):
    """focus-errors.js moves focus to the summary; its link takes the person to the box."""
    text = priya_confirmed.post(_page(mrs_ahmed), {"field": "phone", "reason": ""}).content.decode()
    summary = text[text.index('class="error-summary"'):]
    assert summary.index('<a href="#reason-phone">Say why you need to see it.</a>') < summary.index(
        'id="reason-phone"')


def test_it_keeps_the_check_in_form_apart_from_the_reveal(priya_confirmed, mrs_ahmed):
    """The resident page has a second form; posting it opens nothing."""
    response = priya_confirmed.post(_page(mrs_ahmed), {"every_days": "7"})
    assert response.status_code == 302
    assert not PersonalDataAccess.objects.exists()


def test_it_refuses_a_post_from_a_role_without_the_permission_before_reading(rf, priya,
                                                                             mrs_ahmed):
    from django.core.exceptions import PermissionDenied

    from kith.groups.access import GroupAccess

    request = rf.post("/", {"field": "phone", "reason": "curious"})
    request.user = priya
    request.access = GroupAccess(mrs_ahmed.group)  # no roles here, so no permission
    with pytest.raises(PermissionDenied):
        reveal_panel(request, group=mrs_ahmed.group,
                     fields=[SealedField("phone", "Phone", mrs_ahmed)])
    assert not PersonalDataAccess.objects.exists()


def test_its_form_needs_a_field_one_at_a_time_but_not_together(mrs_ahmed):
    fields = [SealedField("phone", "Phone", mrs_ahmed), SealedField("address", "Address", mrs_ahmed)]
    assert not RevealForm({"reason": "Calling"}, fields=fields).is_valid()
    assert RevealForm({"reason": "Calling"}, fields=fields, together=True).is_valid()
    assert RevealForm({"field": "phone", "reason": "Calling"}, fields=fields).is_valid()


def test_it_opens_by_a_grant_without_a_role_or_two_factor(rf, tom, mrs_ahmed):
    """A grant (a task's, a route's) stands in for the role and two-factor, never the reason."""
    class JustThisResident:
        def allows(self, viewer, subject):
            return viewer == tom and subject == mrs_ahmed

    request = rf.post("/", {"field": "address", "reason": "On my way"})
    request.user = tom  # no request.access: a grant's page is not a group page
    panel = reveal_panel(request, group=mrs_ahmed.group, grant=JustThisResident(),
                         fields=[SealedField("address", "Address", mrs_ahmed)])
    assert panel.opened == {"address": "14 Golborne Road, London W10 5NW"}
    assert panel.status == 200 and not panel.needs_two_factor
    assert PersonalDataAccess.objects.get().viewer == tom
