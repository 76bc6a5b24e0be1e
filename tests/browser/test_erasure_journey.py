"""Priya, a coordinator, erases Mrs Ahmed's details because she asked: first held by a request
still open (the reason on the page, no button), then, once it is closed, what goes and what
stays, a confirm step that says what is missing, and the erasure. On a phone, axe-clean."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_corrections import _sign_in
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
    _sign_in(page, live_server, priya)  # erasing needs two-factor proved in this session

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

    # Her page is a tombstone: when, and nothing to do.
    page.get_by_role("link", name=f"Erased resident #{mrs_ahmed.pk}").click()
    expect(page.locator("#erased")).to_contain_text("details were erased on")
    expect(page.get_by_role("link", name="Correct their details")).to_have_count(0)
    expect(page.get_by_role("link", name="Erase their details")).to_have_count(0)
    screenshot("erasure-tombstone")
    axe_check("an erased resident's page")

    # The audit trail keeps the tombstone, naming Priya and the number, not Mrs Ahmed.
    page.goto(f"{live_server.url}/g/{street.slug}/audit/")
    tomb = page.locator("main li").filter(has_text="Resident erased").first
    tomb.wait_for()
    expect(tomb).to_contain_text("Priya Shah")
    expect(page.get_by_text("Mrs Ahmed")).to_have_count(0)
    screenshot("erasure-audit")


def test_a_volunteer_deletes_their_own_account_from_the_leave_page(page, live_server, client,
                                                                   street, tom, screenshot,
                                                                   axe_check):
    from kith.accounts.models import Person
    from kith.messaging.models import Message
    from kith.volunteers.models import VolunteerProfile

    VolunteerProfile.objects.create(person=tom, services=["shopping"])
    _sign_in_as(page, client, live_server, tom)
    page.goto(f"{live_server.url}/volunteer/leave/")
    page.get_by_role("link", name="Delete my account").click()
    button = page.get_by_role("button", name="Delete my account")
    button.wait_for()
    screenshot("erasure-own-account")
    axe_check("deleting one's own account")
    button.click()
    page.get_by_text("Tick the box to confirm").first.wait_for()
    # Proof that it is Tom now, not whoever finds his session open: the code sent to him.
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_text("We have sent you a code").wait_for()
    message = Message.objects.filter(person=tom).latest("pk")
    code = re.search(r"\b(\d{6})\b", message.body._open()).group(1)
    page.get_by_label("The 6-digit code").fill(code)
    page.get_by_label(re.compile("Delete my account and my details")).check()
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_role("heading", name="Your account and details are deleted").wait_for()
    screenshot("erasure-own-account-done")
    axe_check("account deleted")
    assert not Person.objects.get(pk=tom.pk).is_active
