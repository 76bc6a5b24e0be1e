"""Retention: the schedule (inherited down the tree, bounded, audited), the sweep (what it
blanks, what it keeps, idempotent), the preview and the privacy notice."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kith.core.models import AuditEvent, PersonalDataAccess
from kith.requests.intake import Contact, Need, take_request
from kith.requests.models import Callback, HelpRequest
from kith.retention import plan, schedule, services
from kith.retention.schedule import RULES
from kith.retention.sweeps import apply
from kith.safeguarding.models import Case

pytestmark = pytest.mark.django_db

DETAILS = "Insulin from Boots, the blue bag; ring twice"


def closed_request(group, resident, *, days_ago, state="closed", **need):
    req = take_request(group, channel="web", contact=Contact(name=resident.name),
                       need=Need(service="prescriptions", details=DETAILS, when="Tuesday morning",
                                 asked_by="Her daughter Ayesha", **need),
                       resident=resident).request
    then = timezone.now() - timedelta(days=days_ago)
    HelpRequest.objects.filter(pk=req.pk).update(state=state, state_changed_at=then)
    # As a real close does: its waiting call leaves the queue (withdrawn), back then.
    Callback.objects.filter(request=req).update(closed_at=then, created_at=then,
                                                outcome=Callback.Outcome.WITHDRAWN)
    return HelpRequest.objects.get(pk=req.pk)


def opened(sealed):
    return None if sealed is None else sealed._open()


def snapshot():
    """Everything the sweep may touch, as plain values, to compare before and after."""
    return (
        sorted(HelpRequest.objects.values_list("pk", "state", "service", "details", "when",
                                               "asked_by", "partner_contact")),
        sorted(Callback.objects.values_list("pk", "phone", "note")),
        sorted(Case.objects.values_list("pk", "what_happened", "outcome", "triage_note")),
        PersonalDataAccess.objects.count(),
        AuditEvent.objects.count(),
    )


# --- the schedule


def test_a_group_that_sets_nothing_gets_kiths_defaults(street):
    periods = schedule.effective(street)
    assert {f: p.value for f, p in periods.items()} == {r.field: r.default for r in RULES}
    assert all(p.source is None for p in periods.values())


def test_a_street_inherits_from_the_nearest_group_above_that_set_a_period(street, ward,
                                                                          borough, priya):
    services.save_schedule(borough, acting_user=priya, request_details_days=60,
                           access_log_months=36)
    services.save_schedule(ward, acting_user=priya, request_details_days=45)
    periods = schedule.effective(street)
    assert (periods["request_details_days"].value, periods["request_details_days"].source) == (
        45, ward)
    assert (periods["access_log_months"].value, periods["access_log_months"].source) == (
        36, borough)
    services.save_schedule(street, acting_user=priya, request_details_days=120)
    assert schedule.effective(street)["request_details_days"].source == street
    assert schedule.effective(ward)["request_details_days"].value == 45


# The group is reused across examples on purpose: each example sets or is refused on its own.
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from([r.field for r in RULES]), value=st.integers(-5, 500))
def test_the_service_refuses_any_period_outside_its_bounds(street, priya, field, value):
    rule = schedule.BY_FIELD[field]
    if rule.low <= value <= rule.high:
        services.save_schedule(street, acting_user=priya, **{field: value})
        assert getattr(schedule.own(street), field) == value
    else:
        with pytest.raises(ValidationError):
            services.save_schedule(street, acting_user=priya, **{field: value})


def test_money_cannot_go_below_six_years(street, priya):
    with pytest.raises(ValidationError):
        services.save_schedule(street, acting_user=priya, money_years=5)


def test_a_change_is_audited_once_and_saving_it_again_writes_nothing(street, priya):
    services.save_schedule(street, acting_user=priya, volunteer_days=60)
    services.save_schedule(street, acting_user=priya, volunteer_days=60)
    rows = AuditEvent.objects.filter(action="kith.retention.schedule_changed")
    assert [(r.old, r.new, r.actor) for r in rows] == [
        ({"volunteer_days": None}, {"volunteer_days": 60}, priya)]


# --- the sweep


def test_a_closed_request_past_its_period_loses_its_details_but_keeps_its_row(
        street, mrs_ahmed):
    old = closed_request(street, mrs_ahmed, days_ago=91)
    young = closed_request(street, mrs_ahmed, days_ago=80)
    open_one = take_request(street, channel="web", contact=Contact(name="Mrs Ahmed"),
                            need=Need(service="shopping", details=DETAILS),
                            resident=mrs_ahmed).request
    HelpRequest.objects.filter(pk=open_one.pk).update(
        state_changed_at=timezone.now() - timedelta(days=400))
    counts = apply()
    assert counts["retention_requests_anonymised"] == 1
    old.refresh_from_db()
    assert (old.details, old.when, old.asked_by) == (None, "", "")
    assert (old.state, old.service, old.reference) == ("closed", "prescriptions", old.reference)
    young.refresh_from_db()
    open_one.refresh_from_db()
    assert opened(young.details) == DETAILS and opened(open_one.details) == DETAILS
    assert HelpRequest.objects.filter(group=street).count() == 3  # figures stay right


def test_finished_callbacks_of_the_request_are_blanked_too(street, mrs_ahmed):
    req = closed_request(street, mrs_ahmed, days_ago=100)
    call = Callback.objects.create(group=street, kind="check_up", request=req,
                                   resident=mrs_ahmed, phone="+447700900123",
                                   note="Said the pharmacist was rude", due_at=timezone.now(),
                                   closed_at=timezone.now())
    apply()
    call.refresh_from_db()
    assert (call.phone, call.note) == (None, None)


def test_the_timeline_and_call_notes_lose_their_words_but_keep_the_moves(street, mrs_ahmed,
                                                                        sam):
    from kith.requests.models import CallAttempt, RequestEvent

    req = closed_request(street, mrs_ahmed, days_ago=100)
    RequestEvent.objects.create(request=req, actor=sam, action="note", from_state="closed",
                                to_state="closed",
                                note="Her son Imran is staying until Friday")
    call = Callback.objects.filter(request=req).first()
    CallAttempt.objects.create(callback=call, by=sam, outcome="reached",
                               note="Sounded confused; ring Imran on 07700 900555")
    moves = list(RequestEvent.objects.filter(request=req).values_list("from_state", "to_state"))
    assert apply()["retention_requests_anonymised"] == 1
    assert set(RequestEvent.objects.filter(request=req).values_list("note", flat=True)) == {""}
    assert list(CallAttempt.objects.filter(callback=call).values_list("note", flat=True)) == [""]
    assert list(RequestEvent.objects.filter(request=req).values_list(
        "from_state", "to_state")) == moves
    assert apply()["retention_requests_anonymised"] == 0  # nothing left to blank


def test_the_groups_own_period_decides(street, mrs_ahmed, priya):
    services.save_schedule(street, acting_user=priya, request_details_days=180)
    req = closed_request(street, mrs_ahmed, days_ago=100)
    apply()
    req.refresh_from_db()
    assert opened(req.details) == DETAILS


def test_a_closed_case_loses_its_details_after_the_groups_years(street, priya):
    from tests.safeguarding.conftest import report_case

    case = report_case(street)
    Case.objects.filter(pk=case.pk).update(
        state=Case.State.CLOSED, closed_at=timezone.now() - timedelta(days=7 * 366),
        outcome="Told the council; the stone was fixed.")
    services.save_schedule(street, acting_user=priya, safeguarding_years=6)
    assert apply()["retention_cases_anonymised"] == 1
    case.refresh_from_db()
    assert (case.what_happened, case.outcome, case.kind) == (None, None, Case.Kind.SAFETY_RISK)


def test_who_sees_to_the_prevention_goes_with_the_rest(street, priya):
    """Written freely on the case (a name, often): blanked with the other details, and a case
    with only it left is still due."""
    from tests.safeguarding.conftest import report_case

    case = report_case(street)
    Case.objects.filter(pk=case.pk).update(
        state=Case.State.CLOSED, closed_at=timezone.now() - timedelta(days=7 * 366),
        what_happened=None, contact=None, victim=None, prevention_owner="Lena Okafor")
    services.save_schedule(street, acting_user=priya, safeguarding_years=6)
    assert apply()["retention_cases_anonymised"] == 1
    case.refresh_from_db()
    assert case.prevention_owner is None


def test_access_log_lines_past_two_years_are_deleted_and_younger_ones_kept(
        street, priya, mrs_ahmed):
    def line(days_ago):
        row = PersonalDataAccess.objects.create(
            viewer=priya, group=street, subject_type="residents.resident",
            subject_id=str(mrs_ahmed.pk), subject_repr="Mrs Ahmed", field="phone",
            reason="calling back")
        from django.db.models import QuerySet

        # Append-only to the ORM's manager; a test moves its time with a plain queryset.
        QuerySet(PersonalDataAccess).filter(pk=row.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago))
        return row.pk

    old, young = line(800), line(30)
    assert apply()["retention_access_log_lines_deleted"] == 1
    assert list(PersonalDataAccess.objects.values_list("pk", flat=True)) == [young]
    assert old != young


def test_the_sweep_run_twice_changes_nothing_the_second_time(street, mrs_ahmed, priya):
    from tests.safeguarding.conftest import report_case

    closed_request(street, mrs_ahmed, days_ago=200)
    closed_request(street, mrs_ahmed, days_ago=95, state="cancelled")
    closed_request(street, mrs_ahmed, days_ago=10)
    case = report_case(street)
    Case.objects.filter(pk=case.pk).update(state=Case.State.CLOSED,
                                           closed_at=timezone.now() - timedelta(days=3000))
    first = apply()
    assert first["retention_requests_anonymised"] == 2
    assert first["retention_cases_anonymised"] == 1
    before = snapshot()
    second = apply()
    assert snapshot() == before
    assert not any(v for k, v in second.items() if k.endswith(("anonymised", "erased",
                                                                "deleted")))


def test_the_audit_holds_counts_and_no_personal_data(street, mrs_ahmed):
    req = closed_request(street, mrs_ahmed, days_ago=120)
    apply()
    row = AuditEvent.objects.get(action="kith.retention.swept")
    assert row.group == street and row.actor is None
    assert row.new == {"requests_anonymised": 1}
    text = f"{row.old}{row.new}{row.object_repr}"
    for personal in ("Ahmed", "Insulin", req.reference, "Ayesha"):
        assert personal not in text


def test_tick_runs_the_retention_step(street, mrs_ahmed):
    from kith.requests.sweeps import tick

    closed_request(street, mrs_ahmed, days_ago=120)
    assert tick()["retention_requests_anonymised"] == 1


# --- the preview


def test_the_preview_lists_what_goes_within_a_week_by_reference_and_why(
        client, street, mrs_ahmed, priya):
    soon = closed_request(street, mrs_ahmed, days_ago=86)
    later = closed_request(street, mrs_ahmed, days_ago=60)
    client.force_login(priya)
    page = client.get(reverse("retention:preview", args=[street.slug]))
    html = page.content.decode()
    assert page.status_code == 200
    assert soon.reference in html and later.reference not in html
    assert "90 days" in html
    for personal in ("Ahmed", "Insulin", "Ayesha"):
        assert personal not in html
    # Previewing changes nothing.
    soon.refresh_from_db()
    assert opened(soon.details) == DETAILS


def test_the_preview_links_a_resident_due_so_a_coordinator_can_ring_them_first(
        client, street, mrs_ahmed, priya):
    from kith.residents.models import Resident

    Resident.objects.filter(pk=mrs_ahmed.pk).update(
        created_at=timezone.now() - timedelta(days=400))
    client.force_login(priya)
    html = client.get(reverse("retention:preview", args=[street.slug])).content.decode()
    assert reverse("residents:detail", args=[street.slug, mrs_ahmed.pk]) in html
    assert "Ahmed" not in html


def test_the_preview_shows_only_its_own_groups_records(client, street, other_street, mrs_ahmed,
                                                       nadia):
    req = closed_request(street, mrs_ahmed, days_ago=100)
    client.force_login(nadia)
    html = client.get(reverse("retention:preview", args=[other_street.slug])).content.decode()
    assert req.reference not in html


def test_plan_and_sweep_agree(street, mrs_ahmed):
    closed_request(street, mrs_ahmed, days_ago=100)
    closed_request(street, mrs_ahmed, days_ago=89)
    due_now = plan.requests_due(timezone.now(), schedule.Cache())
    assert apply()["retention_requests_anonymised"] == len(due_now) == 1


# --- the settings page


def test_the_settings_page_keeps_what_was_typed_and_says_what_is_wrong(client, street, priya):
    client.force_login(priya)
    url = reverse("retention:settings", args=[street.slug])
    page = client.post(url, {"request_details_days": "5", "money_years": "seven"})
    html = page.content.decode()
    assert page.status_code == 400
    assert "At least 30 days" in html and "whole number of years" in html
    assert 'value="5"' in html and 'value="seven"' in html
    assert schedule.own(street) is None


def test_the_settings_page_saves_and_empty_follows_the_group_above(client, street, ward, priya):
    services.save_schedule(ward, acting_user=priya, resident_months=6)
    client.force_login(priya)
    url = reverse("retention:settings", args=[street.slug])
    assert "Golborne Ward: 6 months" in client.get(url).content.decode()
    page = client.post(url, {"request_details_days": "120"})
    assert page.status_code == 302
    periods = schedule.effective(street)
    assert (periods["request_details_days"].value, periods["resident_months"].value) == (120, 6)


def test_a_shorter_period_says_what_goes_at_once_and_saves_only_when_confirmed(
        client, street, ward, priya, mrs_ahmed):
    from kith.groups.models import Membership

    closed_request(street, mrs_ahmed, days_ago=50)  # kept by 90 days; not by 45
    Membership.objects.create(person=priya, group=ward, is_coordinator=True)
    client.force_login(priya)
    url = reverse("retention:settings", args=[ward.slug])  # the street inherits from its ward
    page = client.post(url, {"request_details_days": "45"})
    html = page.content.decode()
    assert page.status_code == 200 and "This removes data straight away" in html
    assert "1 closed request&#x27;s details blanked" in html
    assert schedule.own(ward) is None  # nothing saved yet
    key = re.search(r'name="confirm_sooner" value="([^"]+)"', html).group(1)
    assert client.post(url, {"request_details_days": "40", "confirm_sooner": key}
                       ).status_code == 200  # other numbers: asked again
    assert schedule.own(ward) is None
    assert client.post(url, {"request_details_days": "45", "confirm_sooner": key}
                       ).status_code == 302
    assert schedule.own(ward).request_details_days == 45
    assert HelpRequest.objects.get().details is not None  # the sweep does it, not the page


def test_a_longer_period_saves_at_once(client, street, priya, mrs_ahmed):
    closed_request(street, mrs_ahmed, days_ago=50)
    client.force_login(priya)
    url = reverse("retention:settings", args=[street.slug])
    assert client.post(url, {"request_details_days": "120"}).status_code == 302


# --- the notice


def test_the_notice_says_the_groups_own_periods_and_how_to_contact_it(client, street, priya):
    street.email = "help@golborne.example"
    street.save()
    services.save_schedule(street, acting_user=priya, request_details_days=60)
    html = client.get(reverse("retention:notice", args=[street.slug])).content.decode()
    assert "60 days" in html and "help@golborne.example" in html
    assert "12 months" in html  # receipts, from money's own setting
    assert "ico.org.uk" in html


def test_a_street_without_contact_details_sends_people_to_the_group_above(client, street,
                                                                            ward, priya):
    ward.phone = "+442079460999"  # stored as every number is
    ward.save()
    html = client.get(reverse("retention:notice", args=[street.slug])).content.decode()
    assert "020 7946 0999" in html and ward.name in html  # as people read it, not +44...


def test_the_notice_names_who_else_may_receive_details(client, street):
    html = client.get(reverse("retention:notice", args=[street.slug])).content.decode()
    assert "Who else may receive your details" in html
    assert "only when you agree" in html  # referrals out
    assert "carry our texts" in html  # the message providers


def test_the_record_of_processing_warns_when_no_one_can_be_asked(client, street, priya):
    from tests.conftest import confirm_two_factor, enable_totp

    enable_totp(priya)
    client.force_login(priya)
    confirm_two_factor(client)
    url = reverse("retention:processing", args=[street.slug])
    assert "cannot tell people whom to ask" in client.get(url).content.decode()
    street.email = "help@golborne.example"
    street.save()
    assert "cannot tell people whom to ask" not in client.get(url).content.decode()


def test_an_unknown_group_has_no_notice(client, db):
    assert client.get(reverse("retention:notice", args=["nowhere"])).status_code == 404


@pytest.mark.parametrize("url_name", ["requests:ask", "requests:refer",
                                      "safeguarding:report_public"])
def test_public_forms_link_to_the_groups_notice(client, street, url_name):
    html = client.get(reverse(url_name, args=[street.slug])).content.decode()
    assert reverse("retention:notice", args=[street.slug]) in html


def test_my_account_links_to_the_notice(client, priya):
    client.force_login(priya)
    assert reverse("retention:kith_notice") in client.get(reverse("accounts:profile")).text


def test_volunteer_sign_up_links_to_the_notice(client, db):
    html = client.get(reverse("volunteers:join")).content.decode()
    assert reverse("retention:kith_notice") in html


def test_intake_gives_the_call_handler_words_to_read_out(client, street, priya):
    from tests.conftest import confirm_two_factor, enable_totp

    enable_totp(priya)
    client.force_login(priya)
    confirm_two_factor(client)
    html = client.get(reverse("requests:intake", args=[street.slug])).content.decode()
    assert "Read this out" in html and "90 days" in html
    html = client.get(reverse("residents:new", args=[street.slug])).content.decode()
    assert "Read this out" in html


def test_the_record_of_processing_has_every_heading(client, street, priya):
    client.force_login(priya)
    html = client.get(reverse("retention:processing", args=[street.slug])).content.decode()
    for heading in ("Categories of data", "Purposes", "Lawful basis", "Recipients",
                    "Retention", "Security measures"):
        assert heading in html
