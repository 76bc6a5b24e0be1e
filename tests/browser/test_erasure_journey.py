"""Priya, a coordinator, erases Mrs Ahmed's details because she asked: first held by a request
still open (the reason on the page, no button), then, once it is closed, what goes and what
stays, a confirm step that says what is missing, and the erasure. On a phone, axe-clean."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_request_pages import _sign_in_as

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_coordinator_erases_a_resident_on_request(page, live_server, client, street, priya,
                                                     mrs_ahmed, screenshot, axe_check):
    from kith.requests.intake import Contact, Need, take_request
    from kith.requests.models import HelpRequest

    mrs_ahmed.phone, mrs_ahmed.address = "+442079460101", "14 Golborne Road"
    mrs_ahmed.save()
    req = take_request(street, channel="phone", contact=Contact(name="Mrs Ahmed"),
                       need=Need(service="shopping", details="Milk and bread"),
                       resident=mrs_ahmed).request
    _sign_in_as(page, client, live_server, priya)

    page.goto(f"{live_server.url}/g/{street.slug}/residents/{mrs_ahmed.pk}/")
    page.get_by_role("link", name="Erase their details").click()
    held = page.locator("#holds")
    held.wait_for()
    expect(held).to_contain_text(req.reference)
    expect(page.get_by_role("button", name=re.compile("Erase"))).to_have_count(0)
    screenshot("erasure-held")
    axe_check("erasure page, held")

    HelpRequest.objects.filter(pk=req.pk).update(state="closed")
    page.reload()
    expect(page.get_by_role("heading", name="What will be deleted")).to_be_visible()
    expect(page.locator("#holds")).to_have_count(0)
    expect(page.get_by_text("What they asked for, when, and who asked")).to_be_visible()
    screenshot("erasure-confirm")
    axe_check("erasure page")

    # Only one tick: the page says what is missing and erases nothing.
    page.get_by_label(re.compile("They asked us to delete")).check()
    page.get_by_role("button", name="Erase Mrs Ahmed's details").click()
    error = page.get_by_text("Tick to confirm you understand it cannot be undone.").first
    error.wait_for()
    expect(page.get_by_label(re.compile("They asked us to delete"))).to_be_checked()
    screenshot("erasure-missing-tick")
    axe_check("erasure page with an error")

    page.get_by_label("I understand this cannot be undone").check()
    page.get_by_role("button", name="Erase Mrs Ahmed's details").click()
    done = page.get_by_text(f"Resident #{mrs_ahmed.pk} has been erased")
    done.wait_for()
    expect(page.get_by_text(f"Erased resident #{mrs_ahmed.pk}").first).to_be_visible()
    expect(page.get_by_text("Mrs Ahmed")).to_have_count(0)
    screenshot("erasure-done")
    axe_check("residents list after erasure")

    # The audit trail keeps the tombstone, naming Priya and the number, not Mrs Ahmed.
    page.goto(f"{live_server.url}/g/{street.slug}/audit/")
    tomb = page.locator("main li").filter(has_text="Resident erased").first
    tomb.wait_for()
    expect(tomb).to_contain_text("Priya Shah")
    expect(page.get_by_text("Mrs Ahmed")).to_have_count(0)
    screenshot("erasure-audit")
