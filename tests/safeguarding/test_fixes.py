"""Fixes from the fresh-clone review of safeguarding cases: a concern lives only in the sealed
case (never on the request's timeline nor in the trail), and a further concern on a request
already escalated is added to its open case and the leads are told again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.messaging.models import Message
from kith.safeguarding import services
from kith.safeguarding.models import Case

pytestmark = pytest.mark.django_db

CONCERN = "Bruises on her arms and her son shouts at her"


def _request(street, resident):
    from kith.requests.intake import Contact, Need, take_request

    return take_request(street, channel="web", contact=Contact(name="Mrs Ahmed"),
                        need=Need(service="shopping"), resident=resident).request


def _said_anywhere_but_the_case(req) -> str:
    events = list(req.events.values_list("note", flat=True))
    audit = list(AuditEvent.objects.values_list("old", "new"))
    return repr(events) + repr(audit)


def test_an_escalation_concern_lives_only_in_the_sealed_case(client, street, priya, lena,
                                                             mrs_ahmed):
    from kith.requests import services as request_services

    req = _request(street, mrs_ahmed)
    long_concern = CONCERN + ". " + "She said more. " * 100  # well over the 300 of a note
    request_services.transition(req, "escalate", actor=priya, note=long_concern)
    case = Case.objects.get()
    assert case.what_happened._open().strip() == long_concern.strip()
    assert "Bruises" not in _said_anywhere_but_the_case(req)
    client.force_login(priya)
    page = client.get(reverse("requests:detail", args=[street.slug, req.reference])).content
    trail = client.get(reverse("groups:audit", args=[street.slug])).content
    assert b"Bruises" not in page and b"Bruises" not in trail
    assert b"escalated" in page.lower()


def test_escalating_still_needs_the_concern(street, priya, mrs_ahmed):
    from kith.requests import services as request_services
    from kith.requests.lifecycle import IllegalMove

    req = _request(street, mrs_ahmed)
    with pytest.raises(IllegalMove):
        request_services.transition(req, "escalate", actor=priya, note="  ")
    assert not Case.objects.exists()


def test_the_concern_box_takes_2000_characters_other_notes_300():
    from kith.requests.forms_requests import MoveForm

    assert MoveForm({"action": "escalate", "note": "x" * 2000}).is_valid()
    assert not MoveForm({"action": "escalate", "note": "x" * 2001}).is_valid()
    held = MoveForm({"action": "hold", "note": "x" * 301})
    assert not held.is_valid() and "300" in str(held.errors["note"])


def _reached_with_concern(req, sam, note):
    from django.db import transaction

    from kith.requests import callbacks, check_ups

    with transaction.atomic():
        call = check_ups.book(req, at=timezone.now() - timedelta(minutes=1), actor=None)
    callbacks.claim(call, sam)
    return callbacks.log_attempt(call, by=sam, outcome="reached", result="concern", note=note)


def test_a_check_up_concern_lives_only_in_the_sealed_case(street, sam, priya, lena, mrs_ahmed):
    from kith.requests import services as request_services

    req = _request(street, mrs_ahmed)
    request_services.transition(req, "triage", actor=priya)
    attempt = _reached_with_concern(req, sam, CONCERN)
    case = Case.objects.get()
    assert CONCERN in case.what_happened._open()
    assert attempt.note == ""
    assert "Bruises" not in _said_anywhere_but_the_case(req)


def test_a_check_up_concern_may_be_longer_than_a_note():
    from kith.requests.forms_queue import AttemptForm

    long = "x" * 1500
    assert AttemptForm({"outcome": "reached", "result": "concern", "note": long},
                       checking=True).is_valid()
    assert not AttemptForm({"outcome": "reached", "result": "all_well", "note": long},
                           checking=True).is_valid()


def test_a_second_concern_is_added_to_the_open_case_and_the_leads_told_again(
        street, sam, priya, lena, mrs_ahmed):
    from kith.requests import check_ups
    from kith.requests import services as request_services
    from kith.requests.models import Callback

    req = _request(street, mrs_ahmed)
    request_services.transition(req, "escalate", actor=priya, note="First: bruises on her arms")
    check_ups.record(req, by=sam, result=Callback.Result.CONCERN,
                     note="Second: she says he took her pension card")
    case = Case.objects.get()
    assert "First: bruises" in case.what_happened._open()
    assert "Second: she says he took her pension card" in case.what_happened._open()
    alerts = Message.objects.filter(person=lena, template="safeguarding/email/new_case.txt")
    assert alerts.count() == 2
    assert AuditEvent.objects.filter(action="kith.case.concern_added").count() == 1
    assert "pension" not in _said_anywhere_but_the_case(req)


def test_case_rows_in_the_audit_trail_only_for_the_leads(client, street, priya, lena):
    from tests.safeguarding.conftest import report_case

    report_case(street)
    client.force_login(priya)
    trail = client.get(reverse("groups:audit", args=[street.slug])).content.decode()
    assert "Safeguarding incident reported" not in trail
    client.force_login(lena)
    trail = client.get(reverse("groups:audit", args=[street.slug])).content.decode()
    assert "Safeguarding incident reported" in trail
    assert "Someone (anonymous)" in trail


def test_coordinators_see_the_day_a_case_opened_not_the_time(client, street, priya, lena):
    from django.utils.dateformat import format as date_format

    from tests.safeguarding.conftest import report_case

    case = report_case(street)
    opened = timezone.localtime(case.opened_at)
    client.force_login(priya)
    listing = client.get(reverse("safeguarding:cases", args=[street.slug])).content.decode()
    assert date_format(opened, "j M Y") in listing
    assert date_format(opened, "H:i") not in listing
    client.force_login(lena)
    listing = client.get(reverse("safeguarding:cases", args=[street.slug])).content.decode()
    assert date_format(opened, "j M Y, H:i") in listing


def _try_reveal(person, group, subject, field="phone"):
    from kith.core.privacy import NeedToKnowDenied, reveal

    try:
        reveal(subject, field, viewer=person, group=group, reason="safeguarding")
        return True
    except NeedToKnowDenied:
        return False


def test_a_lead_from_above_opens_only_the_residents_the_cases_are_about(street, wanda,
                                                                          mrs_ahmed):
    from kith.groups.access import has_permission
    from kith.residents.models import Resident
    from tests.conftest import enable_totp
    from tests.factories import ResidentFactory

    enable_totp(wanda)
    assert not street.shares_personal_data_with_parent
    neighbour = ResidentFactory(group=street, name="Mr Unrelated")
    Resident.objects.filter(pk__in=[mrs_ahmed.pk, neighbour.pk]).update(phone="07700 900111")
    services.report_incident(street, services.Report(
        kind=Case.Kind.ABUSE_OF_RESIDENT, urgency="now", source=Case.Source.CALL,
        what_happened="Her carer takes her money", resident=mrs_ahmed))
    assert not has_permission(wanda, street, "residents.reveal_any")
    assert _try_reveal(wanda, street, Resident.objects.get(pk=mrs_ahmed.pk))
    assert not _try_reveal(wanda, street, Resident.objects.get(pk=neighbour.pk))


def test_a_lead_from_above_opens_any_resident_where_the_group_shares(street, wanda):
    from kith.groups.access import has_permission

    street.shares_personal_data_with_parent = True
    street.save()
    assert has_permission(wanda, street, "residents.reveal_any")


def test_with_no_lead_anywhere_the_reporter_is_told_so_plainly(client, street, priya):
    from tests.safeguarding.conftest import PUBLIC_REPORT

    response = client.post(reverse("safeguarding:report_public", args=[street.slug]),
                           PUBLIC_REPORT, follow=True)
    page = response.content.decode()
    assert "This group has no safeguarding lead yet." in page
    assert "call 999 now" in page and "will read it" not in page
    client.force_login(priya)
    page = client.get(reverse("safeguarding:reported", args=[street.slug])).content.decode()
    assert "This group has no safeguarding lead yet." in page


def test_with_no_lead_the_breach_reminder_goes_to_the_coordinators(street, priya):
    from kith.requests import sweeps

    case = services.report_incident(street, services.Report(
        kind=Case.Kind.DATA_BREACH, urgency="now", source=Case.Source.MEMBER,
        what_happened="A list of phone numbers was emailed to everyone."))
    assert sweeps.tick(now=case.opened_at + timedelta(hours=71, minutes=1))["breach_reminders"] == 1
    reminder = Message.objects.get(person=priya, template="safeguarding/email/breach_clock.txt")
    assert reminder.subject.endswith("Data breach: 0 hours left to tell the ICO")


def test_the_breach_reminder_says_hour_for_one(street, lena):
    from kith.requests import sweeps

    case = services.report_incident(street, services.Report(
        kind=Case.Kind.DATA_BREACH, urgency="now", source=Case.Source.MEMBER,
        what_happened="A route sheet left on the bus."))
    sweeps.tick(now=case.opened_at + timedelta(hours=70, minutes=30))
    reminder = Message.objects.get(person=lena, template="safeguarding/email/breach_clock.txt")
    assert reminder.subject.endswith("Data breach: 1 hour left to tell the ICO")


def _breach(street):
    return services.report_incident(street, services.Report(
        kind=Case.Kind.DATA_BREACH, urgency="now", source=Case.Source.MEMBER,
        what_happened="A route sheet left on the bus."))


def test_the_ico_step_records_told_with_reference_or_not_reportable_with_why(client, street,
                                                                             lena):
    case = _breach(street)
    url = reverse("safeguarding:case", args=[street.slug, case.pk])
    client.force_login(lena)
    response = client.post(url, {"step": "ico", "decision": "told", "reference": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give the reference the ICO gave you." in page and "Say the day they were told." in page
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(url, {"step": "ico", "decision": "told", "reference": "IC-1",
                                 "told_on": tomorrow})
    assert "That day is in the future" in response.content.decode()
    assert client.post(url, {"step": "ico", "decision": "told", "reference": "IC-998877",
                             "told_on": timezone.localdate().isoformat()}).status_code == 302
    case.refresh_from_db()
    assert (case.ico_decision, case.ico_reference) == ("told", "IC-998877")
    row = AuditEvent.objects.get(action="kith.case.ico_told")
    assert row.new["decision"] == "told" and "IC-998877" not in repr(row.new)
    assert "IC-998877" in client.get(url).content.decode()


def test_not_reportable_needs_why(client, street, lena):
    case = _breach(street)
    url = reverse("safeguarding:case", args=[street.slug, case.pk])
    client.force_login(lena)
    assert "Say why it is not reportable." in client.post(
        url, {"step": "ico", "decision": "not_reportable"}).content.decode()
    assert client.post(url, {"step": "ico", "decision": "not_reportable",
                             "why_not": "Only names, all already public"}).status_code == 302
    case.refresh_from_db()
    assert case.ico_decision == "not_reportable" and case.ico_told_at is not None
    assert "public" not in repr(AuditEvent.objects.get(action="kith.case.ico_told").new)


def test_a_case_with_no_resident_offers_no_exclusion(client, street, lena, mrs_ahmed):
    from tests.safeguarding.conftest import report_case

    client.force_login(lena)
    page = client.get(reverse("safeguarding:case", args=[street.slug, report_case(street).pk]))
    assert "exclusion list" not in page.content.decode()
    with_resident = services.report_incident(street, services.Report(
        kind=Case.Kind.ABUSE_OF_RESIDENT, urgency="now", source=Case.Source.CALL,
        what_happened="Shouting", resident=mrs_ahmed))
    page = client.get(reverse("safeguarding:case", args=[street.slug, with_resident.pk]))
    assert "exclusion list" in page.content.decode()


def test_an_action_due_in_the_past_is_refused_and_a_double_post_makes_one(client, street, lena):
    from tests.safeguarding.conftest import report_case

    case = report_case(street)
    url = reverse("safeguarding:case", args=[street.slug, case.pk])
    client.force_login(lena)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(url, {"step": "action", "what": "Ring her", "due_on": yesterday})
    assert response.status_code == 400
    assert "That day has passed" in response.content.decode()
    assert "Ring her" in response.content.decode()  # what was typed is kept
    posted = {"step": "action", "what": "Ring her", "due_on": timezone.localdate().isoformat()}
    assert client.post(url, posted).status_code == 302
    assert client.post(url, posted).status_code == 302
    assert case.actions.count() == 1


def test_told_date_must_be_within_the_case_and_a_closed_case_takes_no_steps(client, street,
                                                                            lena):
    from tests.safeguarding.conftest import report_case

    case = report_case(street)
    url = reverse("safeguarding:case", args=[street.slug, case.pk])
    client.force_login(lena)
    before = (timezone.localdate(case.opened_at) - timedelta(days=3)).isoformat()
    response = client.post(url, {"step": "told", "who": "The police", "told_on": before})
    assert "before the case was opened" in response.content.decode()
    later = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(url, {"step": "told", "who": "The police", "told_on": later})
    assert "in the future" in response.content.decode()
    services.close(case, services.Outcome(outcome="Resolved", prevention="Two volunteers",
                                          prevention_owner="Lena"), actor=lena)
    response = client.post(url, {"step": "told", "who": "The police",
                                 "told_on": timezone.localdate().isoformat()}, follow=True)
    assert "This case is closed" in response.content.decode()
    assert not case.told.exists()


def test_the_access_log_names_the_field_in_words(client, street, lena):
    from tests.conftest import confirm_two_factor, enable_totp
    from tests.safeguarding.conftest import report_case

    case = report_case(street)
    enable_totp(lena)
    client.force_login(lena)
    confirm_two_factor(client)
    url = reverse("safeguarding:case", args=[street.slug, case.pk])
    client.post(url, {"step": "reveal", "reason": "triage"})
    log = client.get(reverse("groups:access_log", args=[street.slug])).content.decode()
    assert "What happened (safeguarding report)" in log and "what_happened" not in log
