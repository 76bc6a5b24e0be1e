"""The coordinators' request pages: the list, a request's paper trail, its moves, assigning
a volunteer by hand, and the group's request settings."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kith.core.models import AuditEvent, PersonalDataAccess
from kith.requests import lifecycle, services
from kith.requests.intake import Contact, Need, take_request
from kith.requests.models import Assignment, RequestEvent, RequestPolicy
from kith.volunteers.models import CONSENT_VERSIONS, Consent, Vetting, VolunteerProfile
from tests.conftest import confirm_two_factor, enable_totp
from tests.factories import MembershipFactory, PersonFactory, ResidentFactory

pytestmark = pytest.mark.django_db

SLUG = "golborne-road"


def _ask(group, resident, service="shopping", details="", **need):
    return take_request(group, channel="web", contact=Contact(name=resident.name),
                        need=Need(service=service, details=details, **need), resident=resident).request


def _volunteer(group, email, name, services_=("shopping",), approved=True, **profile):
    person = PersonFactory(email=email, display_name=name, postcode_sector="W10 5")
    MembershipFactory(person=person, group=group, is_volunteer=True)
    VolunteerProfile.objects.create(person=person, services=list(services_), **profile)
    for kind, version in CONSENT_VERSIONS.items():
        Consent.objects.create(person=person, kind=kind, version=version)
    if approved:
        Vetting.objects.create(person=person, group=group, approved_at=timezone.now())
    return person


@pytest.fixture
def req(street, mrs_ahmed):
    return _ask(street, mrs_ahmed, details="Milk, bread and her blood pressure tablets")


@pytest.fixture
def tom_ready(tom, street):
    # tests/requests/conftest.py has cleared Tom already; here he offers shopping, on duty.
    VolunteerProfile.objects.filter(person=tom).update(services=["shopping"], on_duty=True)
    return tom


def _url(name, *args):
    return reverse(f"requests:{name}", args=[SLUG, *args])


def _text(response) -> str:
    return response.content.decode()


def _timeline(response) -> list[str]:
    """The <li>s of the History list, tags stripped."""
    html = _text(response).split("<h2>History</h2>", 1)[1].split("</ol>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", "", li).split()) for li in html.split("<li>")[1:]]


# --- the list


def test_it_lists_requests_for_coordinators_and_call_handlers_only(client, priya, sam, tom, req):
    client.force_login(priya)
    page = _text(client.get(_url("list")))
    assert req.reference in page and "Mrs Ahmed" in page and "Shopping" in page
    assert "New phone request" in page and "Note a missed call" in page
    client.force_login(sam)
    assert client.get(_url("list")).status_code == 200
    client.force_login(tom)
    assert client.get(_url("list")).status_code == 403


def test_it_filters_by_state_service_and_search(client, priya, street, mrs_ahmed):
    shop = _ask(street, mrs_ahmed, "shopping")
    walk = _ask(street, ResidentFactory(group=street, name="Mr Doyle"), "dog_walking")
    services.transition(walk, "triage", actor=priya)
    gone = _ask(street, ResidentFactory(group=street, name="Ms Khan"), "posting")
    services.transition(gone, "cancel", actor=priya, note="Her son did it")
    client.force_login(priya)

    def shown(**query):
        page = _text(client.get(_url("list"), query))
        return {r.reference for r in (shop, walk, gone) if r.reference in page}

    assert shown() == {shop.reference, walk.reference}  # open, by default
    assert shown(state="new") == {shop.reference}
    assert shown(state="needs_volunteer") == {walk.reference}
    assert shown(state="closed") == {gone.reference}
    assert shown(state="all") == {shop.reference, walk.reference, gone.reference}
    assert shown(state="all", service="posting") == {gone.reference}
    assert shown(state="all", q="doyle") == {walk.reference}
    assert shown(state="all", q=gone.reference.lower().replace("-", "")) == {gone.reference}
    # Nonsense filters fall back to the open list and say nothing breaks.
    response = client.get(_url("list"), {"state": "nope", "service": "<b>", "q": "\x00"})
    assert response.status_code == 200


def test_it_shows_each_rows_volunteer_and_counts_per_tab(client, priya, tom, street, req):
    services.transition(req, "triage", actor=priya)
    services.assign(req, tom, actor=priya, reason="Lives next door")
    client.force_login(priya)
    page = _text(client.get(_url("list"), {"state": "with_volunteer"}))
    assert "Tom Brennan" in page
    assert "With a volunteer (1)" in page and "New, waiting for a call (0)" in page


def test_it_filters_by_urgency_area_channel_and_volunteer(client, priya, tom, street, mrs_ahmed):
    today = _ask(street, mrs_ahmed, urgency="today")
    later = _ask(street, ResidentFactory(group=street, name="Mr Doyle", postcode_sector="W10 6"))
    services.transition(later, "triage", actor=priya)
    services.assign(later, tom, actor=priya, reason="Nearby")
    client.force_login(priya)

    def shown(**query):
        page = _text(client.get(_url("list"), {"state": "all", **query}))
        return {r.reference for r in (today, later) if r.reference in page}

    assert shown(urgency="today") == {today.reference}
    assert shown(area="W10 6") == {later.reference}
    assert shown(channel="web") == {today.reference, later.reference}
    assert shown(channel="phone") == set()
    assert shown(volunteer=str(tom.pk)) == {later.reference}
    assert shown(volunteer="not a number") == {today.reference, later.reference}


def test_it_sorts_by_deadline_soonest_first_and_undated_last(client, priya, street, mrs_ahmed):
    week = _ask(street, mrs_ahmed, urgency="week")
    flexible = _ask(street, ResidentFactory(group=street, name="Mr Doyle"), urgency="flexible")
    today = _ask(street, ResidentFactory(group=street, name="Ms Khan"), urgency="today")
    client.force_login(priya)
    page = _text(client.get(_url("list")))
    order = sorted((today, week, flexible), key=lambda r: page.index(r.reference))
    assert order[:2] == [today, week]
    newest = _text(client.get(_url("list"), {"sort": "newest"}))
    assert newest.index(today.reference) < newest.index(flexible.reference) < newest.index(
        week.reference)


def test_it_names_who_did_a_done_request(client, priya, tom, street, req):
    services.transition(req, "triage", actor=priya)
    services.assign(req, tom, actor=priya, reason="Lives next door")
    services.complete(req, actor=tom)
    client.force_login(priya)
    page = _text(client.get(_url("list"), {"state": "done"}))
    assert req.reference in page and "Tom Brennan" in page


def test_its_list_costs_the_same_queries_for_many_rows(client, priya, tom, street):
    client.force_login(priya)

    def grow(n):
        for i in range(n):
            r = _ask(street, ResidentFactory(group=street, name=f"Resident {i}"))
            services.transition(r, "triage", actor=priya)
            services.assign(r, tom, actor=priya, reason="Nearby")

    def count():
        from django.core.cache import cache

        cache.clear()  # the filter's choices are cached a minute: count them being read
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(_url("list"), {"state": "all"}).status_code == 200
        return len(ctx.captured_queries)

    grow(3)
    few = count()
    grow(12)
    assert count() == few


# --- the detail page


def test_it_gives_404_for_unknown_or_another_groups_reference(client, priya, other_street, req):
    theirs = _ask(other_street, ResidentFactory(group=other_street, name="Mr Lots"))
    client.force_login(priya)
    assert client.get(_url("detail", "ACD-EFH")).status_code == 404
    assert client.get(_url("detail", "x" * 300)).status_code == 404
    assert client.get(_url("detail", theirs.reference)).status_code == 404
    assert client.post(_url("move", theirs.reference), {"action": "triage"}).status_code == 404
    assert client.get(_url("assign", theirs.reference)).status_code == 404
    assert client.get(_url("detail", req.reference.lower())).status_code == 200


def test_it_shows_the_whole_history_as_a_timeline(client, priya, tom, req):
    services.transition(req, "triage", actor=priya)
    services.assign(req, tom, actor=priya, reason="Lives next door")
    services.start(req, actor=priya)
    services.complete(req, actor=priya, note="All delivered")
    client.force_login(priya)
    response = client.get(_url("detail", req.reference))
    rows = _timeline(response)
    assert len(rows) == RequestEvent.objects.filter(request=req).count() == 6
    assert rows[0].startswith("Request made")
    assert "Triaged: from new to triaged" in rows[1] and "Priya Shah" in rows[1]
    # Triaged, the call back about the new request had nothing left to ask.
    assert "Call taken out of the queue" in rows[2] and "New request" in rows[2]
    assert "Volunteer assigned" in rows[3] and "Lives next door" in rows[3]
    assert "Done: from in progress to done" in rows[5] and "All delivered" in rows[5]
    page = _text(response)
    assert '<time datetime="' in page
    assert "Check-up call" in page  # the check-up booked when it was done
    assert "audit rows for this request" in page  # coordinators see the audit rows


def test_it_shows_the_facts_without_opening_anything_sealed(client, sam, street, mrs_ahmed):
    req = take_request(street, channel="referral", contact=Contact(name="Mrs Ahmed"),
                       need=Need(service="prescriptions", details="Warfarin",
                                 partner_kind="pharmacy", partner_name="Golborne Pharmacy",
                                 asked_by="Her daughter"), resident=mrs_ahmed).request
    client.force_login(sam)
    page = _text(client.get(_url("detail", req.reference)))
    assert "Partner referral from Golborne Pharmacy" in page and "Her daughter" in page
    assert reverse("residents:detail", args=[SLUG, mrs_ahmed.pk]) in page
    assert "Warfarin" not in page and "Golborne Road, London" not in page
    assert "audit rows" not in page  # a call handler has no audit.view


def test_it_reveals_what_they_need_with_a_reason_and_two_factor(client, priya, req):
    client.force_login(priya)
    url = _url("detail", req.reference)
    refused = client.post(url, {"field": "details", "reason": "Planning the shop"})
    assert "Milk, bread" not in _text(refused) and "two-factor" in _text(refused)
    enable_totp(priya)
    confirm_two_factor(client)
    no_reason = client.post(url, {"field": "details", "reason": ""})
    assert no_reason.status_code == 400 and "Say why you need to see it." in _text(no_reason)
    shown = client.post(url, {"field": "details", "reason": "Planning the shop"})
    assert "Milk, bread and her blood pressure tablets" in _text(shown)
    assert "no-store" in shown["Cache-Control"]
    access = PersonalDataAccess.objects.get(field="details")
    assert (access.subject_type, access.subject_id, access.reason) == (
        "requests.helprequest", str(req.pk), "Planning the shop")
    phone = client.post(url, {"field": "phone", "reason": "Calling back"})
    assert "020 7946 0100" in _text(phone)


def test_it_offers_only_the_moves_this_person_may_make_now(client, priya, sam, req):
    client.force_login(sam)
    page = _text(client.get(_url("detail", req.reference)))
    assert "Mark as triaged" in page and "Cancel the request" in page and "Put on hold" in page
    assert "Assign a volunteer" not in page  # not from new, and not for a call handler
    services.transition(req, "triage", actor=priya)
    page = _text(client.get(_url("detail", req.reference)))
    assert "Send to matching" in page and "Assign a volunteer" not in page
    client.force_login(priya)
    page = _text(client.get(_url("detail", req.reference)))
    assert "Assign a volunteer" in page and "Where did you signpost them?" in page
    assert "Offered to volunteers" not in page  # Kith's own move, never a button


# --- moves


def test_it_moves_a_request_by_post_with_the_timeline_and_audit(client, priya, req):
    client.force_login(priya)
    response = client.post(_url("move", req.reference), {"action": "triage"})
    assert response.status_code == 302 and response.url == _url("detail", req.reference)
    req.refresh_from_db()
    assert req.state == lifecycle.TRIAGED
    event = RequestEvent.objects.filter(request=req, action="triage").get()
    assert (event.from_state, event.to_state, event.actor) == ("new", "triaged", priya)
    audit = AuditEvent.objects.get(action="kith.request.triage")
    assert audit.actor == priya and audit.new["state"] == "triaged"
    assert "It is now triaged." in _text(client.get(response.url))

    client.post(_url("move", req.reference), {"action": "hold", "note": "Resident in hospital"})
    req.refresh_from_db()
    assert req.state == lifecycle.ON_HOLD
    assert RequestEvent.objects.filter(request=req).last().note == "Resident in hospital"


def test_it_refuses_an_illegal_move_plainly_and_keeps_the_note(client, priya, req):
    client.force_login(priya)
    typed = "Her son will do it now"
    services.transition(req, "cancel", actor=priya, note="Duplicate")
    response = client.post(_url("move", req.reference), {"action": "could_not_help", "note": typed})
    assert response.status_code == 400
    page = _text(response)
    assert "This request is cancelled, so it cannot be could not help now." in page
    assert typed in page
    assert RequestEvent.objects.filter(request=req, action="could_not_help").count() == 0


@pytest.mark.parametrize("typed, found", [
    ("Try Age UK, call 07700 900555", "07700 900555"),
    ("Pantry on (020) 7946-0100 weekdays", "(020) 7946-0100"),
    ("Their number is +44 7911 123456", "+44 7911 123456"),
    ("The food bank at W10 5NW takes walk-ins", "W10 5NW"),
])
def test_a_could_not_help_note_with_a_phone_number_or_postcode_is_refused_and_kept(
        client, priya, req, typed, found):
    services.transition(req, "triage", actor=priya)
    client.force_login(priya)
    response = client.post(_url("move", req.reference), {"action": "could_not_help", "note": typed})
    assert response.status_code == 400
    page = _text(response)
    assert f"Take “{found}” out of the note: no phone numbers or addresses here." in page
    assert typed in page  # what was typed is kept, to edit
    req.refresh_from_db()
    assert req.state == lifecycle.TRIAGED
    assert not RequestEvent.objects.filter(request=req, action="could_not_help").exists()


def test_a_note_with_times_and_areas_but_no_contact_details_is_taken(client, priya, req):
    services.transition(req, "triage", actor=priya)
    client.force_login(priya)
    note = "Rang 3 times on 2 Dec, 10:30 to 12:00; no group covers W10 or W11 for 2025-26"
    response = client.post(_url("move", req.reference), {"action": "could_not_help", "note": note})
    assert response.status_code == 302
    assert RequestEvent.objects.get(request=req, action="could_not_help").note == note


def test_it_asks_for_a_note_where_a_move_needs_one_and_keeps_what_else_was_typed(client, priya, req):
    client.force_login(priya)
    response = client.post(_url("move", req.reference), {"action": "cancel", "note": "   "})
    assert response.status_code == 400
    assert "needs a reason" in _text(response)
    assert 'id="note-cancel"' in _text(response) and 'aria-invalid="true"' in _text(response)
    req.refresh_from_db()
    assert req.state == lifecycle.NEW


def test_it_refuses_a_move_the_role_does_not_include(client, priya, sam, tom, req):
    services.transition(req, "triage", actor=priya)
    services.assign(req, tom, actor=priya, reason="Nearby")
    client.force_login(sam)
    note = "Tom is unwell"
    response = client.post(_url("move", req.reference), {"action": "unassign", "note": note})
    assert response.status_code == 403
    assert "Your role in this group does not include that step." in _text(response)
    assert note in _text(response)
    back = client.post(_url("move", req.reference), {"action": "hand_back", "note": note})
    assert back.status_code == 403
    assert "Only the volunteer doing this task, or a coordinator, can do that." in _text(back)
    offer = client.post(_url("move", req.reference), {"action": "release"})
    assert offer.status_code == 403 and "Only Kith itself" in _text(offer)
    junk = client.post(_url("move", req.reference), {"action": "fly"})
    assert junk.status_code == 400 and "There is no such step." in _text(junk)
    assert Assignment.objects.get(request=req).ended_at is None


def test_it_answers_get_on_move_with_405(client, priya, req):
    client.force_login(priya)
    assert client.get(_url("move", req.reference)).status_code == 405


def test_it_runs_a_task_through_to_done_from_the_page(client, priya, tom, req):
    services.transition(req, "triage", actor=priya)
    services.assign(req, tom, actor=priya, reason="Nearby")
    client.force_login(priya)
    client.post(_url("move", req.reference), {"action": "start"})
    client.post(_url("move", req.reference), {"action": "complete"})
    req.refresh_from_db()
    assert req.state == lifecycle.DONE
    assert Assignment.objects.get(request=req).end == Assignment.End.DONE
    client.post(_url("move", req.reference), {"action": "close"})
    req.refresh_from_db()
    assert req.state == lifecycle.CLOSED
    page = _text(client.get(_url("detail", req.reference)))
    assert "This request has ended." in page


# --- assigning a volunteer


def test_it_lists_volunteers_to_assign_without_contact_details(client, priya, tom_ready, street, req):
    services.transition(req, "triage", actor=priya)
    _volunteer(street, "kasia@example.org", "Kasia Nowak", services_=("dog_walking",))
    _volunteer(street, "lee@example.org", "Lee Park", approved=False)
    client.force_login(priya)
    page = _text(client.get(_url("assign", req.reference)))
    names = [n for n in re.findall(r'<label for="volunteer-\d+">([^<(]+)', page)]
    assert [n.strip() for n in names] == ["Tom Brennan", "Lee Park", "Kasia Nowak"]
    assert "Offers shopping" in page and "Doesn't offer shopping" in page
    assert "Not cleared: is not approved yet" in page and "On duty" in page
    assert "@example.org" not in page and "+44" not in page


def test_it_puts_a_series_regular_volunteer_first(client, priya, tom_ready, street, mrs_ahmed):
    from kith.requests import series

    kasia = _volunteer(street, "kasia@example.org", "Kasia Nowak", on_duty=False)
    regular = series.start_series(street, resident=mrs_ahmed, service="shopping", cadence="weekly",
                                  first_date=timezone.localdate(), volunteer=kasia, actor=priya)
    kasia.volunteer.status = VolunteerProfile.Status.ON_BREAK
    kasia.volunteer.save()
    occurrence = series.make_occurrence(regular)  # she is on a break, so it goes to matching
    client.force_login(priya)
    page = _text(client.get(_url("assign", occurrence.reference)))
    names = re.findall(r'<label for="volunteer-\d+">([^<]+)', page)
    assert names[0].strip() == "Kasia Nowak (their regular volunteer)"
    assert "On a break" in page


def test_it_assigns_a_volunteer_with_a_reason(client, priya, tom_ready, req):
    services.transition(req, "triage", actor=priya)
    client.force_login(priya)
    url = _url("assign", req.reference)
    missing = client.post(url, {"volunteer": tom_ready.pk, "reason": ""})
    assert missing.status_code == 400 and "Say why you chose this volunteer." in _text(missing)
    pk = tom_ready.pk
    kept = f'value="{pk}" id="volunteer-{pk}" aria-describedby="volunteer-{pk}-facts" checked'
    assert kept in _text(missing)
    response = client.post(url, {"volunteer": tom_ready.pk, "reason": "Lives next door"})
    assert response.status_code == 302
    assignment = Assignment.objects.get(request=req)
    assert (assignment.volunteer, assignment.reason, assignment.assigned_by) == (
        tom_ready, "Lives next door", priya)
    req.refresh_from_db()
    assert req.state == lifecycle.ASSIGNED
    assert AuditEvent.objects.filter(action="kith.request.assign", actor=priya).exists()


def test_it_refuses_another_groups_volunteer_or_nonsense_without_error(client, priya, nadia,
                                                                      tom_ready, req):
    services.transition(req, "triage", actor=priya)
    client.force_login(priya)
    url = _url("assign", req.reference)
    for volunteer in [nadia.pk, "999999999999999999999999", "tom", ""]:
        response = client.post(url, {"volunteer": volunteer, "reason": "Nearby"})
        assert response.status_code == 400
        assert ("Choose one of this group&#x27;s volunteers listed here." in _text(response)
                or "Choose a volunteer." in _text(response))
        assert 'value="Nearby"' in _text(response)
    assert not Assignment.objects.exists()


def test_it_shows_why_a_volunteer_cannot_be_assigned_now(client, priya, tom_ready, req):
    client.force_login(priya)
    url = _url("assign", req.reference)
    assert "so a volunteer can't be assigned now" in _text(client.get(url))
    response = client.post(url, {"volunteer": tom_ready.pk, "reason": "Lives next door"})
    assert response.status_code == 400
    assert "This request is new, so it cannot be volunteer assigned now." in _text(response)
    assert "Lives next door" in _text(response)
    assert not Assignment.objects.exists()


def test_it_keeps_the_assign_page_for_coordinators(client, sam, req):
    client.force_login(sam)
    assert client.get(_url("assign", req.reference)).status_code == 403


# --- request settings


MATCHING_SETTINGS = {"offer_to": 3, "offer_hours": 2, "match_max_km": 3, "fairness_weight": 1,
                     "continuity_weight": 1}


def test_it_saves_request_settings_with_an_audit_row(client, priya, street):
    client.force_login(priya)
    url = _url("policy")
    page = _text(client.get(url))
    assert 'value="24"' in page and "After each task is done" in page
    response = client.post(url, {"callback_target_hours": 12, "assignment_window_hours": 48,
                                 "reminder_grace_hours": 12, "checkup_delay_hours": 24,
                                 "checkup_stages": ["week", "assigned"], **MATCHING_SETTINGS})
    assert response.status_code == 302
    policy = RequestPolicy.objects.get(group=street)
    assert (policy.callback_target_hours, policy.checkup_stages) == (12, ["assigned", "week"])
    audit = AuditEvent.objects.get(action="kith.request.policy_changed")
    assert audit.actor == priya and audit.new["callback_target_hours"] == 12
    assert audit.old["callback_target_hours"] == 24
    # Saving it again unchanged writes nothing.
    client.post(url, {"callback_target_hours": 12, "assignment_window_hours": 48,
                      "reminder_grace_hours": 12, "checkup_delay_hours": 24,
                      "checkup_stages": ["assigned", "week"], **MATCHING_SETTINGS})
    assert AuditEvent.objects.filter(action="kith.request.policy_changed").count() == 1


def test_it_explains_settings_out_of_range(client, priya, street):
    client.force_login(priya)
    response = client.post(_url("policy"), {
        "callback_target_hours": 0, "assignment_window_hours": 9999, "reminder_grace_hours": "",
        "checkup_delay_hours": "soon", "checkup_stages": ["yearly"]})
    assert response.status_code == 400
    page = _text(response)
    assert "Choose between 1 and 168 hours (up to a week)." in page
    assert "Choose between 1 and 336 hours (up to two weeks)." in page
    assert "Give a number of hours." in page and "Give a whole number of hours." in page
    assert "Choose from the check-ups listed." in page
    assert not RequestPolicy.objects.filter(group=street).exists()
    assert not AuditEvent.objects.filter(action="kith.request.policy_changed").exists()


def test_it_keeps_request_settings_for_coordinators(client, sam):
    client.force_login(sam)
    assert client.get(_url("policy")).status_code == 403

