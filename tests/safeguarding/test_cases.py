"""The leads' case work: who sees a case (its leads only, or the leads above when the group has
none; 404 to everyone else), escalations and check-up concerns becoming cases, every step
audited, an exclusion from an outcome, the data breach clock, and the today page's lines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kith.core.models import AuditEvent, PersonalDataAccess
from kith.messaging.models import Message
from kith.safeguarding import services
from kith.safeguarding.models import Case
from tests.conftest import confirm_two_factor, enable_totp
from tests.safeguarding.conftest import report_case

pytestmark = pytest.mark.django_db


def _case_url(case):
    return reverse("safeguarding:case", args=[case.group.slug, case.pk])


def _status(client, person, url):
    client.logout()
    client.force_login(person)
    return client.get(url).status_code


def test_only_the_groups_leads_see_a_case(client, street, lena, wanda, priya, sam, tom, nadia,
                                          ward_coordinator, olu):
    case = report_case(street)
    url = _case_url(case)
    assert _status(client, lena, url) == 200
    for person in (priya, sam, tom, nadia, ward_coordinator, olu):
        assert _status(client, person, url) == 404, person
    # The street has its own lead, so the ward's lead does not stand in.
    assert _status(client, wanda, url) == 404
    client.logout()
    assert client.get(url).status_code == 302  # to sign in


def test_a_group_with_no_lead_sends_its_cases_to_the_leads_above(client, street, wanda, priya):
    case = report_case(street)
    assert Message.objects.filter(person=wanda, template="safeguarding/email/new_case.txt").exists()
    assert _status(client, wanda, _case_url(case)) == 200
    assert _status(client, priya, _case_url(case)) == 404
    # Her list at the ward shows the street's case, with its link.
    client.force_login(wanda)
    listing = client.get(reverse("safeguarding:cases", args=["golborne"])).content.decode()
    assert _case_url(case) in listing


def test_another_groups_case_is_404_even_to_a_lead(client, street, other_street, lena):
    case = report_case(other_street)
    client.force_login(lena)
    assert client.get(reverse("safeguarding:case", args=[street.slug, case.pk])).status_code == 404
    assert client.get(_case_url(case)).status_code == 404


def test_coordinators_see_that_cases_exist_without_details(client, street, priya, lena):
    case = report_case(street, kind=Case.Kind.MONEY)
    client.force_login(priya)
    page = client.get(reverse("safeguarding:cases", args=[street.slug])).content.decode()
    assert case.number in page and "1 case open" in page
    assert _case_url(case) not in page
    assert "Money went missing" not in page and "paving" not in page
    today = client.get(reverse("groups:dashboard", args=[street.slug])).content.decode()
    assert "safeguarding case open" in today


def test_the_leads_read_the_report_with_a_reason_each_look_logged(client, street, lena):
    case = report_case(street)
    enable_totp(lena)
    client.force_login(lena)
    confirm_two_factor(client)
    page = client.get(_case_url(case)).content.decode()
    assert "paving stone" not in page
    page = client.post(_case_url(case), {"step": "reveal", "reason": "triage"}).content.decode()
    assert "A loose paving stone" in page
    look = PersonalDataAccess.objects.get()
    assert (look.viewer, look.subject_id, look.reason) == (lena, str(case.pk), "triage")


def test_escalating_a_request_opens_a_case_and_the_lead_can_open_the_request(
        client, street, priya, lena, mrs_ahmed, monkeypatch):
    from kith.requests import notify
    from kith.requests import services as request_services

    sent = []
    real = notify.send_later
    monkeypatch.setattr(notify, "send_later", lambda people, **kw: (
        sent.append((list(people), kw)), real(people, **kw)))
    from kith.requests.intake import Contact, Need, take_request

    req = take_request(street, channel="web", contact=Contact(name="Mrs Ahmed"),
                       need=Need(service="shopping"), resident=mrs_ahmed).request
    request_services.transition(req, "escalate", actor=priya, note="Bruises on her arms")
    case = Case.objects.get()
    assert (case.request, case.resident, case.source, case.reporter) == (
        req, mrs_ahmed, "escalation", priya)
    assert Message.objects.filter(person=lena, template="safeguarding/email/new_case.txt").exists()
    to_lead = [kw for people, kw in sent if people == [lena]]
    assert to_lead and to_lead[0]["urgent"] is True
    assert "Bruises" not in repr(to_lead)  # only that there is a case, and a link
    client.force_login(lena)
    assert client.get(_case_url(case)).status_code == 200
    request_page = client.get(reverse("requests:detail", args=[street.slug, req.reference]))
    assert request_page.status_code == 200
    assert _case_url(case) in request_page.content.decode()  # and back to the case
    client.force_login(priya)
    assert _case_url(case) not in client.get(
        reverse("requests:detail", args=[street.slug, req.reference])).content.decode()


def test_a_concern_on_a_check_in_call_with_no_request_opens_a_case(street, sam, lena, mrs_ahmed):
    from kith.requests import check_ups
    from kith.requests.models import Callback

    callback = check_ups.book_check_in(mrs_ahmed, at=timezone.now())
    check_ups.record(None, by=sam, result=Callback.Result.CONCERN, note="Sounded frightened",
                     callback=callback)
    case = Case.objects.get()
    assert (case.source, case.resident, case.request) == ("check_up", mrs_ahmed, None)


def test_every_step_of_the_case_is_audited(client, street, lena, priya, mrs_ahmed):
    case = report_case(street, resident=mrs_ahmed)
    client.force_login(lena)
    url = _case_url(case)
    steps = [
        {"step": "triage", "kind": "abuse_resident", "urgency": "now", "risk": "high",
         "triage_note": "Talk to her today"},
        {"step": "action", "what": "Visit with a second volunteer", "owner": str(priya.pk),
         "due_on": (timezone.localdate() + timedelta(days=1)).isoformat()},
        {"step": "told", "who": "Adult social care", "told_on": timezone.localdate().isoformat(),
         "note": "Ref 1234"},
    ]
    for data in steps:
        assert client.post(url, data).status_code == 302, data
    action = case.actions.get()
    assert action.owner == priya
    assert client.post(url, {"step": "done", "action_id": action.pk}).status_code == 302
    response = client.post(url, {"step": "close", "outcome": "Moved to another group's help",
                                 "prevention": "Two volunteers on every visit",
                                 "prevention_owner": "Priya, coordinator",
                                 "exclusion_reason": "violence"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "closed" and case.exclusion is not None
    assert case.exclusion.reason == "violence"
    actions = set(AuditEvent.objects.filter(object_id=str(case.pk),
                                            object_type="safeguarding.case")
                  .values_list("action", flat=True))
    assert actions == {"kith.case.reported", "kith.case.triaged", "kith.case.action_added",
                       "kith.case.told", "kith.case.action_done", "kith.case.closed"}
    assert AuditEvent.objects.filter(action="kith.exclusion.added").exists()


def test_a_bad_step_keeps_what_was_typed_and_says_what_is_wrong(client, street, lena):
    case = report_case(street)
    client.force_login(lena)
    response = client.post(_case_url(case), {"step": "close", "outcome": "Sorted out",
                                             "prevention": "", "prevention_owner": "Lena"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say what will stop it happening again." in page and "Sorted out" in page
    response = client.post(_case_url(case), {"step": "action", "what": "Ring her",
                                              "due_on": "next tuesday"})
    assert response.status_code == 400 and "Enter a date" in response.content.decode()
    assert client.post(_case_url(case), {"step": "nonsense"}).status_code == 404
    assert client.post(_case_url(case), {"step": "done", "action_id": "x"}).status_code == 404


def test_an_exclusion_needs_a_resident(client, street, lena):
    case = report_case(street)
    client.force_login(lena)
    # The form offers no exclusion without a resident (test_fixes.py); the service refuses one.
    with pytest.raises(services.CaseRefused, match="nobody to add to the exclusion list"):
        services.close(case, services.Outcome(outcome="o", prevention="p",
                                              prevention_owner="Lena", exclusion_reason="abuse"),
                       actor=lena)
    case.refresh_from_db()
    assert case.state == "new"


def test_saving_the_triage_unchanged_writes_nothing(street, lena):
    case = report_case(street)
    services.triage(case, actor=lena, kind=case.kind, urgency=case.urgency, risk="low",
                    triage_note="")
    count = AuditEvent.objects.count()
    services.triage(case, actor=lena, kind=case.kind, urgency=case.urgency, risk="low",
                    triage_note="")
    assert AuditEvent.objects.count() == count


def test_a_data_breach_shows_the_72_hour_clock(client, street, lena):
    case = report_case(street, kind=Case.Kind.DATA_BREACH)
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - timedelta(hours=30))
    case.refresh_from_db()
    assert case.ico_hours_left() == 41
    client.force_login(lena)
    assert "41 hours left to tell the ICO" in client.get(_case_url(case)).content.decode()
    listing = client.get(reverse("safeguarding:cases", args=[street.slug])).content.decode()
    assert "41 hours left to tell the ICO" in listing
    today = client.get(reverse("groups:dashboard", args=[street.slug])).content.decode()
    assert "data breach with the 72-hour ICO clock running" in today
    assert client.post(_case_url(case), {"step": "ico", "decision": "not_reportable",
                                         "why_not": "The laptop was encrypted"}).status_code == 302
    case.refresh_from_db()
    assert case.ico_told_at is not None and case.ico_hours_left() is None
    assert AuditEvent.objects.get(action="kith.case.ico_told").new["hours_after_opening"] == 30


def test_a_lead_refers_from_a_case_through_signposting(client, street, lena, priya, mrs_ahmed):
    from kith.requests import services as request_services
    from kith.requests.intake import Contact, Need, take_request
    from kith.signposting.models import LocalService, Referral

    req = take_request(street, channel="web", contact=Contact(name="Mrs Ahmed"),
                       need=Need(service="shopping"), resident=mrs_ahmed).request
    request_services.transition(req, "escalate", actor=priya, note="Too much for us")
    case = Case.objects.get()
    service = LocalService.objects.create(group=street, organisation="Age UK K&C",
                                          name="Advice line", needs=["advice"])
    client.force_login(lena)
    page = client.get(_case_url(case)).content.decode()
    find = reverse("signposting:find", args=[street.slug]) + f"?request={req.reference}"
    assert find in page
    refer = reverse("signposting:refer", args=[street.slug, service.pk, req.reference])
    from kith.signposting.referrals import consent_words, words_digest

    words = consent_words(service, street, ["name", "phone"], "Support at home")
    response = client.post(refer, {"step": "send", "shared": ["name", "phone"],
                                   "why": "Support at home", "consented": "on",
                                   "shown": words_digest(service, req, words)})
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert "Advice line" in client.get(_case_url(case)).content.decode()
    assert referral.created_by == lena
    # A line in the case's history, for the leads.
    line = AuditEvent.objects.get(action="kith.case.referred")
    assert (line.object_id, line.new) == (str(case.pk), {"referral": referral.pk})


def test_a_new_lead_takes_over_their_groups_cases(client, street, wanda):
    from tests.factories import MembershipFactory, PersonFactory

    case = report_case(street)
    assert _status(client, wanda, _case_url(case)) == 200
    lee = PersonFactory(email="lee@example.org", display_name="Lee Chan")
    MembershipFactory(person=lee, group=street, is_safeguarding_lead=True)
    assert _status(client, lee, _case_url(case)) == 200
    assert _status(client, wanda, _case_url(case)) == 404


def test_the_leads_above_stand_in_only_where_the_group_has_no_lead(client, street, wanda, lena,
                                                                   mrs_ahmed):
    """Wanda leads for the ward: she opens the street's requests and cases while it has no
    lead of its own (Lena), and nothing of the street once it has."""
    from kith.groups.models import Membership
    from kith.requests.intake import Contact, Need, take_request

    req = take_request(street, channel="web", contact=Contact(name="Mrs Ahmed"),
                       need=Need(service="shopping"), resident=mrs_ahmed).request
    request_page = reverse("requests:detail", args=[street.slug, req.reference])
    settings_page = reverse("groups:members", args=[street.slug])
    assert _status(client, wanda, request_page) == 404  # the street has Lena
    Membership.objects.filter(person=lena).delete()
    assert _status(client, wanda, request_page) == 200
    assert _status(client, wanda, settings_page) == 403  # a lead's pages, not a coordinator's


def test_the_sweep_reminds_the_leads_once_when_a_day_of_the_ico_clock_is_left(street, lena):
    from kith.requests import sweeps

    case = report_case(street, kind=Case.Kind.DATA_BREACH)
    opened = case.opened_at
    before = Message.objects.filter(person=lena).count()
    assert sweeps.tick(now=opened + timedelta(hours=47))["breach_reminders"] == 0
    assert sweeps.tick(now=opened + timedelta(hours=49))["breach_reminders"] == 1
    assert sweeps.tick(now=opened + timedelta(hours=50))["breach_reminders"] == 0
    reminder = Message.objects.filter(person=lena).order_by("-id")[0]
    assert Message.objects.filter(person=lena).count() == before + 1
    assert reminder.subject.endswith("Data breach: 23 hours left to tell the ICO")
    assert AuditEvent.objects.filter(action="kith.case.breach_reminder").count() == 1


def test_no_reminder_once_the_ico_was_told(street, lena):
    from kith.requests import sweeps

    case = services.ico_told(report_case(street, kind=Case.Kind.DATA_BREACH), actor=lena)
    assert sweeps.tick(now=case.opened_at + timedelta(hours=60))["breach_reminders"] == 0


def test_the_audit_trail_says_a_step_happened_not_what_the_case_is_about(client, street, lena,
                                                                         priya):
    case = report_case(street, kind=Case.Kind.MONEY)
    services.triage(case, actor=lena, kind=Case.Kind.MONEY, urgency="now", risk="high",
                    triage_note="The treasurer's float is short")
    services.record_told(case, actor=lena, who="Kensington police", told_on=timezone.localdate())
    rows = repr(list(AuditEvent.objects.filter(object_type="safeguarding.case")
                     .values_list("old", "new")))
    for detail in ("money", "high", "float", "police"):
        assert detail not in rows.lower(), detail
    client.force_login(lena)  # coordinators do not see case rows at all (test_fixes.py)
    trail = client.get(reverse("groups:audit", args=[street.slug])).content.decode()
    assert "Safeguarding case triaged" in trail and "police" not in trail.lower()


def test_standing_in_from_above_grants_only_what_a_lead_has():
    from kith.groups.roles import PERMISSIONS, SAFEGUARDING_FROM_ABOVE, SAFEGUARDING_LEAD

    leads = {perm for perm, allowed in PERMISSIONS.items() if SAFEGUARDING_LEAD in allowed}
    assert SAFEGUARDING_FROM_ABOVE.issubset(leads)
    assert not {"members.view", "volunteers.vet", "audit.view", "access_log.view"} & (
        SAFEGUARDING_FROM_ABOVE)
