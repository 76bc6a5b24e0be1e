"""Priya, a coordinator, works through her group's requests: the list, one request's paper
trail, a step refused for want of a reason, then assigning Tom by hand. And the other
coordinators' pages (regular help, the exclusion list, request settings) stay accessible."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in_as(page, client, live_server, person) -> None:
    """Swap the browser's session for `person`'s (this journey is not about signing in)."""
    from django.conf import settings as dj_settings

    client.force_login(person)
    page.context.clear_cookies()
    page.context.add_cookies([{
        "name": dj_settings.SESSION_COOKIE_NAME,
        "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value, "url": live_server.url,
    }])


def _ready(person, group):
    """A volunteer with a profile, consents and approval: cleared for shopping."""
    from kith.volunteers.models import CONSENT_VERSIONS, Consent, Vetting, VolunteerProfile

    person.postcode_sector = "W10 5"
    person.save(update_fields=["postcode_sector"])
    VolunteerProfile.objects.create(person=person, services=["shopping"], on_duty=True)
    for kind, version in CONSENT_VERSIONS.items():
        Consent.objects.create(person=person, kind=kind, version=version)
    Vetting.objects.create(person=person, group=group, approved_at=timezone.now())
    return person


def _requests(street, mrs_ahmed, priya, sam):
    from kith.requests import services
    from kith.requests.intake import Contact, Need, take_request
    from tests.factories import ResidentFactory

    shop = take_request(street, channel="phone", contact=Contact(name="Mrs Ahmed"),
                        need=Need(service="shopping", details="Milk and bread", when="Tuesday morning"),
                        resident=mrs_ahmed, acting_user=sam, triage=True).request
    services.transition(shop, "start_matching", actor=priya)
    take_request(street, channel="referral", contact=Contact(name="Mr Doyle"),
                 need=Need(service="prescriptions", partner_kind="pharmacy",
                           partner_name="Golborne Pharmacy"),
                 resident=ResidentFactory(group=street, name="Mr Doyle"))
    walk = take_request(street, channel="web", contact=Contact(name="Ms Khan"),
                        need=Need(service="dog_walking"),
                        resident=ResidentFactory(group=street, name="Ms Khan")).request
    services.transition(walk, "cancel", actor=priya, note="Her neighbour walks the dog now")
    return shop


def test_it_lets_a_coordinator_follow_a_request_and_assign_a_volunteer(
    live_server, page, screenshot, axe_check, client, priya, sam, tom, street, mrs_ahmed
):
    from kith.volunteers.models import VolunteerProfile
    from tests.factories import MembershipFactory, PersonFactory

    _ready(tom, street)
    kasia = PersonFactory(email="kasia@example.org", display_name="Kasia Nowak")
    MembershipFactory(person=kasia, group=street, is_volunteer=True)
    _ready(kasia, street)
    kasia.volunteer.services, kasia.volunteer.on_duty = ["dog_walking"], False
    kasia.volunteer.save()
    lee = PersonFactory(email="lee@example.org", display_name="Lee Park", postcode_sector="W10 6")
    MembershipFactory(person=lee, group=street, is_volunteer=True)
    VolunteerProfile.objects.create(person=lee, services=["shopping"])
    shop = _requests(street, mrs_ahmed, priya, sam)
    _sign_in_as(page, client, live_server, priya)

    page.goto(f"{live_server.url}/g/golborne-road/requests/")
    assert page.get_by_role("heading", name=re.compile("^Requests")).is_visible()
    assert page.get_by_role("link", name="New phone request").is_visible()
    assert page.get_by_role("link", name="Open (2)").get_attribute("aria-current") == "page"
    axe_check("request list")
    screenshot("60-requests-list")

    page.get_by_role("link", name="Closed or cancelled (1)").click()
    page.get_by_role("row", name=re.compile("Ms Khan")).wait_for()
    page.get_by_role("link", name=re.compile(r"^Open \(")).click()
    page.locator("summary", has_text="Filter and search").click()
    page.get_by_label("Reference or resident's name").fill("ahmed")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("row", name=re.compile("Mrs Ahmed")).wait_for()
    assert page.get_by_role("row", name=re.compile("Mr Doyle")).count() == 0

    page.get_by_role("link", name=shop.reference).click()
    page.get_by_role("heading", name=re.compile(f"Request {shop.reference}")).wait_for()
    history = page.locator("h2:text('History') + ol > li")
    assert history.count() == 3
    assert "Ready to match" in history.nth(2).inner_text()
    axe_check("request detail")
    screenshot("61-request-detail")

    page.locator("summary", has_text="Put on hold").click()
    page.get_by_role("button", name="Put on hold", exact=True).click()
    alert = page.get_by_role("alert")
    assert "needs a reason" in alert.inner_text()
    assert page.get_by_label("Why put it on hold?").get_attribute("aria-invalid") == "true"
    axe_check("request detail, a step refused")
    screenshot("62-request-move-refused")

    page.get_by_role("link", name="Assign a volunteer").click()
    page.get_by_role("group", name="Choose a volunteer").wait_for()
    labels = page.locator("fieldset label").all_inner_texts()
    assert [t.strip() for t in labels] == ["Tom Brennan", "Lee Park", "Kasia Nowak"]
    assert "Not cleared: needs to confirm their consents again, is not approved yet" in page.content()
    assert "@example.org" not in page.content()
    axe_check("assign a volunteer")
    screenshot("63-request-assign")

    page.get_by_role("button", name="Assign").click()
    assert "Choose a volunteer." in page.get_by_role("alert").inner_text()
    page.get_by_label("Tom Brennan").check()
    page.get_by_label("Why this volunteer?").fill("Lives two doors away")
    page.get_by_role("button", name="Assign").click()
    page.get_by_text(f"Tom Brennan is assigned to {shop.reference}.").wait_for()
    assert "Volunteer assigned" in page.locator("h2:text('History') + ol > li").nth(3).inner_text()
    axe_check("request detail, assigned")
    screenshot("64-request-assigned")


def test_it_keeps_the_other_request_pages_accessible(
    live_server, page, screenshot, axe_check, client, priya, tom, street, mrs_ahmed
):
    from kith.requests import exclusions, series

    regular = series.start_series(street, resident=mrs_ahmed, service="shopping", cadence="weekly",
                                  first_date=timezone.localdate(), when="Tuesday mornings",
                                  volunteer=tom, actor=priya)
    series.make_occurrence(regular)
    exclusions.add_exclusion(street, reason="abuse", phone="07911 123456", actor=priya)
    _sign_in_as(page, client, live_server, priya)
    for path, name in [("/g/golborne-road/series/", "65-series-list"),
                       (f"/g/golborne-road/series/{regular.pk}/", "66-series-detail"),
                       ("/g/golborne-road/exclusions/", "68-exclusions"),
                       ("/g/golborne-road/requests/settings/", "69-request-settings")]:
        page.goto(live_server.url + path)
        axe_check(path)
        screenshot(name)

    page.goto(f"{live_server.url}/g/golborne-road/series/new/?resident={mrs_ahmed.pk}")
    page.get_by_label("First visit").fill("2001-01-01")
    page.get_by_role("button", name="Start regular help").click()
    assert "can't be in the past" in page.get_by_role("alert").inner_text()
    axe_check("start regular help, a mistake")
    screenshot("67-series-new-mistake")

    page.goto(f"{live_server.url}/g/golborne-road/requests/settings/")
    page.get_by_label("Call back within (hours)").fill("0")
    page.get_by_role("button", name="Save settings").click()
    assert "Choose between 1 and 168 hours" in page.get_by_role("alert").inner_text()
    axe_check("request settings, a mistake")
