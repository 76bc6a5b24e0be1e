"""Every change to a run: create it, paste its stops, split it into routes, swap a volunteer,
send it out, record each stop's outcome, finish it. One transaction each, with its audit row.

Callers pass the signed-in person as `acting_user`; the permission is checked here, not only
in the view. Coordinators (`runs.manage`) may do everything; the volunteer holding a route may
record its stops' outcomes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core.audit import log_action
from kith.core.formfields import hidden_character_message
from kith.core.text import hidden_characters
from kith.places.geo import LatLon
from kith.places.postcodes import PostcodeError, parse
from kith.runs.models import Route, Run, Stop

MAX_STOPS_PER_RUN = 200
MAX_LINE_LENGTH = 500


class RunError(ValueError):
    """The change cannot be made; the message says why, for a coordinator."""


class NotAllowed(PermissionDenied):
    """This person may not do that; the message says why."""


def _may_manage(person, group) -> bool:
    from kith.groups.access import has_permission

    return has_permission(person, group, "runs.manage")


def _require_manager(person, group) -> None:
    if person is not None and not _may_manage(person, group):
        raise NotAllowed("Only the group's coordinators can change a run.")


def _locked(run: Run) -> Run:
    return Run.objects.select_for_update(of=("self",)).select_related("group").get(pk=run.pk)


def _require_state(run: Run, *states: str, doing: str) -> None:
    if run.state not in states:
        raise RunError(f"You can't {doing} now: this run is {run.get_state_display().lower()}.")


# --- creating a run and its stops


def pickup_point(postcode: str) -> LatLon:
    """Where the pickup is, or RunError saying what is wrong with its postcode."""
    from kith.directory.geocoding import place_for

    try:
        place = place_for(postcode)
    except PostcodeError as exc:
        raise RunError(str(exc)) from None
    if place.precision == "district" or place.sector is None:
        raise RunError("Give the pickup's full postcode, so routes start from the right place.")
    if place.precision != "postcode":
        raise RunError(f"We can't find {place.label}. Check it with the partner: routes need "
                       "to start from the right place.")
    return place.point


@transaction.atomic
def create_run(group, *, acting_user, kind: str, partner_name: str, pickup_name: str,
               pickup_postcode: str, date=None, team_size: int = 3, max_stops: int | None = 8,
               max_minutes: int | None = None) -> Run:
    """A new run in draft (coordinators). The pickup's postcode must be placeable."""
    _require_manager(acting_user, group)
    point = pickup_point(pickup_postcode)
    run = Run.objects.create(
        group=group, kind=kind, service=Run.SERVICE_FOR_KIND.get(kind, "prescriptions"),
        partner_name=partner_name.strip(), pickup_name=pickup_name.strip(),
        pickup_postcode=parse(pickup_postcode).text, pickup_lat=point.lat, pickup_lon=point.lon,
        date=date or timezone.localdate(), team_size=team_size, max_stops=max_stops,
        max_minutes=max_minutes, created_by=acting_user if _person(acting_user) else None)
    log_action("kith.run.created", actor=acting_user, group=group, obj=run,
               new={"kind": kind, "partner": run.partner_name, "pickup": run.pickup_name,
                    "team_size": team_size, "max_stops": max_stops, "max_minutes": max_minutes})
    return run


def _person(person) -> bool:
    return getattr(person, "is_authenticated", False)


@dataclass(frozen=True)
class StopLine:
    """One pasted line, read: 'name, address, postcode[, note]'."""

    number: int
    who: str
    address: str
    postcode: str
    note: str = ""


@dataclass
class ReadLines:
    stops: list[StopLine] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "Line 4: ..." one for each bad line


def read_lines(text: str) -> ReadLines:
    """Pure: each non-blank line is a stop, or an error naming the line and what is wrong.

    The postcode is the first part after the name that reads as a UK postcode, so an address
    with commas in it ('Flat 2, 14 High Street') still works; everything after it is the note.
    """
    out = ReadLines()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if len(line) > MAX_LINE_LENGTH:
            out.errors.append(f"Line {number} is too long (keep each stop under "
                              f"{MAX_LINE_LENGTH} characters).")
            continue
        parts = [part.strip() for part in line.replace("\t", ",").split(",")]
        if len(parts) < 3:
            out.errors.append(f"Line {number} needs a name, an address and a postcode, "
                              "separated by commas.")
            continue
        who = parts[0]
        at = next((i for i in range(1, len(parts)) if _is_postcode(parts[i])), None)
        if not who:
            out.errors.append(f"Line {number} has no name before the first comma.")
        elif hidden_characters(who):
            out.errors.append(f"Line {number}: {hidden_character_message(who)}")
        elif at is None:
            out.errors.append(f"Line {number}: {_postcode_problem(_likely_postcode(parts))}")
        elif not ", ".join(p for p in parts[1:at] if p):
            out.errors.append(f"Line {number} has no address before the postcode.")
        else:
            out.stops.append(StopLine(number, who[:120], ", ".join(p for p in parts[1:at] if p),
                                      parse(parts[at]).text,
                                      ", ".join(p for p in parts[at + 1:] if p)[:300]))
    return out


def _is_postcode(text: str) -> bool:
    try:
        parse(text)
    except PostcodeError:
        return False
    return True


def _likely_postcode(parts: list[str]) -> str:
    """The part that was probably meant as the postcode, to say what is wrong with it."""
    from kith.places.postcodes import looks_like_postcode

    shaped = [p for p in parts[2:] if looks_like_postcode(p)]
    return shaped[-1] if shaped else parts[-1] if len(parts) == 3 else ""


def _postcode_problem(text: str) -> str:
    if not text:
        return "the postcode is missing (name, address, postcode)."
    try:
        parse(text)
    except PostcodeError as exc:
        return str(exc)
    return "the postcode is missing."


def where(postcode: str) -> tuple[LatLon | None, str]:
    """A stop's point, or None and why not, in words that never repeat the postcode."""
    from kith.directory.geocoding import postcode_index

    location = postcode_index().locate(parse(postcode))
    if location is None or location.precision != "postcode":
        return None, "Kith's map doesn't know this postcode. It may be new, or mistyped."
    return location.latlon, ""


@transaction.atomic
def add_stops(run: Run, text: str, *, acting_user) -> ReadLines:
    """Paste stops into a draft or split run (coordinators). All lines or none: if any line is
    wrong nothing is added and the errors name every wrong line. A split run goes back to
    draft, since its routes no longer cover every stop."""
    _require_manager(acting_user, run.group)
    run = _locked(run)
    _require_state(run, Run.State.DRAFT, Run.State.SPLIT, doing="add stops")
    read = read_lines(text)
    if not read.stops and not read.errors:
        read.errors.append("Paste at least one stop: a name, an address and a postcode.")
    have = run.stops.count()
    if have + len(read.stops) > MAX_STOPS_PER_RUN:
        read.errors.append(f"A run can have up to {MAX_STOPS_PER_RUN} stops; this would make "
                           f"{have + len(read.stops)}. Split it into two runs.")
    if read.errors:
        return read
    start = (run.stops.order_by("-line").values_list("line", flat=True).first() or 0) + 1
    made = []
    for offset, line in enumerate(read.stops):
        point, problem = where(line.postcode)
        made.append(Stop(run=run, line=start + offset, who=line.who, address=line.address,
                         postcode=line.postcode, note=line.note or None,
                         postcode_sector=parse(line.postcode).sector, problem=problem))
    Stop.objects.bulk_create(made)
    if run.state == Run.State.SPLIT:
        _unsplit(run)
    log_action("kith.run.stops_added", actor=acting_user, group=run.group, obj=run,
               new={"count": len(made), "unplaced": sum(1 for s in made if s.problem),
                    "lines": [s.line for s in made]})
    return read


@transaction.atomic
def remove_stop(stop: Stop, *, acting_user) -> None:
    """Take one stop off a run before it goes out (coordinators)."""
    run = _locked(stop.run)
    _require_manager(acting_user, run.group)
    _require_state(run, Run.State.DRAFT, Run.State.SPLIT, doing="remove a stop")
    line = stop.line
    stop.delete()
    if run.state == Run.State.SPLIT:
        _unsplit(run)
    log_action("kith.run.stop_removed", actor=acting_user, group=run.group, obj=run,
               new={"line": line})


def _unsplit(run: Run) -> None:
    run.stops.update(route=None, position=None)
    run.routes.all().delete()
    run.state, run.split_at, run.solver, run.total_m = Run.State.DRAFT, None, "", None
    run.save(update_fields=["state", "split_at", "solver", "total_m"])


# --- splitting into routes


def _stop_points(stops) -> dict[int, LatLon]:
    """Each placeable stop's point, for the solver.

    The one place runs open sealed postcodes without reveal(): to compute distances, inside
    this service. Nothing opened here is shown, returned or logged; people see addresses only
    through reveal() on the run's and the route's pages.
    """
    points = {}
    for stop in stops:
        point, problem = where(stop.postcode._open())
        if problem != stop.problem:
            stop.problem = problem
            stop.save(update_fields=["problem"])
        if point is not None:
            points[stop.pk] = point
    return points


def team_for(run: Run, *, k: int, exclude=()) -> tuple[list, str]:
    """The k best volunteers for this run's service near its pickup, by matching's rules, and
    a sentence when there is nobody. Each is checked again with can_take (prescriptions: only
    volunteers the group has vetted for them)."""
    from kith.groups.catalogue import SERVICE_LABELS
    from kith.matching.adapter import rank_for

    ranking = rank_for(run.group, run.service, _pickup(run), k=k, exclude=tuple(exclude))
    people = _people({c.volunteer.id for c in ranking.candidates})
    team = [c for c in ranking.candidates
            if c.volunteer.id in people and _cleared(people[c.volunteer.id], run)]
    return team, ranking.why_nobody(SERVICE_LABELS.get(run.service, run.service).lower())


def _people(ids) -> dict:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.in_bulk(list(ids))


def _cleared(person, run: Run) -> bool:
    from kith.volunteers.policy import can_take

    return can_take(person, run.group, run.service)


def _pickup(run: Run) -> LatLon:
    if run.pickup_lat is None or run.pickup_lon is None:
        return pickup_point(run.pickup_postcode)
    return LatLon(run.pickup_lat, run.pickup_lon)


@dataclass
class SplitResult:
    run: Run
    routed: int
    unplaced: list[Stop]
    team_note: str = ""  # "Only 2 volunteers could be found" and the like


@transaction.atomic
def split(run: Run, *, acting_user, team_size: int | None = None, max_stops: int | None = None,
          max_minutes: int | None = None, limits_given: bool = False,
          seconds: float | None = None) -> SplitResult:
    """Propose routes (coordinators): place each stop, pick a team through matching, plan
    routes with the run's limits. Stops Kith cannot place are left out and listed. Splitting
    again replaces the proposal. Refused, changing nothing, when nobody can take the run or the
    limits cannot be met."""
    from kith.matching.routing import RoutingError, plan_routes
    from kith.matching.routing import Stop as RoutingStop

    _require_manager(acting_user, run.group)
    run = _locked(run)
    _require_state(run, Run.State.DRAFT, Run.State.SPLIT, doing="split the run")
    old_limits = {"team_size": run.team_size, "max_stops": run.max_stops,
                  "max_minutes": run.max_minutes}
    if limits_given:
        if team_size is not None:
            run.team_size = team_size
        run.max_stops, run.max_minutes = max_stops, max_minutes
    stops = list(run.stops.order_by("line"))
    if not stops:
        raise RunError("Add the stops before splitting the run.")
    points = _stop_points(stops)
    unplaced = [s for s in stops if s.pk not in points]
    if not points:
        raise RunError("Kith couldn't place any of the stops. Check their postcodes.")
    wanted = min(run.team_size, len(points))
    team, why = team_for(run, k=wanted)
    if not team:
        raise RunError(why or "Nobody in the group can take this run.")
    try:
        plan = plan_routes(_pickup(run), [RoutingStop(pk, point) for pk, point in points.items()],
                           len(team), max_stops=run.max_stops, max_minutes=run.max_minutes,
                           seconds=seconds)
    except RoutingError as exc:
        extra = (f" Only {len(team)} of the {wanted} volunteers asked for could be found."
                 if len(team) < wanted else "")
        raise RunError(str(exc) + extra) from None
    run.stops.update(route=None, position=None)
    run.routes.all().delete()
    by_pk = {s.pk: s for s in stops}
    made = 0
    for ids, length, minutes in zip(plan.routes, plan.lengths_m, plan.minutes, strict=True):
        if not ids:
            continue
        made += 1
        route = Route.objects.create(run=run, volunteer_id=team[made - 1].volunteer.id,
                                     position=made, length_m=length, minutes=round(minutes, 1))
        for position, pk in enumerate(ids, 1):
            by_pk[pk].route, by_pk[pk].position = route, position
    Stop.objects.bulk_update([by_pk[pk] for ids in plan.routes for pk in ids],
                             ["route", "position"])
    now = timezone.now()
    run.state, run.split_at, run.solver, run.total_m = (Run.State.SPLIT, now, plan.solver,
                                                        plan.total_m)
    run.save()
    log_action("kith.run.split", actor=acting_user, group=run.group, obj=run,
               old=old_limits if limits_given else None,
               new={"routes": made, "routed": len(points), "unplaced": len(unplaced),
                    "volunteers": sorted(r.volunteer_id for r in run.routes.all()),
                    "total_m": plan.total_m, "solver": plan.solver,
                    "team_size": run.team_size, "max_stops": run.max_stops,
                    "max_minutes": run.max_minutes})
    note = ""
    if len(team) < wanted:
        note = f"Only {len(team)} of the {wanted} volunteers asked for could be found."
    elif made < len(team):
        note = f"{made} volunteers are enough for these stops."
    return SplitResult(run, len(points), unplaced, note)


def swap_candidates(route: Route, *, limit: int = 8) -> list:
    """Volunteers who could take this route instead: cleared, and not already on the run."""
    taken = set(route.run.routes.filter(volunteer__isnull=False)
                .values_list("volunteer_id", flat=True))
    team, _why = team_for(route.run, k=limit + len(taken), exclude=taken)
    return [c for c in team if c.volunteer.id not in taken][:limit]


@transaction.atomic
def swap_volunteer(route: Route, person, *, acting_user) -> Route:
    """Give a route to someone else (coordinators), before or after send-out. They must be
    cleared for the run's service in this group (can_take) and not hold another route of it.
    After send-out the new volunteer is emailed and the old one loses sight of the stops."""
    run = _locked(route.run)
    _require_manager(acting_user, run.group)
    _require_state(run, Run.State.SPLIT, Run.State.OUT, doing="change a volunteer")
    route = Route.objects.select_for_update().get(pk=route.pk, run=run)
    if person.pk == route.volunteer_id:
        return route
    if run.routes.filter(volunteer=person).exists():
        raise RunError(f"{person.display_name or 'They'} already have a route on this run.")
    if not _cleared(person, run):
        raise RunError(f"{person.display_name or 'This person'} isn't cleared for "
                       f"{run.get_service_display().lower()} in {run.group.name}.")
    old = route.volunteer_id
    route.volunteer, route.vacated_at, route.vacated_why = person, None, ""
    route.save(update_fields=["volunteer", "vacated_at", "vacated_why"])
    log_action("kith.run.volunteer_swapped", actor=acting_user, group=run.group, obj=run,
               old={"route": route.position, "volunteer": old},
               new={"route": route.position, "volunteer": person.pk})
    if run.state == Run.State.OUT:
        _tell([route])
    return route


@transaction.atomic
def send_out(run: Run, *, acting_user) -> Run:
    """Hand the routes to their volunteers (coordinators): each gets an email with a link to
    their route, where they see the addresses from now until a day after the run ends."""
    _require_manager(acting_user, run.group)
    run = _locked(run)
    _require_state(run, Run.State.SPLIT, doing="send the routes out")
    routes = list(run.routes.select_related("volunteer"))
    for route in routes:
        if route.is_vacant:
            raise RunError(_("Route %(n)s has nobody on it since %(why)s Swap someone in "
                             "first.") % {"n": route.position, "why": route.vacated_why})
        if not _cleared(route.volunteer, run):
            raise RunError(f"{route.volunteer.display_name or 'A volunteer'} (route "
                           f"{route.position}) can't take this run any more. Swap them first.")
    run.state, run.sent_at = Run.State.OUT, timezone.now()
    run.save(update_fields=["state", "sent_at"])
    log_action("kith.run.sent_out", actor=acting_user, group=run.group, obj=run,
               old={"state": Run.State.SPLIT}, new={"state": run.state, "routes": len(routes)})
    _tell(routes)
    return run


# Runs whose routes a volunteer still holds: not yet delivered.
UNDELIVERED = (Run.State.SPLIT, Run.State.OUT)


def routes_to_vacate(person, group_ids=None):
    """This person's routes on runs not yet delivered that still have a stop to do (a route
    already delivered is history: it stays theirs, and the grant's check hides it)."""
    routes = Route.objects.filter(volunteer=person, run__state__in=UNDELIVERED,
                                  stops__outcome=Stop.Outcome.PENDING)
    if group_ids is not None:
        routes = routes.filter(run__group_id__in=group_ids)
    return routes.select_related("run__group").distinct()


@transaction.atomic
def vacate_route(route: Route, *, why: str, acting_user) -> bool:
    """Free a route whose volunteer may no longer hold it (kith.requests.handover), and flag it
    on the run's page so a coordinator swaps someone in. `why` says what changed, in a
    sentence. From now on its stops are nobody's to see but the coordinators'."""
    run = _locked(route.run)
    route = Route.objects.select_for_update().filter(pk=route.pk, run=run).first()
    if route is None or route.is_vacant or run.state not in UNDELIVERED:
        return False
    old = route.volunteer_id
    route.volunteer, route.vacated_at, route.vacated_why = None, timezone.now(), why[:200]
    route.save(update_fields=["volunteer", "vacated_at", "vacated_why"])
    log_action("kith.run.route_vacated", actor=acting_user, group=run.group, obj=run,
               old={"route": route.position, "volunteer": old},
               new={"route": route.position, "volunteer": None, "why": why})
    return True


def _tell(routes) -> None:
    from kith.core.mail import send_templated, site_url

    for route in routes:
        if not route.volunteer.email:
            continue
        context = {
            "route": route, "run": route.run, "stops": route.stops.count(),
            "name": route.volunteer.display_name or "there",
            "link": site_url(reverse("runs:my_route", args=[route.pk]))}
        send_templated(to=route.volunteer.email, person=route.volunteer, group=route.run.group,
                       subject=f"Your route for the {route.run.partner_name} run",
                       template="runs/email/route.txt", context=context)


# --- on the day


def may_record(person, stop: Stop) -> bool:
    if stop.route_id is not None and stop.route.volunteer_id == person.pk:
        return True
    return _may_manage(person, stop.run.group)


@transaction.atomic
def record_outcome(stop: Stop, outcome: str, *, acting_user) -> Stop:
    """Delivered, not home or returned (the route's volunteer, or a coordinator), while the run
    is out. A mistake can be corrected the same way. The last outcome finishes the run."""
    run = _locked(stop.run)
    stop = Stop.objects.select_for_update(of=("self",)).select_related("route").get(
        pk=stop.pk, run=run)
    if outcome not in Stop.Outcome.values or outcome == Stop.Outcome.PENDING:
        raise RunError("Choose delivered, not home or returned.")
    if stop.route_id is None:
        raise RunError("This stop isn't on a route.")
    if not may_record(acting_user, stop):
        raise NotAllowed("Only the volunteer with this route, or a coordinator, can do that.")
    _require_state(run, Run.State.OUT, doing="record deliveries")
    old = stop.outcome
    if old == outcome:
        return stop
    stop.outcome, stop.outcome_at, stop.outcome_by = outcome, timezone.now(), acting_user
    stop.save(update_fields=["outcome", "outcome_at", "outcome_by"])
    log_action("kith.run.stop_outcome", actor=acting_user, group=run.group, obj=stop,
               old={"outcome": old}, new={"outcome": outcome, "line": stop.line})
    if not run.stops.filter(route__isnull=False, outcome=Stop.Outcome.PENDING).exists():
        _finish(run, actor=acting_user, auto=True)
    return stop


@transaction.atomic
def finish(run: Run, *, acting_user) -> Run:
    """Close a run once every routed stop has an outcome (coordinators)."""
    _require_manager(acting_user, run.group)
    run = _locked(run)
    _require_state(run, Run.State.OUT, doing="finish the run")
    pending = run.stops.filter(route__isnull=False, outcome=Stop.Outcome.PENDING).count()
    if pending:
        raise RunError(f"{pending} stop{'s' if pending != 1 else ''} still "
                       f"{'have' if pending != 1 else 'has'} no outcome. Mark each one first.")
    _finish(run, actor=acting_user, auto=False)
    return run


def _finish(run: Run, *, actor, auto: bool) -> None:
    run.state, run.finished_at = Run.State.FINISHED, timezone.now()
    run.save(update_fields=["state", "finished_at"])
    counts = {o: run.stops.filter(route__isnull=False, outcome=o).count()
              for o in (Stop.Outcome.DELIVERED, Stop.Outcome.NOT_HOME, Stop.Outcome.RETURNED)}
    log_action("kith.run.finished", actor=actor, group=run.group, obj=run,
               old={"state": Run.State.OUT},
               new={"state": run.state, "by_last_outcome": auto, **counts})


def minutes_words(minutes: float) -> str:
    """'about 1 hour 20 minutes'."""
    whole = max(1, math.ceil(minutes))
    hours, mins = divmod(whole, 60)
    if not hours:
        return f"about {mins} minute{'s' if mins != 1 else ''}"
    return f"about {hours} hour{'s' if hours != 1 else ''}" + (f" {mins} minutes" if mins else "")
