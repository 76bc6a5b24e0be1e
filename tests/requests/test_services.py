"""Unit tests of the help-request services: intake, moves, the callback queue, check-ups,
the sweep, regular help (series), the exclusion list and residents' status codes.

Clocks: freezegun is not installed, so tests pass `now=` where a service takes it and move
stored timestamps back where it does not.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from kith.core import sms
from kith.core.digest import phone_digest
from kith.core.models import AuditEvent
from kith.requests import (
    callbacks,
    check_ups,
    exclusions,
    intake,
    lifecycle,
    series,
    services,
    status,
    sweeps,
)
from kith.requests.intake import Contact, Need, take_request
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import (
    Assignment,
    CallAttempt,
    Callback,
    HelpRequest,
    RequestEvent,
    RequestPolicy,
    Series,
    StatusCode,
)
from kith.requests.moves import NotAllowed
from tests.conftest import _member
from tests.requests.conftest import clear_to_help

PHONE = "+447911123456"
OTHER_PHONE = "+447911123457"


@pytest.fixture
def ann(street, priya):
    """A second volunteer on Golborne Road, cleared like Tom: not the one doing Tom's task."""
    return clear_to_help(_member(street, "ann@example.org", "Ann Lee", volunteer=True), street,
                         coordinator=priya)


def ask(group, *, channel="web", phone=PHONE, name="Mrs Ahmed", acting_user=None, triage=None,
        service="shopping", urgency=HelpRequest.Urgency.SOON, postcode="", resident=None,
        address="14 Golborne Road, London"):
    """A request as each channel takes it; with an address, so help at the door can be
    assigned (visits.check_visit), unless a test says otherwise."""
    if triage is None:
        triage = channel == HelpRequest.Channel.PHONE
    return take_request(
        group, channel=channel, acting_user=acting_user, triage=triage, resident=resident,
        contact=Contact(name=name, phone=phone, postcode=postcode, address=address,
                        postcode_sector="" if postcode else "W10 5"),
        need=Need(service=service, details="Milk and bread", urgency=urgency),
    )


def history(req) -> list[tuple[str, str, str]]:
    return list(req.events.values_list("action", "from_state", "to_state"))


def actions(req) -> list[str]:
    return [row[0] for row in history(req)]


def fresh(obj):
    obj.refresh_from_db()
    return obj


def to_matching(req, actor):
    services.transition(req, "triage", actor=actor)
    return services.transition(req, "start_matching", actor=actor)


def assigned(street, priya, tom, **ask_kwargs):
    """A request matched and given to Tom by Priya."""
    req = ask(street, **ask_kwargs).request
    to_matching(req, priya)
    services.assign(req, tom, actor=priya, reason="Lives two doors away")
    return fresh(req)


def audit_actions(obj) -> list[str]:
    return list(AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
                .order_by("created_at", "id").values_list("action", flat=True))


def assert_replays(req):
    req = fresh(req)
    assert lifecycle.replay(history(req)) == req.state


# --- intake -----------------------------------------------------------------------------------

def test_a_web_request_records_the_resident_and_joins_the_callback_queue(street):
    result = ask(street)
    req = result.request
    assert not result.linked and not result.excluded
    assert req.state == lifecycle.NEW and req.channel == "web"
    assert req.resident.group == street
    assert req.resident.phone_digest == phone_digest(PHONE) == phone_digest("07911 123456")
    assert req.reference and re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}", req.reference)
    (callback,) = Callback.objects.all()
    assert (callback.kind, callback.request, callback.resident) == (
        Callback.Kind.REQUEST, req, req.resident)
    assert callback.in_queue and callback in callbacks.waiting(street)
    assert history(req) == [("created", "", "new")]
    assert audit_actions(req) == ["kith.request.created"]
    assert audit_actions(callback) == ["kith.callback.queued"]


def test_a_phone_request_is_triaged_at_once_and_needs_no_callback(street, sam):
    req = ask(street, channel="phone", acting_user=sam).request
    assert req.state == lifecycle.TRIAGED
    assert not Callback.objects.exists()
    assert history(req) == [("created", "", "new"), ("triage", "new", "triaged")]
    triage = AuditEvent.objects.get(action="kith.request.triage")
    assert (triage.actor, triage.object_id) == (sam, str(req.pk))
    assert req.created_by == sam


def test_an_urgent_request_or_an_at_risk_resident_is_called_back_sooner(street):
    policy = RequestPolicy.for_group(street)
    urgent = ask(street, urgency=HelpRequest.Urgency.TODAY).request.callbacks.get()
    assert urgent.urgent
    assert urgent.due_at - urgent.created_at == timedelta(hours=callbacks.URGENT_HOURS)
    calm = ask(street, phone=OTHER_PHONE, urgency=HelpRequest.Urgency.FLEXIBLE).request
    callback = calm.callbacks.get()
    assert not callback.urgent
    assert callback.due_at - callback.created_at == timedelta(hours=policy.callback_target_hours)


def test_the_same_number_within_a_day_joins_the_open_request(street, sam):
    first = ask(street).request
    again = ask(street, service="prescriptions")
    by_phone = ask(street, channel="phone", acting_user=sam, phone="07911 123456")
    assert again.linked and by_phone.linked
    assert again.request == first and by_phone.request == first
    assert HelpRequest.objects.count() == 1 and Callback.objects.count() == 1
    assert actions(first) == ["created", "asked_again", "asked_again"]
    assert fresh(first).state == lifecycle.NEW  # a note, not a move
    assert_replays(first)
    assert audit_actions(first).count("kith.request.asked_again") == 2


def test_a_resident_on_record_asking_again_within_a_day_joins_their_open_request(street, sam):
    first = ask(street, phone="").request  # no number to match by...
    again = ask(street, channel="phone", acting_user=sam, phone="", resident=first.resident)
    assert again.linked and again.request == first  # ...but the call handler found her record


def test_a_different_number_or_no_number_is_a_new_request(street):
    first = ask(street).request
    assert ask(street, phone=OTHER_PHONE).request != first
    a, b = ask(street, phone="").request, ask(street, phone="").request
    assert a != b and a.resident != b.resident  # nothing to match a caller without a number by
    assert HelpRequest.objects.count() == 4


def test_a_returning_number_after_the_work_was_done_is_a_new_request_for_the_same_resident(
        street, priya, tom):
    first = assigned(street, priya, tom)
    services.complete(first, actor=tom)
    second = ask(street, service="prescriptions")
    assert not second.linked
    assert second.request != first and second.request.resident == first.resident
    assert "asked_again" not in actions(first)


@pytest.mark.parametrize("end", ["cancel", "could_not_help"])
def test_a_returning_number_after_the_request_ended_is_a_new_request(street, sam, end):
    first = ask(street).request
    services.transition(first, end, actor=sam, note="Family are helping now")
    assert not ask(street).linked


def test_the_same_number_after_a_day_is_a_new_request(street):
    first = ask(street).request
    HelpRequest.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - intake.SAME_NUMBER_WINDOW - timedelta(minutes=1))
    second = ask(street)
    assert not second.linked and second.request != first
    assert second.request.resident == first.resident


def test_the_same_number_in_another_group_is_not_linked(street, other_street):
    first = ask(street).request
    there = ask(other_street)
    assert not there.linked and there.request.group == other_street
    assert there.request.resident != first.resident


def test_needed_by_is_eight_in_the_evening_local_time():
    """Regression: it was 20:00 UTC, 21:00 in a London summer."""
    summer_morning = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)  # 09:00 in London
    due = intake.needed_by("today", summer_morning)
    local = timezone.localtime(due)
    assert (local.date().isoformat(), local.hour) == ("2025-07-01", 20)


# --- the exclusion list -----------------------------------------------------------------------

def test_a_match_on_the_exclusion_list_goes_on_hold_for_a_coordinator(
        street, priya, sam, tom, mailoutbox, django_capture_on_commit_callbacks):
    exclusions.add_exclusion(street, reason="abuse", actor=priya, phone="07911 123456",
                             note="Shouted at Tom")
    with django_capture_on_commit_callbacks(execute=True):
        result = ask(street)
    req = result.request
    assert result.excluded and req.state == lifecycle.ON_HOLD
    assert not Callback.objects.exists()
    assert actions(req) == ["created", "exclusion_match", "hold"]
    assert_replays(req)
    assert "kith.request.hold" in audit_actions(req)
    # Coordinators (and safeguarding leads) are told; no one else.
    assert [m.to for m in mailoutbox] == [["priya@example.org"]]
    assert req.reference in mailoutbox[0].subject
    assert "07911" not in mailoutbox[0].body and PHONE not in mailoutbox[0].body


def test_a_phone_intake_that_matches_is_held_too_not_triaged(street, priya, sam):
    exclusions.add_exclusion(street, reason="violence", actor=priya, phone=PHONE)
    result = ask(street, channel="phone", acting_user=sam)
    assert result.excluded and result.request.state == lifecycle.ON_HOLD


def test_an_exclusion_in_the_ward_applies_to_its_streets(street, ward, priya):
    exclusions.add_exclusion(ward, reason="harassment", actor=priya, phone=PHONE)
    assert ask(street).excluded


def test_an_exclusion_in_a_sibling_street_does_not(street, other_street, nadia):
    exclusions.add_exclusion(other_street, reason="harassment", actor=nadia, phone=PHONE)
    assert not ask(street).excluded


def test_an_exclusion_by_name_and_postcode_matches_however_it_was_typed(street, priya):
    exclusions.add_exclusion(street, reason="demands", actor=priya, name="Mr  Smith",
                             postcode="w10 5nw")
    assert ask(street, name="mr smith", phone=OTHER_PHONE, postcode="W10 5NW").excluded
    assert not ask(street, name="Mr Jones", phone="", postcode="W10 5NW").excluded


def test_a_lifted_exclusion_no_longer_matches(street, priya):
    exclusion = exclusions.add_exclusion(street, reason="misuse", actor=priya, phone=PHONE)
    exclusions.lift_exclusion(exclusion, actor=priya, note="Apologised, agreed to start again")
    assert not ask(street).excluded
    with pytest.raises(IllegalMove):
        exclusions.lift_exclusion(exclusion, actor=priya, note="again")


def test_an_exclusion_needs_something_to_match_by(street, priya):
    with pytest.raises(IllegalMove):
        exclusions.add_exclusion(street, reason="abuse", actor=priya, phone="07700 900123")
    with pytest.raises(IllegalMove):
        exclusions.add_exclusion(street, reason="abuse", actor=priya, name="Mr Smith")


def test_excluding_a_resident_on_record_uses_their_own_details(street, priya):
    resident = ask(street).request.resident
    exclusion = exclusions.exclude_resident(resident, reason="abuse", actor=priya)
    assert exclusion.phone_digest == phone_digest(PHONE)
    assert ask(street, phone=PHONE, name="Someone else").excluded is False  # linked: still open
    HelpRequest.objects.update(created_at=timezone.now() - timedelta(days=2))
    assert ask(street).excluded


def test_a_resident_with_nothing_to_match_by_cannot_be_excluded(street, priya):
    from tests.factories import ResidentFactory

    nobody = ResidentFactory(group=street, phone=None, postcode=None)
    with pytest.raises(IllegalMove):
        exclusions.exclude_resident(nobody, reason="abuse", actor=priya)
    assert not street.exclusions.exists()


# --- moves and who may make them ----------------------------------------------------------------

def test_each_move_writes_its_event_and_its_audit_row(street, priya, sam):
    req = ask(street).request
    to_matching(req, sam)
    assert actions(req) == ["created", "triage", "callback_withdrawn", "start_matching"]
    assert audit_actions(req) == ["kith.request.created", "kith.request.triage",
                                  "kith.request.start_matching"]
    trail = AuditEvent.objects.get(action="kith.request.start_matching")
    assert (trail.actor, trail.old, trail.new["state"]) == (sam, {"state": "triaged"}, "matching")


def _unchanged(req):
    before = (fresh(req).state, req.events.count(), AuditEvent.objects.count(),
              Assignment.objects.count())

    def check():
        assert (fresh(req).state, req.events.count(), AuditEvent.objects.count(),
                Assignment.objects.count()) == before
    return check


def test_an_illegal_move_changes_nothing(street, sam):
    req = ask(street).request
    same = _unchanged(req)
    with pytest.raises(IllegalMove):
        services.transition(req, "close", actor=sam)
    with pytest.raises(IllegalMove):  # reason needed
        services.transition(req, "cancel", actor=sam, note="  ")
    with pytest.raises(ValueError):
        services.transition(req, "complete", actor=sam)
    same()


def test_a_call_handler_cannot_assign_and_nothing_changes(street, sam, tom):
    req = ask(street).request
    to_matching(req, sam)
    same = _unchanged(req)
    with pytest.raises(NotAllowed):
        services.assign(req, tom, actor=sam, reason="Nearby")
    same()


def test_a_volunteer_cannot_triage_or_cancel(street, tom):
    req = ask(street).request
    same = _unchanged(req)
    with pytest.raises(NotAllowed):
        services.transition(req, "triage", actor=tom)
    with pytest.raises(NotAllowed):
        services.transition(req, "cancel", actor=tom, note="Not needed")
    same()


def test_only_kith_itself_releases(street, priya, tom):
    req = assigned(street, priya, tom)
    with pytest.raises(ValueError):
        services.transition(req, "release", actor=priya)
    assert fresh(req).state == lifecycle.ASSIGNED


def test_assigning_needs_a_reason_and_a_volunteer_cleared_here(street, priya, sam, tom, nadia):
    req = ask(street).request
    to_matching(req, priya)
    lee = _member(street, "lee@example.org", "Lee Park", volunteer=True)  # no profile, not approved
    same = _unchanged(req)
    with pytest.raises(IllegalMove):
        services.assign(req, tom, actor=priya, reason=" ")
    with pytest.raises(IllegalMove, match="can't take"):
        services.assign(req, lee, actor=priya, reason="Lives next door")
    with pytest.raises(IllegalMove):
        services.assign(req, sam, actor=priya, reason="Handy")  # a call handler, not a volunteer
    with pytest.raises(IllegalMove):
        services.assign(req, nadia, actor=priya, reason="Handy")  # another group
    same()


def test_assign_then_the_volunteer_does_the_task(street, priya, tom, mailoutbox,
                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        req = assigned(street, priya, tom)
    assignment = req.current_assignment
    assert (assignment.volunteer, assignment.assigned_by) == (tom, priya)
    assert assignment.due_by == req.needed_by  # "soon": by the evening in three days
    assert [m.to for m in mailoutbox] == [["tom@example.org"]]
    services.start(req, actor=tom)
    services.complete(req, actor=tom)
    req = fresh(req)
    assert req.state == lifecycle.DONE and req.current_assignment is None
    assert fresh(assignment).end == Assignment.End.DONE
    assert_replays(req)


def test_an_assignment_without_a_day_gets_the_groups_window(street, priya, tom):
    req = assigned(street, priya, tom, urgency=HelpRequest.Urgency.FLEXIBLE)
    assignment = req.current_assignment
    window = timedelta(hours=RequestPolicy.for_group(street).assignment_window_hours)
    assert abs(assignment.due_by - assignment.assigned_at - window) < timedelta(seconds=1)


def test_another_volunteer_may_not_do_or_give_back_toms_task(street, priya, tom, ann, sam):
    req = assigned(street, priya, tom)
    same = _unchanged(req)
    for move in (services.start, services.complete):
        with pytest.raises(NotAllowed):
            move(req, actor=ann)
        with pytest.raises(NotAllowed):
            move(req, actor=sam)
    with pytest.raises(NotAllowed):
        services.hand_back(req, actor=ann, note="Busy")
    with pytest.raises(NotAllowed):
        services.unassign(req, actor=tom, note="Busy")  # a coordinator's step
    same()
    services.hand_back(req, actor=tom, note="Away this week")
    req = fresh(req)
    assert req.state == lifecycle.MATCHING and req.current_assignment is None
    # Once handed back, Tom is not its volunteer any more.
    services.assign(req, ann, actor=priya, reason="Free this week")
    with pytest.raises(NotAllowed):
        services.complete(req, actor=tom)
    services.complete(req, actor=priya)  # a coordinator may mark it done
    assert_replays(req)


@pytest.mark.parametrize("action", ["cancel", "hold", "escalate"])
def test_stopping_a_held_task_ends_the_assignment(street, priya, tom, action):
    req = assigned(street, priya, tom)
    assignment = req.current_assignment
    services.transition(req, action, actor=priya, note="Resident in hospital")
    assert fresh(req).current_assignment is None
    assert fresh(assignment).end == Assignment.End.STOPPED
    assert not fresh(assignment).address_open()
    assert_replays(req)


def test_ending_a_request_withdraws_its_waiting_calls(street, sam):
    req = ask(street).request
    callback = req.callbacks.get()
    callbacks.claim(callback, sam)
    services.transition(req, "cancel", actor=sam, note="Daughter is visiting")
    callback = fresh(callback)
    assert callback.outcome == Callback.Outcome.WITHDRAWN and callback.closed_at is not None
    assert callback.claimed_by is None and callback.closed_by == sam
    assert callback not in callbacks.waiting(street) and callback not in callbacks.later(street)
    assert "kith.callback.withdrawn" in audit_actions(callback)


def test_escalating_tells_safeguarding_and_coordinators(street, priya, sam, mailoutbox,
                                                        django_capture_on_commit_callbacks):
    from tests.factories import MembershipFactory, PersonFactory

    lead = PersonFactory(email="lena@example.org", display_name="Lena Marsh")
    MembershipFactory(person=lead, group=street, is_safeguarding_lead=True)
    req = ask(street).request
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(req, "escalate", actor=sam, note="Bruises on her arm")
    # The coordinators hear of the request; the lead gets the case it opened (a link only).
    assert sorted(m.to[0] for m in mailoutbox) == ["lena@example.org", "priya@example.org"]
    assert not any("Bruises" in m.body for m in mailoutbox)
    with pytest.raises(NotAllowed):
        services.transition(req, "de_escalate", actor=sam, note="Dealt with")
    services.transition(req, "de_escalate", actor=priya, note="Spoke to her GP")
    assert fresh(req).state == lifecycle.TRIAGED


# --- check-ups booked by policy ----------------------------------------------------------------

def test_complete_books_one_check_up_a_day_later_by_default(street, priya, tom):
    req = assigned(street, priya, tom)
    before = timezone.now()
    services.complete(req, actor=tom)
    (check_up,) = Callback.objects.filter(kind=Callback.Kind.CHECK_UP)
    assert check_up.request == req and check_up.in_queue
    delay = timedelta(hours=RequestPolicy.for_group(street).checkup_delay_hours)
    assert before + delay <= check_up.not_before <= timezone.now() + delay
    assert check_up.due_at == check_up.not_before + timedelta(hours=24)
    assert check_up in callbacks.later(street) and check_up not in callbacks.waiting(street)


def test_complete_books_check_ups_at_every_stage_the_group_chose(street, priya, tom):
    RequestPolicy.objects.create(group=street, checkup_stages=["assigned", "done", "week"],
                                 checkup_delay_hours=6)
    req = assigned(street, priya, tom)
    assert Callback.objects.filter(kind=Callback.Kind.CHECK_UP).count() == 1  # on assignment
    services.complete(req, actor=tom)
    ups = list(Callback.objects.filter(kind=Callback.Kind.CHECK_UP).order_by("not_before"))
    assert len(ups) == 3
    done_at = fresh(req).state_changed_at
    assert [round((c.not_before - done_at).total_seconds() / 3600) for c in ups[1:]] == [6, 24 * 7]


def test_a_group_that_wants_no_check_ups_gets_none(street, priya, tom):
    RequestPolicy.objects.create(group=street, checkup_stages=[])
    services.complete(assigned(street, priya, tom), actor=tom)
    assert not Callback.objects.filter(kind=Callback.Kind.CHECK_UP).exists()


# --- address visibility ------------------------------------------------------------------------

def test_the_address_is_open_while_held_and_a_day_after_done(street, priya, tom):
    req = assigned(street, priya, tom)
    assignment = req.current_assignment
    assert assignment.address_open()
    services.start(req, actor=tom)
    assert fresh(assignment).address_open()
    services.complete(req, actor=tom)
    assignment = fresh(assignment)
    assert assignment.address_open()
    assert assignment.address_open(now=assignment.ended_at + timedelta(hours=23))
    assert not assignment.address_open(now=assignment.ended_at + timedelta(hours=24, seconds=1))


@pytest.mark.parametrize("end", ["hand_back", "unassign"])
def test_the_address_closes_at_once_when_the_task_goes_back(street, priya, tom, end):
    req = assigned(street, priya, tom)
    assignment = req.current_assignment
    getattr(services, end)(req, actor=priya if end == "unassign" else tom, note="Unwell")
    assert not fresh(assignment).address_open()


# --- the callback queue ------------------------------------------------------------------------

@pytest.fixture
def callback(street):
    return ask(street).request.callbacks.get()


def test_a_claim_holds_the_call_for_one_person(callback, sam, priya):
    now = timezone.now()
    assert callbacks.claim(callback, sam, now=now)
    assert not callbacks.claim(callback, priya, now=now + timedelta(minutes=1))
    assert callbacks.claim(callback, sam, now=now + timedelta(minutes=2))  # renewing is fine
    callback = fresh(callback)
    assert callback.held_by(sam, now=now + timedelta(minutes=2))
    assert not callback.held_by(priya, now=now)
    assert audit_actions(callback).count("kith.callback.claimed") == 2


def test_a_claim_runs_out_after_claim_for(callback, sam, priya):
    now = timezone.now()
    assert callbacks.claim(callback, sam, now=now)
    later = now + callbacks.CLAIM_FOR
    assert not fresh(callback).held_by(sam, now=later)
    assert callbacks.claim(callback, priya, now=later)
    assert fresh(callback).claimed_by == priya
    with pytest.raises(IllegalMove):
        callbacks.log_attempt(callback, by=sam, outcome="reached", now=later)


def test_only_the_holder_can_release_a_claim(callback, sam, priya):
    callbacks.claim(callback, sam)
    callbacks.release_claim(callback, priya)
    assert fresh(callback).claimed_by == sam
    callbacks.release_claim(callback, sam)
    assert fresh(callback).claimed_by is None
    assert callbacks.claim(callback, priya)


def test_a_call_must_be_claimed_before_it_is_logged(callback, sam):
    with pytest.raises(IllegalMove):
        callbacks.log_attempt(callback, by=sam, outcome="reached")
    callbacks.claim(callback, sam)
    with pytest.raises(IllegalMove):
        callbacks.log_attempt(callback, by=sam, outcome="shouted")
    assert not CallAttempt.objects.exists()


def test_reached_takes_the_call_out_of_the_queue(street, callback, sam):
    now = timezone.now()
    callbacks.claim(callback, sam, now=now)
    callbacks.log_attempt(callback, by=sam, outcome="reached", note="Wants milk", now=now)
    callback = fresh(callback)
    assert (callback.outcome, callback.closed_at, callback.closed_by) == ("reached", now, sam)
    assert callback.attempts_made == 1 and callback.claimed_by is None
    assert callback not in callbacks.waiting(street, now=now)
    assert callback not in callbacks.later(street, now=now)
    assert actions(callback.request)[-1] == "callback_attempt"
    assert_replays(callback.request)
    assert not callbacks.claim(callback, sam)
    with pytest.raises(IllegalMove):
        callbacks.log_attempt(callback, by=sam, outcome="reached")


def test_no_answer_puts_the_call_back_for_later(street, callback, sam):
    now = timezone.now()
    callbacks.claim(callback, sam, now=now)
    callbacks.log_attempt(callback, by=sam, outcome="no_answer", now=now)
    callback = fresh(callback)
    assert callback.in_queue and callback.attempts_made == 1 and callback.claimed_by is None
    assert callback.not_before == now + callbacks.RETRY_AFTER
    assert callback in callbacks.later(street, now=now)
    assert callback in callbacks.waiting(street, now=now + callbacks.RETRY_AFTER)
    assert callback.escalated_at is None


def test_three_tries_without_reaching_anyone_tell_a_coordinator_once(
        street, callback, sam, priya, mailoutbox, django_capture_on_commit_callbacks):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        for i, outcome in enumerate(["no_answer", "voicemail", "no_answer", "no_answer"]):
            at = now + i * callbacks.RETRY_AFTER
            assert callbacks.claim(callback, sam, now=at)
            callbacks.log_attempt(callback, by=sam, outcome=outcome, now=at)
            escalated = fresh(callback).escalated_at
            if i + 1 < callbacks.TRIES_BEFORE_ESCALATION:
                assert escalated is None
            else:
                assert escalated == now + 2 * callbacks.RETRY_AFTER
    callback = fresh(callback)
    assert callback.in_queue and callback.attempts_made == 4  # still not lost
    assert [m.to for m in mailoutbox] == [["priya@example.org"]]
    assert AuditEvent.objects.filter(action="kith.callback.escalated").count() == 1


def test_a_missed_call_joins_the_queue_and_finds_the_resident(street, sam):
    resident = ask(street).request.resident
    item = callbacks.note_missed_call(street, phone=PHONE, acting_user=sam)
    assert (item.kind, item.resident, item.request) == (Callback.Kind.MISSED_CALL, resident, None)
    assert item.phone_digest == phone_digest(PHONE) and item.caller_name == resident.name
    unknown = callbacks.note_missed_call(street, phone=OTHER_PHONE, caller_name="", acting_user=sam)
    assert unknown.resident is None and unknown.who == "Unknown caller"
    assert {item, unknown} <= set(callbacks.waiting(street))


def test_a_volunteer_cannot_work_the_callback_queue(callback, tom, sam):
    """Regression: claim() and log_attempt() once checked no permission at all."""
    with pytest.raises(NotAllowed):
        callbacks.claim(callback, tom)
    assert fresh(callback).claimed_by is None
    callbacks.claim(callback, sam)
    Callback.objects.filter(pk=callback.pk).update(claimed_by=tom)  # as if it had got through
    with pytest.raises(NotAllowed):
        callbacks.log_attempt(callback, by=tom, outcome="reached")
    assert fresh(callback).in_queue and not CallAttempt.objects.exists()


# --- check-up and check-in calls ---------------------------------------------------------------

@pytest.fixture
def check_up(street, priya, tom):
    req = assigned(street, priya, tom)
    services.complete(req, actor=tom)
    return Callback.objects.get(kind=Callback.Kind.CHECK_UP)


def _call(callback, by, outcome="reached", result="", **kw):
    at = callback.not_before
    assert callbacks.claim(callback, by, now=at)
    return callbacks.log_attempt(callback, by=by, outcome=outcome, result=result, now=at, **kw)


def test_a_check_up_reached_all_well_marks_the_request_checked_up(check_up, sam):
    _call(check_up, sam, result="all_well")
    req = fresh(check_up.request)
    assert req.state == lifecycle.CHECKED_UP
    assert fresh(check_up).result == "all_well"
    assert actions(req)[-2:] == ["callback_attempt", "check_up"]
    assert "kith.request.check_up" in audit_actions(req)
    assert_replays(req)


def test_a_check_up_must_say_how_they_are(check_up, sam):
    at = check_up.not_before
    callbacks.claim(check_up, sam, now=at)
    with pytest.raises(IllegalMove):
        callbacks.log_attempt(check_up, by=sam, outcome="reached", now=at)
    assert fresh(check_up).in_queue and fresh(check_up.request).state == lifecycle.DONE


def test_a_concern_on_a_check_up_escalates_the_request(check_up, sam, mailoutbox,
                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _call(check_up, sam, result="concern", note="Confused, no food in the house")
    req = fresh(check_up.request)
    assert req.state == lifecycle.ESCALATED
    assert_replays(req)
    # The escalation, and (no safeguarding lead on the way up) a case nobody can see yet.
    assert [m.to for m in mailoutbox] == [["priya@example.org"]] * 2
    assert "no lead can see it" in mailoutbox[1].subject


def test_a_wrong_number_on_a_check_up_leaves_the_request_done_and_tells_a_coordinator(
        check_up, sam, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _call(check_up, sam, outcome="wrong_number")
    check_up = fresh(check_up)
    assert check_up.outcome == "wrong_number" and check_up.escalated_at is not None
    assert fresh(check_up.request).state == lifecycle.DONE
    assert [m.to for m in mailoutbox] == [["priya@example.org"]]


@pytest.mark.parametrize("result", ["all_well", "fine"])
def test_a_result_is_kept_only_when_they_were_reached(check_up, sam, result):
    """Regression (found by test_properties): a wrong number was stored as 'all well', and an
    unknown result was saved and then crashed writing the timeline note."""
    _call(check_up, sam, outcome="wrong_number", result=result)
    check_up = fresh(check_up)
    assert check_up.outcome == "wrong_number" and check_up.result == ""


def test_closing_a_done_request_withdraws_its_check_up(check_up, priya):
    services.transition(check_up.request, "close", actor=priya)
    assert fresh(check_up).outcome == Callback.Outcome.WITHDRAWN


def test_a_concern_on_a_check_in_tells_a_coordinator(street, mrs_ahmed, sam, priya, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    item = check_ups.book_check_in(mrs_ahmed, at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        _call(item, sam, result="concern")
    assert fresh(item).escalated_at is not None
    # The call, and (no safeguarding lead on the way up) a case nobody can see yet.
    assert [m.to for m in mailoutbox] == [["priya@example.org"]] * 2


# --- the sweep ---------------------------------------------------------------------------------

def test_an_overdue_task_gets_one_reminder_then_goes_back_to_matching(
        street, priya, tom, mailoutbox, django_capture_on_commit_callbacks):
    req = assigned(street, priya, tom)
    assignment = req.current_assignment
    late = assignment.due_by + timedelta(minutes=1)
    grace = timedelta(hours=RequestPolicy.for_group(street).reminder_grace_hours)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.tick(now=assignment.due_by - timedelta(minutes=1))["reminded"] == 0
        assert sweeps.tick(now=late)["reminded"] == 1
        again = sweeps.tick(now=late + timedelta(minutes=5))
    assert (again["reminded"], again["released"]) == (0, 0)
    assert fresh(assignment).reminded_at == late
    assert [m.to for m in mailoutbox] == [["tom@example.org"]]  # the reminder
    assert actions(req).count("reminder_sent") == 1
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.tick(now=late + grace - timedelta(minutes=1))["released"] == 0
        assert sweeps.tick(now=late + grace)["released"] == 1
        assert sweeps.tick(now=late + grace + timedelta(hours=1))["released"] == 0
    req, assignment = fresh(req), fresh(assignment)
    assert req.state == lifecycle.MATCHING and req.current_assignment is None
    assert assignment.end == Assignment.End.RELEASED and assignment.ended_at is not None
    assert not assignment.address_open()
    # The coordinator hears it is back; Tom, who let it lapse, is not offered it again, and
    # with nobody else in the group the next sweep tells her that too.
    assert [m.subject for m in mailoutbox] == [
        f"[Kith] {req.reference} needs a volunteer again",
        f"[Kith] {req.reference} needs a coordinator to find a volunteer"]
    assert not req.offers.exists() and "nobody_to_offer" in actions(req)
    assert "kith.request.release" in audit_actions(req)
    assert_replays(req)


def test_a_done_task_is_never_reminded(street, priya, tom):
    req = assigned(street, priya, tom)
    due = req.current_assignment.due_by
    services.complete(req, actor=tom)
    assert sweeps.tick(now=due + timedelta(days=3))["reminded"] == 0
    assert fresh(req).state == lifecycle.DONE


def test_a_task_completed_while_the_sweep_runs_is_left_alone(street, priya, tom, monkeypatch):
    """Regression: the sweep released from a stale read and tick() raised IllegalMove."""
    req = assigned(street, priya, tom)
    assignment = req.current_assignment
    grace = timedelta(hours=RequestPolicy.for_group(street).reminder_grace_hours)
    Assignment.objects.filter(pk=assignment.pk).update(reminded_at=assignment.due_by)
    real_release = services.release

    def tom_finishes_first(stale, *args, **kwargs):
        services.complete(stale, actor=tom)  # Tom taps "done" as the sweep reaches his task
        return real_release(stale, *args, **kwargs)

    monkeypatch.setattr(services, "release", tom_finishes_first)
    sweeps.tick(now=assignment.due_by + grace + timedelta(minutes=1))
    assert fresh(req).state == lifecycle.DONE


def test_the_sweep_never_releases_a_newer_assignment(street, priya, tom, ann, monkeypatch):
    """Regression: handed back and re-assigned under a running sweep, the NEW volunteer's task
    was released at once."""
    req = assigned(street, priya, tom)
    old = req.current_assignment
    grace = timedelta(hours=RequestPolicy.for_group(street).reminder_grace_hours)
    Assignment.objects.filter(pk=old.pk).update(reminded_at=old.due_by)
    real_release = services.release

    def reassigned_meanwhile(stale, *args, **kwargs):
        services.hand_back(stale, actor=tom, note="Cannot make it")
        services.assign(stale, ann, actor=priya, reason="Free tomorrow")
        return real_release(stale, *args, **kwargs)

    monkeypatch.setattr(services, "release", reassigned_meanwhile)
    try:
        sweeps.tick(now=old.due_by + grace + timedelta(minutes=1))
    finally:
        req = fresh(req)
        assert req.state == lifecycle.ASSIGNED
        assert req.current_assignment.volunteer == ann


def test_release_refuses_a_task_not_yet_past_its_grace(street, priya, tom):
    req = assigned(street, priya, tom)
    assignment = req.current_assignment
    grace = timedelta(hours=RequestPolicy.for_group(street).reminder_grace_hours)
    late = assignment.due_by + timedelta(minutes=1)
    same = _unchanged(req)
    assert services.release(req, assignment, now=late) is False  # not reminded yet
    Assignment.objects.filter(pk=assignment.pk).update(reminded_at=late)
    assert services.release(req, assignment, now=late + grace - timedelta(seconds=1)) is False
    same()
    assert services.release(req, assignment, now=late + grace) is True
    assert fresh(req).state == lifecycle.MATCHING
    assert services.release(req, assignment, now=late + grace) is False  # once only


def test_a_missed_check_up_goes_to_a_coordinator(check_up, street, mailoutbox,
                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.tick(now=check_up.due_at - timedelta(minutes=1))["check_ups_escalated"] == 0
        assert sweeps.tick(now=check_up.due_at + timedelta(minutes=1))["check_ups_escalated"] == 1
        assert sweeps.tick(now=check_up.due_at + timedelta(hours=2))["check_ups_escalated"] == 0
    check_up = fresh(check_up)
    assert check_up.escalated_at == check_up.due_at + timedelta(minutes=1)
    assert check_up.in_queue  # told, not dropped
    assert [m.to for m in mailoutbox] == [["priya@example.org"]]


def test_check_ins_are_booked_for_residents_who_want_them(street, mrs_ahmed, sam):
    now = timezone.now()
    assert sweeps.tick(now=now)["check_ins_booked"] == 0
    mrs_ahmed.check_in_days = 7
    mrs_ahmed.save(update_fields=["check_in_days"])
    assert sweeps.tick(now=now)["check_ins_booked"] == 1
    assert sweeps.tick(now=now + timedelta(hours=1))["check_ins_booked"] == 0  # one open at a time
    (first,) = Callback.objects.filter(kind=Callback.Kind.CHECK_IN)
    assert first.resident == mrs_ahmed and first.urgent
    _call(first, sam, result="all_well")
    # The next one is booked the day before it is due, a week after the last.
    assert sweeps.tick(now=first.not_before + timedelta(days=5))["check_ins_booked"] == 0
    assert sweeps.tick(now=first.not_before + timedelta(days=6, hours=1))["check_ins_booked"] == 1
    nxt = Callback.objects.filter(kind=Callback.Kind.CHECK_IN, outcome="").get()
    assert nxt.not_before == first.not_before + timedelta(days=7)


def test_the_sweep_on_an_empty_database_does_nothing(db):
    assert set(sweeps.tick().values()) == {0}


# --- regular help (series) ---------------------------------------------------------------------

def _series(street, mrs_ahmed, priya, *, volunteer=None, first_date=None):
    return series.start_series(
        street, resident=mrs_ahmed, service="shopping", cadence=Series.Cadence.WEEKLY,
        first_date=first_date or timezone.localdate() + timedelta(days=2), when="Mornings",
        details="Usual shop", volunteer=volunteer, actor=priya)


def test_the_next_visit_goes_to_the_series_volunteer(street, mrs_ahmed, priya, tom):
    regular = _series(street, mrs_ahmed, priya, volunteer=tom)
    first_date = regular.next_date
    assert series.make_due_occurrences() == 1
    req = HelpRequest.objects.get(series=regular)
    assert (req.channel, req.state, req.resident) == ("series", lifecycle.ASSIGNED, mrs_ahmed)
    assignment = req.current_assignment
    assert (assignment.volunteer, assignment.assigned_by) == (tom, None)
    assert timezone.localtime(assignment.due_by).date() == first_date
    assert actions(req) == ["created", "triage", "assign"]
    assert_replays(req)
    assert fresh(regular).next_date == first_date + timedelta(days=7)
    assert series.make_due_occurrences() == 0  # the next is more than a week off
    assert series.make_due_occurrences(now=timezone.now() + timedelta(days=7)) == 1


def test_a_series_without_a_volunteer_goes_to_matching_and_keeps_whoever_did_it(
        street, mrs_ahmed, priya, tom):
    regular = _series(street, mrs_ahmed, priya)
    series.make_due_occurrences()
    req = HelpRequest.objects.get(series=regular)
    assert req.state == lifecycle.MATCHING
    services.assign(req, tom, actor=priya, reason="Knows her")
    services.complete(req, actor=tom)
    assert fresh(regular).volunteer == tom


def test_a_series_volunteer_who_stopped_volunteering_is_not_sent_the_visit(
        street, mrs_ahmed, priya, tom):
    regular = _series(street, mrs_ahmed, priya, volunteer=tom)
    street.memberships.filter(person=tom).update(is_volunteer=False)
    series.make_due_occurrences()
    assert HelpRequest.objects.get(series=regular).state == lifecycle.MATCHING


def test_only_the_series_volunteer_may_complete_the_visit(street, mrs_ahmed, priya, tom, ann):
    _series(street, mrs_ahmed, priya, volunteer=tom)
    series.make_due_occurrences()
    req = HelpRequest.objects.get()
    with pytest.raises(NotAllowed):
        services.complete(req, actor=ann)
    assert fresh(req).state == lifecycle.ASSIGNED
    services.complete(req, actor=tom)
    assert fresh(req).state == lifecycle.DONE


def test_a_paused_series_makes_no_visits_and_resuming_skips_the_missed_ones(
        street, mrs_ahmed, priya):
    today = timezone.localdate()
    regular = _series(street, mrs_ahmed, priya, first_date=today + timedelta(days=1))
    series.change_series(regular, "pause", actor=priya, note="In hospital")
    assert series.make_due_occurrences() == 0
    with pytest.raises(IllegalMove):
        series.change_series(regular, "pause", actor=priya)
    # Three weeks pass while paused.
    missed = today - timedelta(days=20)
    Series.objects.filter(pk=regular.pk).update(next_date=missed)
    regular = series.change_series(regular, "resume", actor=priya)
    assert today <= regular.next_date < today + timedelta(days=7)
    assert (regular.next_date - missed).days % 7 == 0  # same weekday
    assert series.make_due_occurrences() == 1
    assert HelpRequest.objects.count() == 1  # not one per missed week


def test_an_ended_series_stays_ended(street, mrs_ahmed, priya):
    regular = _series(street, mrs_ahmed, priya)
    series.change_series(regular, "end", actor=priya)
    for action in ("resume", "pause", "end"):
        with pytest.raises(IllegalMove):
            series.change_series(regular, action, actor=priya)
    assert series.make_due_occurrences() == 0


def test_a_series_is_for_the_groups_own_residents(street, other_street, priya):
    from tests.factories import ResidentFactory

    elsewhere = ResidentFactory(group=other_street)
    with pytest.raises(IllegalMove):
        _series(street, elsewhere, priya)


def test_a_series_paused_while_the_sweep_runs_gets_no_visit(street, mrs_ahmed, priya, monkeypatch):
    """Regression: make_occurrence() did not re-check the series under its lock."""
    regular = _series(street, mrs_ahmed, priya)
    real = series.make_occurrence

    def paused_meanwhile(stale, *args, **kwargs):
        series.change_series(regular, "pause", actor=priya, note="Gone to her sister's")
        return real(stale, *args, **kwargs)

    monkeypatch.setattr(series, "make_occurrence", paused_meanwhile)
    series.make_due_occurrences()
    assert not HelpRequest.objects.exists()


def test_two_overlapping_sweeps_make_one_visit(street, mrs_ahmed, priya, monkeypatch):
    regular = _series(street, mrs_ahmed, priya)
    first_date = regular.next_date
    real = series.make_occurrence

    def other_sweep_first(stale, *args, **kwargs):
        real(stale, *args, **kwargs)  # the other sweep, a moment ahead with the same list
        return real(stale, *args, **kwargs)

    monkeypatch.setattr(series, "make_occurrence", other_sweep_first)
    series.make_due_occurrences()
    (req,) = HelpRequest.objects.all()
    assert timezone.localtime(req.needed_by).date() == first_date
    assert fresh(regular).next_date == first_date + timedelta(days=7)


# --- residents' status codes -------------------------------------------------------------------

@pytest.fixture
def code_for(street, django_capture_on_commit_callbacks):
    """send(contact) starts an attempt at Mrs A's request; returns (attempt, code or None)."""
    req = ask(street).request

    def send(contact=PHONE, reference=None):
        sms.outbox.clear()
        attempt = status.Attempt.start(reference or req.reference)
        with django_capture_on_commit_callbacks(execute=True):
            sent = status.send_code(attempt, contact)
        if not sent:
            return attempt, None
        (message,) = sms.outbox
        assert message.to == PHONE
        return attempt, re.search(r"\b(\d{6})\b", message.body).group(1)

    send.req = req
    yield send
    sms.outbox.clear()


def test_a_status_code_goes_only_to_the_residents_own_number(code_for):
    req = code_for.req
    assert code_for(OTHER_PHONE)[1] is None
    assert code_for("someone@example.org")[1] is None
    assert not StatusCode.objects.exists()
    attempt, code = code_for("07911 123456")
    assert code and StatusCode.objects.filter(request=req).count() == 1
    assert code not in StatusCode.objects.get().code_digest
    assert attempt.token not in StatusCode.objects.get().attempt_digest
    assert status.check_code(attempt, code) == req
    assert actions(req)[-1] == "status_checked"
    with pytest.raises(status.CodeProblem):  # used once
        status.check_code(attempt, code)


def test_an_unknown_reference_says_nothing_more(code_for):
    attempt, code = code_for(reference="AAA-AAA")
    assert code is None
    with pytest.raises(status.CodeProblem, match="not right. Check the six digits"):
        status.check_code(attempt, "123456")


def test_a_wrong_code_is_counted_and_too_many_lock_it(code_for):
    req = code_for.req
    attempt, code = code_for()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for tries in range(1, StatusCode.MAX_TRIES + 1):
        with pytest.raises(status.CodeProblem, match="not right"):
            status.check_code(attempt, wrong)
        assert StatusCode.objects.get().tries == tries == attempt.tries
    with pytest.raises(status.CodeProblem, match="run out"):
        status.check_code(attempt, code)  # even the right one, now
    assert "status_checked" not in actions(req)
    fresh_attempt, fresh_code = code_for()  # a new attempt starts again
    assert status.check_code(fresh_attempt, fresh_code) == req


def test_an_attempt_with_no_code_runs_out_after_as_many_tries(code_for):
    attempt, _ = code_for(OTHER_PHONE)
    for _try in range(StatusCode.MAX_TRIES):
        with pytest.raises(status.CodeProblem, match="not right"):
            status.check_code(attempt, "123456")
    with pytest.raises(status.CodeProblem, match="run out"):
        status.check_code(attempt, "123456")


def test_a_code_runs_out(code_for):
    attempt, code = code_for()
    StatusCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(status.CodeProblem):
        status.check_code(attempt, code)
    attempt.started -= StatusCode.LIFETIME.total_seconds() + 1
    with pytest.raises(status.CodeProblem, match="run out"):
        status.check_code(attempt, code)


def test_a_code_works_only_for_the_attempt_that_asked(code_for):
    req = code_for.req
    first_attempt, first = code_for()
    second_attempt, second = code_for()
    if first != second:  # one time in a million they are the same six digits
        with pytest.raises(status.CodeProblem):
            status.check_code(second_attempt, first)
    stranger, _ = code_for(OTHER_PHONE)
    with pytest.raises(status.CodeProblem):
        status.check_code(stranger, second)
    assert status.check_code(second_attempt, second) == req
    assert status.check_code(first_attempt, first) == req


# --- the paper trail as a whole ----------------------------------------------------------------

def test_every_move_on_a_long_path_has_its_event_and_audit_row(street, priya, sam, tom, ann):
    req = assigned(street, priya, tom)
    services.start(req, actor=tom)
    services.hand_back(req, actor=tom, note="Ill")
    services.transition(req, "hold", actor=sam, note="Resident away")
    services.transition(req, "resume", actor=sam)
    services.transition(req, "start_matching", actor=sam)
    services.assign(req, ann, actor=priya, reason="Free")
    services.unassign(req, actor=priya, note="Wrong person")
    services.assign(req, tom, actor=priya, reason="Better now")
    services.complete(req, actor=tom)
    services.transition(req, "close", actor=priya)
    req = fresh(req)
    assert req.state == lifecycle.CLOSED
    assert_replays(req)
    moves = [a for a in actions(req) if a in lifecycle.MOVES]
    assert [a.removeprefix("kith.request.") for a in audit_actions(req)
            if a.removeprefix("kith.request.") in lifecycle.MOVES] == moves
    assert RequestEvent.objects.filter(request=req).count() == len(history(req))
    assert Assignment.objects.filter(request=req, ended_at__isnull=True).count() == 0
