"""On a phone: a volunteer with a landline is told plainly it takes no texts, with the number
masked; a coordinator sees the quiet-hours explanation above both boxes, not inside one."""

from __future__ import annotations

import pytest
from django.conf import settings as dj_settings
from django.test import Client

from kith.messaging.models import ContactPreference
from tests.matching.conftest import make_volunteer

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def sign_in(page, live_server, person) -> None:
    client = Client()
    client.force_login(person)
    page.context.add_cookies([{"name": dj_settings.SESSION_COOKIE_NAME, "url": live_server.url,
                               "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value}])


def test_a_landline_is_refused_for_texts_on_the_phone(live_server, page, screenshot, axe_check,
                                                      street, priya):
    ben = make_volunteer(street, priya, "Ben", "W10 5QA")
    ben.phone = "+442079460102"
    ben.save()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, ben)
    page.goto(f"{live_server.url}/volunteer/reach/")
    page.get_by_text("go to the number on your account ending 102").wait_for()
    page.get_by_label("Text message").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("is not a mobile, so it can't get texts").first.wait_for()
    assert page.get_by_label("Text message").is_checked()  # what they chose, kept
    axe_check("a landline refused for texts")
    screenshot("reach-landline-refused")
    assert not ContactPreference.objects.exists()


def test_the_quiet_hours_explanation_sits_under_the_legend(live_server, page, screenshot,
                                                            axe_check, street, priya):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, priya)
    page.goto(f"{live_server.url}/g/{street.slug}/settings/")
    fieldset = page.locator("fieldset", has_text="Quiet hours")
    help_box = fieldset.get_by_text("No texts or WhatsApp messages between these times")
    until_label, until_box = fieldset.get_by_text("Quiet until"), page.get_by_label("Quiet until")
    assert help_box.bounding_box()["y"] < fieldset.get_by_text("Quiet from").bounding_box()["y"]
    # the label sits straight above its box: nothing between them
    gap = until_box.bounding_box()["y"] - (until_label.bounding_box()["y"]
                                           + until_label.bounding_box()["height"])
    assert gap < 24
    axe_check("quiet hours")
    fieldset.scroll_into_view_if_needed()
    fieldset.screenshot(path=str(screenshot("group-settings").parent / "quiet-hours-fieldset.png"))
