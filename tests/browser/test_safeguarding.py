"""Safeguarding journeys on a 390 px phone: a resident reports anonymously from the group's
public page and the lead triages it; a concern on a check-up call reaches the lead, who opens
the case and then the request."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def _sign_in(page, live_server, enter_emailed_code, email: str, shot: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Your email address").fill(email)
    page.get_by_role("button", name="Send me a code").click()
    enter_emailed_code(email, shot)


@pytest.fixture
def lena(street):
    from tests.factories import MembershipFactory, PersonFactory

    person = PersonFactory(email="lena@example.org", display_name="Lena Marsh")
    MembershipFactory(person=person, group=street, is_safeguarding_lead=True)
    return person


def test_a_resident_reports_anonymously_and_the_lead_triages_it(
    live_server, page, enter_emailed_code, screenshot, axe_check, street, lena
):
    from kith.core.models import AuditEvent
    from kith.safeguarding.models import Case

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/groups/{street.slug}/")
    page.get_by_role("link", name="Report a concern").click()
    page.wait_for_url(f"**/groups/{street.slug}/concern/")
    axe_check("the public report form")
    screenshot("safeguarding-01-public-form")
    page.get_by_role("button", name="Send the report").click()  # empty: says what is missing
    page.get_by_text("Tell us what happened, in a few words.").first.wait_for()
    axe_check("the public report form with mistakes")
    screenshot("safeguarding-02-public-form-errors")
    page.get_by_label("A volunteer was abused or threatened").check()
    page.get_by_label("Someone may be at risk now").check()
    page.get_by_label("What happened?").fill("A man shouted at the volunteer on my landing.")
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_url(f"**/groups/{street.slug}/concern/sent/")
    axe_check("report sent")
    screenshot("safeguarding-03-public-sent")
    case = Case.objects.get()
    assert case.reporter is None
    assert AuditEvent.objects.get(action="kith.case.reported").request_id == ""

    _sign_in(page, live_server, enter_emailed_code, "lena@example.org", "safeguarding-04-code")
    page.wait_for_url(f"**/g/{street.slug}/")
    page.get_by_role("link", name=re.compile("new safeguarding case to triage")).click()
    page.wait_for_url(f"**/g/{street.slug}/safeguarding/")
    axe_check("the lead's cases")
    screenshot("safeguarding-05-cases")
    page.get_by_role("link", name=f"Case {case.number}").click()
    page.wait_for_url(f"**/safeguarding/{case.pk}/")
    axe_check("the case page")
    screenshot("safeguarding-06-case")
    page.get_by_label("High").check()
    page.get_by_label("Your first look: what you think, what next").fill(
        "Ring the volunteer today; two volunteers on that block from now on.")
    page.get_by_role("button", name="Save the triage").click()
    page.wait_for_url(re.compile(rf".*/safeguarding/{case.pk}/#triage$"))
    case.refresh_from_db()
    assert (case.state, case.risk, case.triaged_by) == ("open", "high", lena)
    axe_check("the case page after triage")
    screenshot("safeguarding-07-triaged")


def test_a_concern_on_a_check_up_reaches_the_lead_who_opens_the_request(
    live_server, page, enter_emailed_code, screenshot, axe_check, street, lena, sam, priya,
    mrs_ahmed
):
    from django.db import transaction
    from django.utils import timezone

    from kith.messaging.models import Message
    from kith.requests import check_ups
    from kith.requests import services as request_services
    from kith.requests.intake import Contact, Need, take_request
    from kith.requests.models import Callback
    from kith.safeguarding.models import Case

    req = take_request(street, channel="web", contact=Contact(name="Mrs Ahmed"),
                       need=Need(service="shopping"), resident=mrs_ahmed).request
    request_services.transition(req, "triage", actor=priya)
    with transaction.atomic():
        call = check_ups.book(req, at=timezone.now(), actor=priya)
    check_ups.record(req, by=sam, result=Callback.Result.CONCERN,
                     note="She said the volunteer asked her for money", callback=call)
    case = Case.objects.get()
    assert (case.source, case.request) == ("check_up", req)
    assert Message.objects.filter(person=lena, template="safeguarding/email/new_case.txt").exists()

    page.set_viewport_size(PHONE)
    _sign_in(page, live_server, enter_emailed_code, "lena@example.org", "safeguarding-08-code")
    page.wait_for_url(f"**/g/{street.slug}/")
    axe_check("the lead's today page")
    screenshot("safeguarding-09-today")
    page.goto(live_server.url + case.get_absolute_url())
    assert page.get_by_text("Concern on a check-up call").is_visible()
    axe_check("the case from a check-up")
    screenshot("safeguarding-10-case-from-check-up")
    page.get_by_role("link", name=req.reference).click()
    page.wait_for_url(f"**/requests/{req.reference}/")
    assert page.get_by_role("heading", name=re.compile(req.reference)).first.is_visible()
    axe_check("the request, opened by the lead")
    screenshot("safeguarding-11-request")


def test_the_data_breach_clock_for_the_lead_and_a_bare_line_for_the_coordinator(
    live_server, page, enter_emailed_code, screenshot, axe_check, street, lena, priya
):
    from datetime import timedelta

    from django.utils import timezone

    from kith.safeguarding import services
    from kith.safeguarding.models import Case

    case = services.report_incident(street, services.Report(
        kind=Case.Kind.DATA_BREACH, urgency=Case.Urgency.NOW, source=Case.Source.MEMBER,
        what_happened="A route sheet with four addresses was left on the bus."))
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - timedelta(hours=50))

    page.set_viewport_size(PHONE)
    _sign_in(page, live_server, enter_emailed_code, "priya@example.org", "safeguarding-12-code")
    page.wait_for_url(f"**/g/{street.slug}/")
    page.goto(f"{live_server.url}/g/{street.slug}/safeguarding/")
    listing = page.locator("main").inner_text()
    assert case.number in listing and "ICO" not in listing and "breach" not in listing
    axe_check("the coordinator's cases")
    screenshot("safeguarding-13-coordinator-cases")
    page.context.clear_cookies()  # signed out: the lead signs in next on the same phone

    _sign_in(page, live_server, enter_emailed_code, "lena@example.org", "safeguarding-14-code")
    page.wait_for_url(f"**/g/{street.slug}/")
    assert page.get_by_text("data breach with the 72-hour ICO clock running").is_visible()
    page.goto(live_server.url + case.get_absolute_url())
    assert page.get_by_text("21 hours left to tell the ICO").is_visible()
    axe_check("the breach clock on the case")
    screenshot("safeguarding-15-breach-clock")
    page.get_by_label("We told the ICO").check()
    page.get_by_label("The ICO's reference").fill("IC-123456-A1B2")
    page.get_by_label("The day you told them").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Record the ICO decision").click()
    page.wait_for_url(re.compile(rf".*/safeguarding/{case.pk}/(#ico)?$"))
    assert page.get_by_text("(reference IC-123456-A1B2)").is_visible()
    screenshot("safeguarding-16-ico-told")


def _signed_in_with_two_factor(page, client, live_server, person) -> None:
    """The lead signed in and confirmed with their authenticator, as the reveal asks."""
    from django.conf import settings as dj_settings

    from tests.conftest import confirm_two_factor, enable_totp

    enable_totp(person)
    client.force_login(person)
    confirm_two_factor(client)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": dj_settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value,
                               "url": live_server.url}])


def test_the_lead_presses_show_the_report_and_reads_it(
    live_server, page, client, screenshot, axe_check, street, lena
):
    from kith.core.models import PersonalDataAccess
    from kith.safeguarding import services
    from kith.safeguarding.models import Case

    case = services.report_incident(street, services.Report(
        kind=Case.Kind.ABUSE_OF_RESIDENT, urgency=Case.Urgency.SOON, source=Case.Source.PUBLIC,
        what_happened="The man at number 4 shouts at his mother every night.",
        contact="Ann, 07700 900123"))
    page.set_viewport_size(PHONE)
    _signed_in_with_two_factor(page, client, live_server, lena)
    page.goto(live_server.url + case.get_absolute_url())
    assert not page.get_by_text("shouts at his mother").is_visible()
    page.get_by_label("Why do you need to read the report?").fill("Triage of a new case")
    page.get_by_role("button", name="Show the report").click()
    page.wait_for_load_state()
    assert page.get_by_text("The man at number 4 shouts at his mother every night.").is_visible()
    assert page.get_by_text("Ann, 07700 900123").is_visible()
    assert PersonalDataAccess.objects.filter(viewer=lena, subject_id=str(case.pk),
                                             reason="Triage of a new case").exists()
    axe_check("the report opened")
    screenshot("safeguarding-17-report-opened")
