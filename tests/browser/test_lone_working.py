"""Lone working on a 390 px phone: Tom reads the safety notes for his first shopping task,
taps "I'm on my way", misses his check-in, and the sweep alerts Priya (in the outbox; her
today page says so). "I need help now" alerts the coordinators and the lead at once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from kith.messaging.models import Message
from kith.requests.sweeps import tick
from kith.safety.models import CheckIn, RiskAssessment
from tests.requests.conftest import clear_to_help
from tests.safety.conftest import make_task

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def _sign_in(page, client, live_server, person) -> None:
    from django.conf import settings as dj_settings

    client.force_login(person)
    page.context.clear_cookies()
    page.context.add_cookies([{
        "name": dj_settings.SESSION_COOKIE_NAME,
        "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value, "url": live_server.url,
    }])


@pytest.fixture
def out_on_a_task(street, priya, tom):
    clear_to_help(tom, street, coordinator=priya)
    RiskAssessment.objects.create(
        group=street, activity="shopping", hazards="Heavy bags. Money disputes.",
        who_harmed="The volunteer and the resident.",
        controls="Keep the receipt. Leave bags at the door and step back.", owner=priya,
        review_by=timezone.localdate() + timedelta(days=200), signed_off_by=priya,
        signed_off_at=timezone.now())
    return make_task(street, priya, tom)


def _sent(template_end: str) -> set[str]:
    return {m.person.email for m in Message.objects.filter(template__endswith=template_end)}


def test_a_missed_check_in_reaches_the_coordinator_through_the_sweep(
        live_server, page, client, screenshot, axe_check, out_on_a_task, tom, priya):
    req = out_on_a_task
    page.set_viewport_size(PHONE)
    _sign_in(page, client, live_server, tom)
    page.goto(f"{live_server.url}/volunteer/tasks/{req.reference}/")
    assert page.get_by_role("heading", name=re.compile("Before your first shopping")).is_visible()
    axe_check("task page with the safety notes to read")
    screenshot("lone-01-read-first")
    page.get_by_role("button", name="I have read this").click()
    page.get_by_label("How long will it take you, there and back?").select_option("30")
    screenshot("lone-02-how-long")
    page.get_by_role("button", name="I'm on my way").click()
    page.get_by_role("heading", name="Your safety check-in").wait_for()
    assert page.get_by_role("button", name="I'm safe, finished").is_visible()
    axe_check("task page with an open check-in")
    screenshot("lone-03-checked-in")

    check_in = CheckIn.objects.get()
    assert tick(check_in.due_at + timedelta(minutes=1))["check_ins_asked"] == 1
    assert tick(check_in.due_at + timedelta(minutes=21))["check_ins_alerted"] == 1
    assert _sent("check_in_missed.txt") == {priya.email}
    # The sweep ran "in the future": move the check-in back so the page's clock agrees.
    back = check_in.due_at + timedelta(minutes=21) - timezone.now()
    CheckIn.objects.filter(pk=check_in.pk).update(**{
        name: F(name) - back for name in ("started_at", "due_at", "asked_at", "alerted_at")})

    _sign_in(page, client, live_server, priya)
    page.goto(f"{live_server.url}/g/{req.group.slug}/")
    line = page.get_by_role("link", name=re.compile("missed their safety check-in"))
    assert line.is_visible()
    axe_check("today page with a missed check-in")
    screenshot("lone-04-today-missed")
    line.click()
    page.wait_for_url("**/safety/check-ins/")
    assert "Tom Brennan" in page.get_by_role("region", name="Missed check-ins").inner_text()
    axe_check("volunteers out on tasks")
    screenshot("lone-05-check-ins")


def test_i_need_help_now_alerts_at_once(live_server, page, client, screenshot, axe_check,
                                        street, priya, tom):
    from tests.factories import MembershipFactory, PersonFactory

    lena = PersonFactory(email="lena@example.org", display_name="Lena Kowalski")
    MembershipFactory(person=lena, group=street, is_safeguarding_lead=True)
    clear_to_help(tom, street, coordinator=priya)
    req = make_task(street, priya, tom, service="dog_walking")
    page.set_viewport_size(PHONE)
    _sign_in(page, client, live_server, tom)
    page.goto(f"{live_server.url}/volunteer/tasks/{req.reference}/")
    page.get_by_role("button", name="I'm on my way").click()
    page.get_by_role("button", name="I need help now").click()
    assert page.get_by_text("We have told the coordinators and the safeguarding lead").first \
        .is_visible()
    assert _sent("check_in_help.txt") == {priya.email, lena.email}
    axe_check("task page after asking for help")
    screenshot("lone-06-help-sent")


def test_a_coordinator_writes_a_risk_assessment_and_sets_the_prescription_rule(
        live_server, page, client, screenshot, axe_check, street, priya, sam):
    from kith.requests.intake import Contact, Need, take_request

    page.set_viewport_size(PHONE)
    _sign_in(page, client, live_server, priya)
    page.goto(f"{live_server.url}/g/{street.slug}/safety/risks/")
    axe_check("risk assessments, none written")
    screenshot("risk-01-list")
    page.get_by_role("link", name=re.compile("starting point: Dog walking")).click()
    assert page.get_by_label("What we do about it").input_value().startswith("Meet the dog")
    page.get_by_label("Who looks after it").select_option(str(priya.pk))
    page.get_by_label("What we do about it").fill("Meet the dog with its owner first.")
    axe_check("risk assessment from the starting point")
    screenshot("risk-02-edit")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name=re.compile("Sign it off")).click()
    page.get_by_text(re.compile("Signed off by Priya Shah")).wait_for()
    screenshot("risk-03-signed-off")
    assert RiskAssessment.objects.get().signed_off_by == priya

    page.goto(f"{live_server.url}/g/{street.slug}/safety/settings/")
    page.get_by_label("Who may collect prescriptions").select_option("known")
    page.get_by_label("Who may collect controlled drugs").select_option("vetted")
    page.get_by_role("button", name="Save settings").click()
    page.get_by_text("at least as strict").first.wait_for()
    axe_check("safety settings with a mistake")
    screenshot("safety-settings-error")

    req = take_request(street, channel="phone", acting_user=sam, triage=True,
                       contact=Contact(name="Harold Pike", phone="+447700900222"),
                       need=Need(service="prescriptions")).request
    page.goto(f"{live_server.url}/g/{street.slug}/safety/prescriptions/{req.reference}/")
    page.get_by_label("A controlled drug").check()
    page.get_by_label("The pharmacy's bag reference").fill("BAG-2231")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Recorded", exact=True).wait_for()
    axe_check("prescription collection")
    screenshot("prescription-01-recorded")


def test_removed_while_out_still_says_safe_and_a_bag_is_not_stranded(
        live_server, page, client, screenshot, axe_check, street, priya, tom, mrs_ahmed):
    from kith.groups.models import Membership
    from kith.groups.services import remove_member
    from kith.requests import services
    from kith.safety import checkins

    clear_to_help(tom, street, coordinator=priya)
    # A prescription: "I'm safe" before the hand-over leaves the task open and says why.
    mrs_ahmed.postcode, mrs_ahmed.address = "W10 5NW", "14 Golborne Road"
    mrs_ahmed.save()
    from kith.requests.intake import Contact, Need, take_request

    rx = take_request(street, channel="phone", contact=Contact(name="Mrs Ahmed"),
                      need=Need(service="prescriptions"), acting_user=priya,
                      resident=mrs_ahmed, triage=True).request
    services.assign(rx, tom, actor=priya, reason="Nearby")
    checkins.do_start_visit(rx, acting_user=tom, minutes=30)
    page.set_viewport_size(PHONE)
    _sign_in(page, client, live_server, tom)
    page.goto(f"{live_server.url}/volunteer/tasks/{rx.reference}/")
    page.get_by_role("button", name="I've collected it").click()
    screenshot("lone-07-buttons-apart")
    page.get_by_role("button", name="I'm safe, finished").click()
    page.get_by_text(re.compile("stays open until you say")).first.wait_for()
    axe_check("prescription task still open after I'm safe")
    screenshot("lone-08-safe-before-hand-over")

    req = make_task(street, priya, tom, service="dog_walking", name="Frank Hall",
                    phone="07911 222333")
    checkins.do_start_visit(req, acting_user=tom, minutes=30)
    remove_member(Membership.objects.get(person=tom, group=street), acting_user=priya)
    page.goto(f"{live_server.url}/volunteer/tasks/{req.reference}/")
    assert page.get_by_role("button", name="I'm safe, finished").is_visible()
    assert "Frank Hall" not in page.content()
    axe_check("check-in only, after removal")
    screenshot("lone-09-removed-still-checked-in")
    page.get_by_role("button", name="I'm safe, finished").click()
    page.wait_for_url("**/volunteer/")
    assert CheckIn.objects.get(assignment__request=req).state == "safe"
    screenshot("lone-10-removed-safe")
