"""The public side after a fresh-clone review, in a real browser at a phone's width (390px)
and a laptop's (1366px), axe-checked: asking Golborne Road for help from Hendon (outside its
area, East Barnet nearby) through to the thank-you page and the status page, cancelling it;
two-factor set-up at a number address; a volunteer's task page; the favicon."""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings as dj_settings
from django.test import Client

from kith.groups import services as group_services
from kith.groups.models import Group
from kith.requests import services, views_public
from kith.requests.intake import Contact, Need, take_request
from kith.requests.models import HelpRequest
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (390, 1366)


@pytest.fixture
def east_barnet(db):
    network = GroupFactory(slug="north-london", name="North London Mutual Aid Network",
                           kind=Group.Kind.NETWORK, phone="+442079460002",
                           email="hello@north-london.invalid")
    return GroupFactory(slug="east-barnet", name="East Barnet Mutual Aid",
                        kind=Group.Kind.NEIGHBOURHOOD, parent=network,
                        coverage=["EN4 8", "EN4 9", "EN5 1", "N20 0"],
                        services=["shopping", "prescriptions"])


def _look(page, screenshot, axe_check, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        axe_check(f"{name} at {width}px")
        screenshot(f"fixpub-{name}-{width}")
    page.set_viewport_size({"width": 390, "height": 900})


def _session_cookie(page, live_server, client) -> None:
    page.context.clear_cookies()
    page.context.add_cookies([{"name": dj_settings.SESSION_COOKIE_NAME,
                               "value": client.session.session_key, "url": live_server.url}])


def test_an_ask_from_outside_the_area_reads_honestly_through_to_cancelling(
        live_server, page, screenshot, axe_check, street, east_barnet):
    page.goto(f"{live_server.url}/groups/golborne-road/ask/")
    page.get_by_label("What should we call you?").fill("Hendon Test")
    page.get_by_label("Phone number").fill("07911 123456")
    page.get_by_label("Postcode").fill("NW4 4BE")
    page.get_by_label("Shopping", exact=True).check()
    page.get_by_label("In the next two or three days").check()
    page.get_by_label(re.compile("You may keep these details")).check()
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url("**/groups/golborne-road/ask/sent/")
    main = page.locator("main").inner_text()
    req = HelpRequest.objects.get()
    assert req.reference in main and "may not be able to help" in main
    assert "Ask East Barnet Mutual Aid for help" in main
    _look(page, screenshot, axe_check, "ask-sent-outside")
    page.reload()
    assert req.reference in page.locator("main").inner_text()

    client = Client()
    session = client.session
    session[views_public.STATUS_REQUEST] = {"id": req.pk, "until": time.time() + 600}
    session.save()
    _session_cookie(page, live_server, client)
    page.goto(f"{live_server.url}/my-request/progress/")
    main = page.locator("main").inner_text()
    assert "may not be able to help" in main and "get in touch soon" not in main
    _look(page, screenshot, axe_check, "status-outside")

    page.get_by_text("I don't need this help any more").click()
    page.get_by_label("Yes, cancel my request").check()
    page.get_by_role("button", name="Cancel my request").click()
    main = page.locator("main").inner_text()
    assert "You cancelled this request on" in main and "Done" not in main
    _look(page, screenshot, axe_check, "status-cancelled")


def test_the_directory_sends_nobody_to_a_dead_end(live_server, page, screenshot, axe_check,
                                                 street, east_barnet):
    group_services.update_group(east_barnet.parent, acting_user=None, phone="+442079460002")
    page.goto(f"{live_server.url}/find/?q=NW4+4BE")
    main = page.locator("main").inner_text()
    assert "Ask East Barnet Mutual Aid for help" in main
    assert "North London Mutual Aid Network, which it is part of, can put you in touch" in main
    _look(page, screenshot, axe_check, "directory-nearest")


def test_two_factor_at_a_number_address_says_why_there_is_no_passkey(
        live_server, page, screenshot, axe_check, priya, settings):
    client = Client()
    client.force_login(priya)
    numbered = live_server.url.replace("localhost", "127.0.0.1")
    page.context.clear_cookies()
    page.context.add_cookies([{"name": dj_settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value,
                               "url": numbered}])
    page.goto(f"{numbered}/account/two-factor/")
    assert "Passkeys need the site's name, not a number address" in page.locator(
        "main").inner_text()
    _look(page, screenshot, axe_check, "two-factor-at-127")


def test_a_worried_volunteer_finds_the_groups_line(live_server, page, screenshot, axe_check,
                                                   street, priya, tom):
    from tests.requests.conftest import clear_to_help

    group_services.update_group(street, acting_user=None, phone="+442079460003")
    clear_to_help(tom, street, coordinator=priya)
    req = take_request(street, channel="phone", triage=True, acting_user=priya,
                       contact=Contact(name="Mrs Ahmed", phone="07911 123456",
                                       address="14 Golborne Road", postcode="W10 5NW"),
                       need=Need(service="shopping", details="Milk")).request
    services.assign(req, tom, actor=priya, reason="Round the corner")
    client = Client()
    client.force_login(tom)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": dj_settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value,
                               "url": live_server.url}])
    page.goto(f"{live_server.url}/volunteer/tasks/{req.reference}/")
    assert "Then ring Golborne Road Neighbours on 020 7946 0003" in page.locator(
        "main").inner_text()
    _look(page, screenshot, axe_check, "task-worried")


def test_the_favicon_is_served(live_server, page):
    response = page.request.get(f"{live_server.url}/favicon.ico")
    assert response.ok and "svg" in response.headers["content-type"]
