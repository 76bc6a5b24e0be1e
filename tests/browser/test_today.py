"""Each person signs in to what they do: Priya to her group's today page (and from it to the
request that needs someone), Sam to the callback queue, Tom to his offers and tasks."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page, live_server, enter_emailed_code, email: str, shot: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Your email address").fill(email)
    page.get_by_role("button", name="Send me a code").click()
    enter_emailed_code(email, shot)


def test_a_coordinator_lands_on_today_and_follows_it_to_the_work(
    live_server, page, enter_emailed_code, screenshot, axe_check, priya, sam, street
):
    from kith.requests.intake import Contact, Need, take_request

    urgent = take_request(street, channel="phone", acting_user=sam, triage=True,
                          contact=Contact(name="Harold Pike", phone="+447700900222"),
                          need=Need(service="prescriptions", urgency="today")).request
    _sign_in(page, live_server, enter_emailed_code, "priya@example.org", "today-01-code")
    page.wait_for_url("**/g/golborne-road/")
    axe_check("coordinator's today page")
    screenshot("today-02-coordinator")
    page.get_by_role("link", name=re.compile("request for today has nobody yet")).click()
    page.wait_for_url(re.compile(r".*urgency=today.*"))
    row = page.get_by_role("row", name=re.compile(urgent.reference))
    assert "Harold" in row.inner_text() and "Pike" not in row.inner_text()
    axe_check("request list, filtered")
    screenshot("today-03-urgent-requests")


def test_a_call_handler_lands_on_the_queue(live_server, page, enter_emailed_code, screenshot,
                                           axe_check, sam, street):
    _sign_in(page, live_server, enter_emailed_code, "sam@example.org", "today-04-code")
    page.wait_for_url("**/g/golborne-road/callbacks/")
    axe_check("call handler's queue")
    screenshot("today-05-call-handler")


def test_a_volunteer_lands_on_offers_and_tasks(live_server, page, enter_emailed_code,
                                               screenshot, axe_check, tom, street):
    from tests.volunteers.conftest import sign_up

    sign_up(tom)
    _sign_in(page, live_server, enter_emailed_code, "tom@example.org", "today-06-code")
    page.wait_for_url("**/volunteer/")
    assert page.get_by_role("heading", name="Offers near me").is_visible()
    axe_check("volunteer's home")
    screenshot("today-07-volunteer")


def test_a_coordinator_of_two_groups_lands_where_the_urgent_work_is_and_can_switch(
    live_server, page, enter_emailed_code, screenshot, axe_check, priya, sam, street,
    other_street
):
    from datetime import timedelta

    from django.utils import timezone

    from kith.groups.models import Membership
    from kith.requests.intake import Contact, Need, take_request
    from kith.requests.models import Callback

    Membership.objects.create(group=other_street, person=priya, is_coordinator=True)
    take_request(other_street, channel="web", contact=Contact(name="Ivy Moss", phone="+447700900333"),
                 need=Need(service="shopping"))
    Callback.objects.filter(group=other_street).update(due_at=timezone.now() - timedelta(hours=1))
    _sign_in(page, live_server, enter_emailed_code, "priya@example.org", "today-08-code")
    page.wait_for_url(f"**/g/{other_street.slug}/")
    switcher = page.get_by_role("navigation", name="Your other groups")
    assert street.name in switcher.inner_text()
    axe_check("today page with the line to her other groups")
    screenshot("today-09-two-groups")
    switcher.get_by_role("link", name=street.name).click()
    page.wait_for_url(f"**/g/{street.slug}/")
    assert "(1 urgent)" in page.get_by_role("navigation", name="Your other groups").inner_text()
    screenshot("today-10-switched")
