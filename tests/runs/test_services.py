"""Runs' services: pasting stops, splitting into routes, swapping, sending out, outcomes."""

from __future__ import annotations

from collections import Counter
from unittest import mock

import pytest
from django.core import mail
from django.db import connection

from kith.core.fields import Sealed
from kith.core.models import AuditEvent
from kith.runs import services
from kith.runs.models import Route, Run, Stop
from tests.runs.conftest import POSTCODES, UNKNOWN, cleared, lines

pytestmark = pytest.mark.django_db


def _actions(run):
    return list(AuditEvent.objects.filter(object_type="runs.run", object_id=str(run.pk))
                .order_by("id").values_list("action", flat=True))


# --- reading pasted lines (pure)


def test_it_reads_names_addresses_postcodes_and_notes():
    read = services.read_lines("Ann, Flat 2, 14 High St, w10 5aa, ring twice, then wait\n\n"
                               "Bob\t3 Oak Road\tW10 6AA")
    assert read.errors == []
    assert [(s.number, s.who, s.address, s.postcode, s.note) for s in read.stops] == [
        (1, "Ann", "Flat 2, 14 High St", "W10 5AA", "ring twice, then wait"),
        (3, "Bob", "3 Oak Road", "W10 6AA", "")]


@pytest.mark.parametrize("line, says", [
    ("Cat", "Line 1 needs a name, an address and a postcode"),
    (", 3 Oak Road, W10 5AA", "Line 1 has no name"),
    ("Dan, W10 5AA, knock", "Line 1 has no address before the postcode"),
    ("Bob, 3 Oak Road, W1O 5NW", "Did you mean W10 5NW?"),
    ("Eve, 1 Road, 12345", "Line 1: “12345” looks like a US ZIP code"),
    ("Fay, 2 Road,", "Line 1: the postcode is missing"),
    ("Gus, " + "x" * 600 + ", W10 5AA", "Line 1 is too long"),
])
def test_it_says_exactly_which_line_is_wrong(line, says):
    read = services.read_lines(line)
    assert read.stops == [] and len(read.errors) == 1
    assert says in read.errors[0]


# --- creating a run and its stops


def test_it_creates_a_run_with_its_pickup_placed(run, street):
    assert (run.state, run.service, run.pickup_postcode) == ("draft", "prescriptions", "W10 5AA")
    assert run.pickup_lat == pytest.approx(51.52, abs=0.02)
    assert _actions(run) == ["kith.run.created"]


def test_it_refuses_a_pickup_it_cannot_place(street, priya):
    with pytest.raises(services.RunError, match="can't find"):
        services.create_run(street, acting_user=priya, kind="foodbank", partner_name="X",
                            pickup_name="X", pickup_postcode=UNKNOWN)
    assert not Run.objects.exists()


def test_it_lets_only_coordinators_make_runs(street, sam, nadia):
    for person in (sam, nadia):
        with pytest.raises(services.NotAllowed):
            services.create_run(street, acting_user=person, kind="pharmacy", partner_name="X",
                                pickup_name="X", pickup_postcode="W10 5AA")


def test_it_seals_every_stop_and_keeps_only_the_sector_plain(full_run):
    stops = list(full_run.stops.all())
    assert len(stops) == 20 and [s.line for s in stops] == list(range(1, 21))
    assert all(isinstance(getattr(s, f), Sealed) for s in stops for f in ("who", "address",
                                                                             "postcode"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT who, address, postcode, note, postcode_sector FROM runs_stop")
        rows = cursor.fetchall()
    # Whole postcodes, with their space: a ciphertext can hold "W10" by chance, never a space.
    assert not any("Test Street" in r[1] or r[2] in POSTCODES or " " in r[2]
                   or r[0].startswith("Edith") for r in rows)
    assert {r[4] for r in rows} == {"W10 5", "W10 6", "W11 1"}
    event = AuditEvent.objects.get(action="kith.run.stops_added")
    assert event.new["count"] == 20 and event.new["unplaced"] == 0


def test_it_adds_no_stop_when_any_line_is_wrong(run, priya):
    read = services.add_stops(run, lines(POSTCODES[:3]) + "\nBad line", acting_user=priya)
    assert read.errors == ["Line 4 needs a name, an address and a postcode, separated by "
                           "commas."]
    assert run.stops.count() == 0 and "kith.run.stops_added" not in _actions(run)


def test_it_marks_unknown_postcodes_when_they_are_pasted(run, priya):
    services.add_stops(run, lines(POSTCODES[:2] + [UNKNOWN]), acting_user=priya)
    bad = run.stops.get(line=3)
    assert bad.problem and UNKNOWN not in bad.problem and not bad.placed


# --- splitting


def _routes(run):
    return {r.pk: list(r.stops.order_by("position").values_list("pk", flat=True))
            for r in run.routes.all()}


def test_it_routes_every_stop_exactly_once(split_run, priya, volunteers):
    routes = _routes(split_run)
    visited = [pk for ids in routes.values() for pk in ids]
    assert sorted(visited) == sorted(split_run.stops.values_list("pk", flat=True))
    assert len(visited) == len(set(visited)) == 20
    assert split_run.state == "split" and split_run.solver
    assert len(routes) == 3 and all(1 <= len(ids) <= 8 for ids in routes.values())
    for route in split_run.routes.all():
        assert route.volunteer in volunteers and route.length_m > 0 and route.minutes > 0
        positions = list(route.stops.order_by("position").values_list("position", flat=True))
        assert positions == list(range(1, len(positions) + 1))
    assert split_run.total_m == sum(r.length_m for r in split_run.routes.all())
    assert _actions(split_run)[-1] == "kith.run.split"


def test_it_lists_unplaceable_stops_and_routes_the_rest(full_run, priya, volunteers):
    services.add_stops(full_run, lines([UNKNOWN], start=5), acting_user=priya)
    result = services.split(full_run, acting_user=priya, seconds=1)
    assert [s.line for s in result.unplaced] == [21] and result.routed == 20
    assert full_run.stops.get(line=21).route is None
    assert full_run.stops.filter(route__isnull=False).count() == 20
    event = AuditEvent.objects.filter(action="kith.run.split").last()
    assert event.new["unplaced"] == 1 and event.new["routed"] == 20


def test_it_keeps_to_the_stop_limit(full_run, priya, volunteers):
    services.split(full_run, acting_user=priya, team_size=4, max_stops=5, limits_given=True,
                   seconds=1)
    full_run.refresh_from_db()
    counts = [r.stops.count() for r in full_run.routes.all()]
    assert sorted(counts) == [5, 5, 5, 5]
    assert (full_run.team_size, full_run.max_stops) == (4, 5)


def test_it_refuses_limits_that_cannot_be_met_and_changes_nothing(split_run, priya):
    before = _routes(split_run)
    with pytest.raises(services.RunError):
        services.split(split_run, acting_user=priya, team_size=2, max_stops=3,
                       limits_given=True, seconds=1)
    split_run.refresh_from_db()
    assert _routes(split_run) == before and split_run.max_stops == 8


def test_it_splits_again_replacing_the_proposal(split_run, priya):
    services.split(split_run, acting_user=priya, team_size=2, max_stops=10, limits_given=True,
                   seconds=1)
    split_run.refresh_from_db()
    assert split_run.routes.count() == 2 and Route.objects.count() == 2
    assert split_run.stops.filter(route__isnull=True).count() == 0


def test_it_gives_prescription_runs_only_to_vetted_volunteers(full_run, priya, kasia_unchecked,
                                                               volunteers):
    services.split(full_run, acting_user=priya, team_size=5, max_stops=8, limits_given=True,
                   seconds=1)
    assert kasia_unchecked.pk not in set(full_run.routes.values_list("volunteer_id", flat=True))


def test_it_double_checks_matching_with_can_take(full_run, priya, volunteers):
    with mock.patch("kith.runs.services._cleared", side_effect=lambda p, r: p != volunteers[0]):
        services.split(full_run, acting_user=priya, team_size=4, limits_given=True,
                       max_stops=8, seconds=1)
    assert volunteers[0].pk not in set(full_run.routes.values_list("volunteer_id", flat=True))


def test_it_says_why_nobody_can_take_the_run(full_run, priya, kasia_unchecked):
    with pytest.raises(services.RunError, match="(?i)cleared|nobody"):
        services.split(full_run, acting_user=priya, seconds=1)
    full_run.refresh_from_db()
    assert full_run.state == "draft" and not full_run.routes.exists()


def test_it_sends_a_split_run_back_to_draft_when_stops_change(split_run, priya):
    services.add_stops(split_run, lines(POSTCODES[:1]), acting_user=priya)
    split_run.refresh_from_db()
    assert split_run.state == "draft" and not split_run.routes.exists()
    services.remove_stop(split_run.stops.get(line=21), acting_user=priya)
    assert split_run.stops.count() == 20


# --- swapping and sending out


def test_it_swaps_in_only_cleared_volunteers(split_run, priya, volunteers, kasia_unchecked):
    route = split_run.routes.first()
    spare = next(v for v in volunteers
                 if not split_run.routes.filter(volunteer=v).exists())
    assert spare.pk in {c.volunteer.id for c in services.swap_candidates(route)}
    with pytest.raises(services.RunError, match="isn't cleared"):
        services.swap_volunteer(route, kasia_unchecked, acting_user=priya)
    other = split_run.routes.exclude(pk=route.pk).first()
    with pytest.raises(services.RunError, match="already have a route"):
        services.swap_volunteer(route, other.volunteer, acting_user=priya)
    services.swap_volunteer(route, spare, acting_user=priya)
    route.refresh_from_db()
    assert route.volunteer == spare
    assert _actions(split_run)[-1] == "kith.run.volunteer_swapped"


def test_it_sends_out_and_emails_each_volunteer(split_run, priya, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.send_out(split_run, acting_user=priya)
    split_run.refresh_from_db()
    assert split_run.state == "out" and split_run.sent_at
    holders = {r.volunteer.email for r in split_run.routes.select_related("volunteer")}
    assert {m.to[0] for m in mail.outbox} == holders
    assert all("/volunteer/routes/" in m.body and "Test Street" not in m.body
               for m in mail.outbox)


def test_it_sends_nothing_when_send_out_is_refused(split_run, priya, volunteers,
                                                   django_capture_on_commit_callbacks):
    holder = split_run.routes.first().volunteer
    with mock.patch("kith.runs.services._cleared", side_effect=lambda p, r: p != holder), \
            django_capture_on_commit_callbacks(execute=True), \
            pytest.raises(services.RunError, match="Swap them first"):
        services.send_out(split_run, acting_user=priya)
    split_run.refresh_from_db()
    assert split_run.state == "split" and mail.outbox == []


# --- on the day


def test_it_lets_the_routes_volunteer_or_a_coordinator_record_outcomes(out_run, priya, sam,
                                                                       volunteers):
    route = out_run.routes.first()
    stop = route.stops.order_by("position").first()
    stranger = next(v for v in volunteers if v != route.volunteer)
    for person in (stranger, sam):
        with pytest.raises(services.NotAllowed):
            services.record_outcome(stop, "delivered", acting_user=person)
    services.record_outcome(stop, "not_home", acting_user=route.volunteer)
    services.record_outcome(stop, "delivered", acting_user=priya)
    stop.refresh_from_db()
    assert (stop.outcome, stop.outcome_by) == ("delivered", priya)
    assert AuditEvent.objects.filter(action="kith.run.stop_outcome").count() == 2


def test_it_refuses_outcomes_before_send_out(split_run, priya):
    stop = split_run.stops.filter(route__isnull=False).first()
    with pytest.raises(services.RunError, match="routes proposed"):
        services.record_outcome(stop, "delivered", acting_user=priya)


def test_it_finishes_when_the_last_stop_has_an_outcome(out_run, priya):
    with pytest.raises(services.RunError, match="20 stops still have no outcome"):
        services.finish(out_run, acting_user=priya)
    outcomes = ["delivered", "not_home", "returned"]
    for n, stop in enumerate(out_run.stops.select_related("route")):
        services.record_outcome(stop, outcomes[n % 3], acting_user=stop.route.volunteer)
    out_run.refresh_from_db()
    assert out_run.state == "finished" and out_run.finished_at
    event = AuditEvent.objects.get(action="kith.run.finished")
    assert event.new["delivered"] == 7 and event.new["by_last_outcome"] is True
    assert Counter(out_run.stops.values_list("outcome", flat=True))["pending"] == 0


def test_it_rolls_back_the_outcome_with_its_audit_row(out_run, priya):
    stop = out_run.stops.first()
    with mock.patch("kith.runs.services.log_action", side_effect=RuntimeError("disk full")), \
            pytest.raises(RuntimeError):
        services.record_outcome(stop, "delivered", acting_user=priya)
    stop.refresh_from_db()
    assert stop.outcome == Stop.Outcome.PENDING


def test_it_opens_addresses_to_volunteers_only_until_a_day_after(out_run, priya):
    from datetime import timedelta

    from django.utils import timezone

    assert out_run.addresses_open()
    out_run.state, out_run.finished_at = "finished", timezone.now()
    assert out_run.addresses_open()
    assert not out_run.addresses_open(timezone.now() + timedelta(hours=25))
    split = Run(state="split")
    assert not split.addresses_open()


def test_it_lets_a_new_volunteer_take_over_after_send_out(out_run, priya, volunteers,
                                                          django_capture_on_commit_callbacks):
    route = out_run.routes.first()
    spare = next(v for v in volunteers if not out_run.routes.filter(volunteer=v).exists())
    with django_capture_on_commit_callbacks(execute=True):
        services.swap_volunteer(route, spare, acting_user=priya)
    assert [m.to[0] for m in mail.outbox] == [spare.email]


def test_demo_like_volunteer_is_placed(volunteers):
    # A sanity check on the fixture: every volunteer can take prescriptions.
    from kith.volunteers.policy import can_take

    assert all(can_take(v, v.memberships.first().group, "prescriptions") for v in volunteers)


def test_cleared_helper_is_reusable(street, priya):
    from tests.factories import PersonFactory

    person = PersonFactory(email="z@example.org")
    from tests.factories import MembershipFactory

    MembershipFactory(person=person, group=street, is_volunteer=True)
    cleared(person, street, priya, "W10 6AA")
    from kith.volunteers.policy import can_take

    assert can_take(person, street, "prescriptions")
