"""Hand-over safety (issue 11): when a volunteer's role ends or narrows, in the same transaction
their tasks go back to matching (a timeline line, an audit row, the coordinators emailed),
their open offers are withdrawn, their routes on runs not yet delivered are freed and flagged,
and every page that showed them a resident's details answers 404 at once, with no access row.

The ways out: removed by a coordinator, left, on a break, a check withdrawn (only what needs
that check goes back), excluded. Tom is cleared for every service (tests/requests/conftest).
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kith.core.models import AuditEvent, PersonalDataAccess
from kith.groups.models import Membership
from kith.groups.services import add_member, change_roles, remove_member
from kith.matching.models import Offer
from kith.requests import exclusions, moves, services
from kith.requests.handover import take_back_work
from kith.requests.intake import Contact, Need, take_request
from kith.requests.models import Assignment, HelpRequest, RequestEvent
from kith.runs import services as run_services
from kith.runs.models import Route, Run, Stop
from kith.volunteers import services as volunteer_services
from tests.conftest import _member
from tests.requests.conftest import approve_and_check, clear_to_help

pytestmark = pytest.mark.django_db

ADDRESS = "14 Golborne Road"
STOP_ADDRESS = "3 Test Street"


def _task(group, coordinator, volunteer, service="prescriptions", phone="07911 123456"):
    """A request taken by phone, triaged, and assigned to `volunteer` by hand."""
    req = take_request(group, channel="phone", triage=True, acting_user=coordinator,
                       contact=Contact(name="Mrs Ahmed", phone=phone, address=ADDRESS,
                                       postcode="W10 5NW"),
                       need=Need(service=service, details="Her repeat prescription")).request
    services.assign(req, volunteer, actor=coordinator, reason="Lives round the corner")
    req.refresh_from_db()
    return req


def _offered(group, coordinator, volunteer, service="prescriptions"):
    """A request offered to `volunteer` alone: the round has one open offer."""
    from django.db import transaction

    req = take_request(group, channel="phone", triage=True, acting_user=coordinator,
                       contact=Contact(name="Mr Reyes", phone="07911 654321",
                                       postcode="W10 5NW"),
                       need=Need(service=service)).request
    services.transition(req, "start_matching", actor=coordinator)
    with transaction.atomic():
        req = moves.locked(req)
        moves.make_move(req, "offer", actor=coordinator, note="Round 1: offered to Tom")
        HelpRequest.objects.filter(pk=req.pk).update(offer_rounds=1)
        offer = Offer.objects.create(request=req, volunteer=volunteer, distance_km=0.3,
                                     explanation="0.3 km", expires_at=timezone.now()
                                     + timedelta(hours=2))
    return offer


def _route(group, volunteer, state=Run.State.OUT, outcome=Stop.Outcome.PENDING):
    """Route 1 of a pharmacy run, with one stop, for `volunteer` (made directly)."""
    run = Run.objects.create(group=group, partner_name="Golborne Pharmacy",
                             pickup_name="Golborne Pharmacy", pickup_postcode="W10 5AA",
                             pickup_lat=51.5245, pickup_lon=-0.2107, state=state,
                             finished_at=timezone.now() if state == Run.State.FINISHED else None)
    route = Route.objects.create(run=run, volunteer=volunteer, position=1, length_m=400,
                                 minutes=9)
    Stop.objects.create(run=run, line=1, who="Edith", address=STOP_ADDRESS, postcode="W10 5NW",
                        postcode_sector="W10 5", route=route, position=1, outcome=outcome)
    return route


@pytest.fixture
def holding(street, priya, tom):
    """Tom holds a prescription task, an open offer of another, and route 1 of a run that is
    out: everything a volunteer can hold."""
    return {"task": _task(street, priya, tom), "offer": _offered(street, priya, tom),
            "route": _route(street, tom)}


def _membership(person, group) -> Membership:
    return Membership.objects.get(person=person, group=group)


# --- the ways out, each in one call


def _removed(tom, street, priya):
    remove_member(_membership(tom, street), acting_user=priya)


def _left(tom, street, priya):
    volunteer_services.leave(tom.volunteer, acting_user=tom)


def _paused(tom, street, priya):
    volunteer_services.take_break(tom.volunteer, acting_user=tom,
                                  until=timezone.localdate() + timedelta(days=14))


def _check_withdrawn(tom, street, priya):
    volunteer_services.record_vetting(_membership(tom, street), acting_user=priya,
                                      dbs_level="", dbs_date=None)


def _excluded(tom, street, priya):
    exclusions.exclude_volunteer(_membership(tom, street), reason="abuse", actor=priya)


WAYS_OUT = {"removed": _removed, "left": _left, "paused": _paused,
            "check withdrawn": _check_withdrawn, "excluded": _excluded}
WHY = {"removed": "Tom Brennan was removed from Golborne Road Neighbours.",
       "left": "Tom Brennan stopped volunteering with Golborne Road Neighbours.",
       "paused": "Tom Brennan is taking a break until",
       "check withdrawn": "Tom Brennan's checks in Golborne Road Neighbours changed: DBS check no "
                          "longer recorded.",
       "excluded": "Tom Brennan can no longer volunteer with Golborne Road Neighbours."}


def _pages(holding) -> dict[str, str]:
    return {
        "task": reverse("requests:task", args=[holding["task"].reference]),
        "route": reverse("runs:my_route", args=[holding["route"].pk]),
        "sheet": reverse("runs:my_sheet", args=[holding["route"].pk]),
        "offer": reverse("matching:offer", args=[holding["offer"].pk]),
    }


# --- the pages: 404 at once, no access row after


@pytest.mark.parametrize("way", sorted(WAYS_OUT))
def test_it_shuts_every_page_the_moment_the_role_ends(client, holding, street, priya, tom, way):
    client.force_login(tom)
    pages = _pages(holding)
    before = {name: client.get(url).status_code for name, url in pages.items()}
    assert before == dict.fromkeys(pages, 200)  # the control: all his, until now
    assert ADDRESS in client.get(pages["task"]).content.decode()
    looks = PersonalDataAccess.objects.count()

    WAYS_OUT[way](tom, street, priya)

    after = {name: client.get(url).status_code for name, url in pages.items()}
    assert after == dict.fromkeys(pages, 404)
    assert client.post(pages["task"], {"action": "complete"}).status_code == 404
    assert PersonalDataAccess.objects.count() == looks


@pytest.mark.parametrize("way", sorted(WAYS_OUT))
def test_it_takes_back_what_they_held_in_the_same_change(holding, street, priya, tom, way):
    WAYS_OUT[way](tom, street, priya)

    task, offer, route = holding["task"], holding["offer"], holding["route"]
    task.refresh_from_db()
    assert task.state == "matching"
    assert Assignment.objects.get(request=task).end == Assignment.End.STOOD_DOWN
    line = task.events.last()
    assert line.action == "take_back" and line.note.startswith(WHY[way])
    offer.refresh_from_db()
    assert offer.state == Offer.State.WITHDRAWN
    route.refresh_from_db()
    assert route.volunteer is None and route.vacated_why.startswith(WHY[way])


def test_it_writes_the_timeline_line_the_audit_rows_and_tells_the_coordinators(
        holding, street, priya, tom, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _removed(tom, street, priya)

    task = holding["task"]
    line = RequestEvent.objects.get(request=task, action="take_back")
    assert (line.from_state, line.to_state, line.actor) == ("assigned", "matching", priya)
    assert line.note == WHY["removed"]
    moved = AuditEvent.objects.get(action="kith.request.take_back")
    assert (moved.actor, moved.group, moved.new["reason"]) == (priya, street, WHY["removed"])
    withdrawn = AuditEvent.objects.get(action="kith.offer.withdrawn")
    assert withdrawn.actor == priya and withdrawn.new["volunteer"] == tom.pk
    vacated = AuditEvent.objects.get(action="kith.run.route_vacated")
    assert vacated.old == {"route": 1, "volunteer": tom.pk}
    assert vacated.new["why"] == WHY["removed"]
    told = [m for m in mailoutbox if task.reference in m.subject]
    assert [m.to for m in told] == [["priya@example.org"]]
    assert "was taken back from its volunteer: " + WHY["removed"] in told[0].body
    assert "0791" not in told[0].body and ADDRESS not in told[0].body


def test_it_widens_the_round_when_the_withdrawn_offer_was_the_last_open_one(holding, street,
                                                                         priya, tom):
    _paused(tom, street, priya)

    req = HelpRequest.objects.get(pk=holding["offer"].request_id)
    assert "offers_lapsed" in set(req.events.values_list("action", flat=True))
    assert req.state == "matching"


def test_it_takes_back_only_what_a_withdrawn_check_touches(street, priya, tom):
    prescriptions = _task(street, priya, tom, service="prescriptions")
    shopping = _task(street, priya, tom, service="shopping", phone="07911 222333")
    foodbank_route = _route(street, tom)
    foodbank_route.run.service = "foodbank"
    foodbank_route.run.save()

    _check_withdrawn(tom, street, priya)

    prescriptions.refresh_from_db()
    shopping.refresh_from_db()
    foodbank_route.refresh_from_db()
    assert prescriptions.state == "matching"
    assert shopping.state == "assigned" and shopping.current_assignment.volunteer == tom
    assert foodbank_route.volunteer == tom


def test_it_takes_everything_back_when_approval_is_withdrawn(holding, street, priya, tom):
    volunteer_services.withdraw_approval(_membership(tom, street), acting_user=priya)

    holding["task"].refresh_from_db()
    assert holding["task"].state == "matching"
    assert holding["task"].events.last().note == (
        "Tom Brennan's approval in Golborne Road Neighbours was withdrawn.")


def test_it_takes_back_work_when_the_group_starts_asking_for_a_check_they_lack(street, priya,
                                                                             tom):
    shopping = _task(street, priya, tom, service="shopping")
    volunteer_services.record_vetting(_membership(tom, street), acting_user=priya,
                                      safeguarding_at=None)
    shopping.refresh_from_db()
    assert shopping.state == "assigned"  # shopping needed no safeguarding training, yet

    volunteer_services.update_policy(street, acting_user=priya, requirements={
        "shopping": ["safeguarding"], "prescriptions": ["id", "references", "dbs"]})

    shopping.refresh_from_db()
    assert shopping.state == "matching"
    assert "now asks for checks Tom Brennan doesn't have" in shopping.events.last().note


def test_it_takes_back_work_when_the_volunteer_role_alone_is_dropped(holding, street, priya,
                                                                    tom):
    membership = _membership(tom, street)
    change_roles(membership, roles={"call_handler"}, acting_user=priya)

    holding["task"].refresh_from_db()
    assert holding["task"].state == "matching"
    assert holding["task"].events.last().note == (
        "Tom Brennan is no longer a volunteer in Golborne Road Neighbours.")


def test_it_leaves_work_in_other_groups_alone(street, other_street, priya, tom, nadia):
    add_member(other_street, tom, roles={"volunteer"}, acting_user=nadia)
    approve_and_check(tom, other_street, coordinator=nadia)
    theirs = _task(other_street, nadia, tom, service="shopping", phone="07911 444555")
    ours = _task(street, priya, tom, service="shopping")

    _removed(tom, street, priya)

    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.state == "matching"
    assert theirs.state == "assigned" and theirs.current_assignment.volunteer == tom


def test_it_keeps_a_task_when_only_the_consent_wording_changed(client, street, priya, tom):
    """New wording is confirmed at the next visit; it takes nothing already held away."""
    task = _task(street, priya, tom, service="shopping")
    type(tom.volunteer).objects.filter(pk=tom.volunteer.pk).update(reconfirm_consent=True)
    assert not take_back_work(tom, street, why="Just looking.", acting_user=priya)
    client.force_login(tom)
    assert client.get(reverse("requests:task", args=[task.reference])).status_code == 200


def test_it_changes_nothing_if_any_part_fails(holding, street, priya, tom):
    """One transaction: the role change and every take-back land together or not at all."""
    with (mock.patch("kith.runs.services.vacate_route", side_effect=RuntimeError("disk full")),
          pytest.raises(RuntimeError)):
        _removed(tom, street, priya)

    assert Membership.objects.filter(person=tom, group=street, is_volunteer=True).exists()
    holding["task"].refresh_from_db()
    assert holding["task"].state == "assigned"
    assert Offer.objects.get(pk=holding["offer"].pk).state == Offer.State.OPEN
    assert not AuditEvent.objects.filter(action="kith.group.member_removed").exists()


def test_it_shuts_the_pages_even_when_a_path_forgets_to_take_the_work_back(client, holding,
                                                                          street, tom):
    """Defence in depth: the membership vanishes without any service (a bulk delete, a
    future path that forgets). The work is still recorded as his, yet every page is 404."""
    Membership.objects.filter(person=tom, group=street).delete()
    client.force_login(tom)
    looks = PersonalDataAccess.objects.count()
    assert {name: client.get(url).status_code for name, url in _pages(holding).items()} == {
        "task": 404, "route": 404, "sheet": 404, "offer": 404}
    assert Assignment.objects.get(request=holding["task"]).ended_at is None
    assert PersonalDataAccess.objects.count() == looks


def test_it_ends_the_day_after_grant_of_a_done_task_too(client, street, priya, tom):
    """Done yesterday evening, so the address would stay open a day; removed since: gone."""
    task = _task(street, priya, tom, service="shopping")
    services.complete(task, actor=tom)
    Assignment.objects.filter(request=task).update(ended_at=timezone.now() - timedelta(hours=20))
    url = reverse("requests:task", args=[task.reference])
    client.force_login(tom)
    assert ADDRESS in client.get(url).content.decode()

    _removed(tom, street, priya)

    assert client.get(url).status_code == 404
    task.refresh_from_db()
    assert task.state == "done"  # the work was done: it stays done, only the grant ends


# --- runs: freed and flagged, history kept


def test_it_flags_a_freed_route_on_the_run_and_waits_for_a_swap_before_sending_out(
        client, street, priya, tom, ann_cleared):
    route = _route(street, tom, state=Run.State.SPLIT)
    _paused(tom, street, priya)
    route.refresh_from_db()
    assert route.is_vacant

    client.force_login(priya)
    page = client.get(reverse("runs:detail", args=[street.slug, route.run_id])).content.decode()
    assert "Needs a volunteer" in page and "Tom Brennan is taking a break until" in page
    listed = client.get(reverse("runs:list", args=[street.slug])).content.decode()
    assert "1 route needs a volunteer" in listed
    with pytest.raises(run_services.RunError, match="Route 1 has nobody on it since Tom"):
        run_services.send_out(route.run, acting_user=priya)

    run_services.swap_volunteer(route, ann_cleared, acting_user=priya)
    route.refresh_from_db()
    assert (route.volunteer, route.vacated_at, route.vacated_why) == (ann_cleared, None, "")
    run_services.send_out(route.run, acting_user=priya)


def test_it_keeps_delivered_routes_and_finished_runs_as_history(street, priya, tom):
    finished = _route(street, tom, state=Run.State.FINISHED, outcome=Stop.Outcome.DELIVERED)
    delivered = _route(street, tom, state=Run.State.OUT, outcome=Stop.Outcome.DELIVERED)

    _removed(tom, street, priya)

    assert Route.objects.get(pk=finished.pk).volunteer == tom
    assert Route.objects.get(pk=delivered.pk).volunteer == tom
    assert not AuditEvent.objects.filter(action="kith.run.route_vacated").exists()


# --- exclusion: out, and not back in while it stands


def test_it_excludes_a_volunteer_from_the_group_and_every_group_below(street, ward, priya, tom):
    add_member(ward, tom, roles={"volunteer"}, acting_user=priya)
    exclusion = exclusions.exclude_volunteer(_membership(tom, ward), reason="abuse",
                                             actor=priya, note="Shouted at a resident")

    assert exclusion.person == tom and exclusion.identity_digest
    assert not Membership.objects.filter(person=tom).exists()
    added = AuditEvent.objects.get(action="kith.exclusion.added")
    assert added.new == {"reason": "abuse", "volunteer": tom.pk, "note": "***"}
    with pytest.raises(ValidationError, match="exclusion list"):
        add_member(street, tom, roles={"volunteer"}, acting_user=priya)

    exclusions.lift_exclusion(exclusion, actor=priya, note="Spoke with him; apology accepted")
    add_member(street, tom, roles={"volunteer"}, acting_user=priya)


def test_it_asks_before_excluding_from_the_volunteers_page(client, street, priya, tom, holding):
    membership = _membership(tom, street)
    client.force_login(priya)
    detail = client.get(reverse("volunteers:detail", args=[street.slug, membership.pk]))
    confirm = f"{reverse('requests:exclusions', args=[street.slug])}?volunteer={membership.pk}"
    assert confirm in detail.content.decode()
    assert "Exclude Tom Brennan?" in client.get(confirm).content.decode()

    missing = client.post(confirm.split("?")[0], {"volunteer": membership.pk, "note": "Rude"})
    assert missing.status_code == 400 and "Rude</textarea>" in missing.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()

    done = client.post(confirm.split("?")[0], {"volunteer": membership.pk, "reason": "abuse"})
    assert done.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    holding["task"].refresh_from_db()
    assert holding["task"].state == "matching"


def test_it_answers_404_for_a_member_of_another_group(client, street, other_street, priya,
                                                      nadia):
    theirs = _membership(nadia, other_street)
    client.force_login(priya)
    url = reverse("requests:exclusions", args=[street.slug])
    assert client.get(f"{url}?volunteer={theirs.pk}").status_code == 404
    assert client.post(url, {"volunteer": theirs.pk, "reason": "abuse"}).status_code == 404
    assert client.get(f"{url}?volunteer=x").status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()


@pytest.fixture
def ann_cleared(street, priya):
    return clear_to_help(_member(street, "ann@example.org", "Ann Lee", volunteer=True), street,
                         coordinator=priya)


# --- the sweep: what a race or a forgetful path leaves behind


def test_it_has_the_sweep_take_back_work_stranded_by_a_path_that_forgot(holding, street, tom):
    from kith.requests import sweeps

    Membership.objects.filter(person=tom, group=street).delete()  # no service, no take-back
    assert sweeps.tick()["stranded_work_taken_back"] == 1

    holding["task"].refresh_from_db()
    assert holding["task"].state == "matching"
    line = holding["task"].events.get(action="take_back")
    assert line.actor is None  # Kith itself
    assert line.note == "Tom Brennan no longer stands in the role this needs in Golborne Road " \
                        "Neighbours."
    assert Offer.objects.get(pk=holding["offer"].pk).state == Offer.State.WITHDRAWN
    assert Route.objects.get(pk=holding["route"].pk).is_vacant
    assert sweeps.tick()["stranded_work_taken_back"] == 0  # idempotent


def test_it_has_the_sweep_leave_work_alone_while_the_role_stands(holding):
    from kith.requests import sweeps

    assert sweeps.tick()["stranded_work_taken_back"] == 0
    holding["task"].refresh_from_db()
    assert holding["task"].state == "assigned"


def test_a_removed_volunteer_is_no_longer_anyones_regular(street, priya, tom, mrs_ahmed):
    """Regular help named Tom as its regular volunteer; once he is removed it names nobody
    (its next visit would go straight back to him), audited and on the open visit's timeline."""
    from kith.requests.models import Series
    from kith.requests.series import make_occurrence, start_series

    series = start_series(street, resident=mrs_ahmed, service="shopping", cadence="weekly",
                          first_date=timezone.localdate(), volunteer=tom, actor=priya)
    visit = make_occurrence(series)
    _removed(tom, street, priya)
    assert Series.objects.get(pk=series.pk).volunteer is None
    row = AuditEvent.objects.get(action="kith.series.volunteer_cleared")
    assert row.old == {"volunteer": tom.pk} and row.actor == priya
    if visit is not None:
        assert RequestEvent.objects.filter(request=visit, action="regular_cleared").exists()
