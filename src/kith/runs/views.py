"""Runs' pages: the coordinators' list, new run, stops, the run itself (split, swap, send out,
outcomes), and the volunteer's route on their phone with its printable sheet."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kith.core.privacy import NeedToKnowDenied, one_look, reveal
from kith.core.reveal_views import SealedField, open_sealed, render_private, reveal_panel
from kith.directory.maps import map_settings
from kith.groups.access import group_view
from kith.groups.contact import worried_contact
from kith.runs import pdf, services
from kith.runs.forms import OutcomeForm, RunForm, SplitForm, StopsForm
from kith.runs.models import Route, Run, Stop
from kith.volunteers.policy import may_hold

SEALED = ("who", "address", "postcode", "note")
ROUTE_COLOURS = ["#0b5d3b", "#a3161b", "#1d4f91", "#7a3e00", "#5b2a86", "#00626b", "#8a1a5c",
                 "#3d3d3d"]


# --- need-to-know for a route's own volunteer


@dataclass(frozen=True)
class RouteGrant:
    """The volunteer holding a route may see its stops' names and addresses, from send-out
    until a day after the run is finished, while they still stand in the role the run needs
    (volunteers.policy.may_hold: a volunteer of its group, not left, on a break or excluded,
    with the checks its service asks for). Asked once per grant, that is once per request.
    Nobody else, no other stop."""

    route: Route

    @cached_property
    def in_role(self) -> bool:
        run = self.route.run
        return self.route.volunteer is not None and may_hold(self.route.volunteer, run.group,
                                                             run.service)

    def allows(self, viewer, subject) -> bool:
        return (isinstance(subject, Stop) and subject.route_id == self.route.pk
                and viewer.pk == self.route.volunteer_id
                and self.route.run.addresses_open(timezone.now()) and self.in_role)


def _open_for_volunteer(request, grant: RouteGrant, stops: list[Stop], reason: str) -> dict:
    route = grant.route
    with one_look():  # one access row per stop, naming its fields
        return {stop.pk: {field: reveal(stop, field, viewer=request.user, group=route.run.group,
                                        reason=reason, request=request, grant=grant) or ""
                          for field in SEALED}
                for stop in stops}


def _stop_fields(stops: list[Stop]) -> list[SealedField]:
    labels = {"who": gettext_lazy("Name"), "address": gettext_lazy("Address"),
              "postcode": gettext_lazy("Postcode"), "note": gettext_lazy("Note")}
    return [SealedField(name, labels[name], stops) for name in SEALED]


def _by_stop(stops: list[Stop], opened: dict) -> dict[int, dict[str, str]]:
    """The gate's {field: {stop: value}} as the pages and the sheet read it: {stop: {field: value}}."""
    return {stop.pk: {name: opened.get(name, {}).get(stop.pk, "") for name in SEALED}
            for stop in stops}


def _open_for_coordinator(request, group, stops: list[Stop], reason: str) -> dict:
    return _by_stop(stops, open_sealed(request, group, _stop_fields(stops), reason,
                                       permission="runs.manage"))


def _reveal(request, group, stops: list[Stop], *, posted: bool = False):
    """The coordinators' one box for a run: every stop's name, address, postcode and note at
    once, with one reason (one access row per stop and field)."""
    return reveal_panel(
        request, group=group, fields=_stop_fields(stops), permission="runs.manage",
        posted=posted, together=True,
        label=gettext_lazy("Why do you need to see the names and addresses?"),
        initial_reason=gettext_lazy("Checking the routes before they go out"),
        button=gettext_lazy("Show names, addresses and the map"))


def _map_data(run: Run, routes: list[Route], stops: list[Stop], shown: dict) -> dict:
    """Pickup and each route's stops in order, at their postcodes' points (already revealed)."""
    data: dict = {"pickup": {"lat": run.pickup_lat, "lon": run.pickup_lon,
                             "label": f"Pick up: {run.pickup_name}"}, "routes": []}
    by_route: dict[int, list[Stop]] = {}
    for stop in stops:
        if stop.route_id is not None and stop.pk in shown:
            by_route.setdefault(stop.route_id, []).append(stop)
    for n, route in enumerate(routes):
        points = []
        for stop in sorted(by_route.get(route.pk, []), key=lambda s: s.position):
            point, _ = services.where(shown[stop.pk]["postcode"])
            if point is not None:
                points.append({"lat": point.lat, "lon": point.lon, "n": stop.position,
                               "label": f"{stop.position}. {shown[stop.pk]['who']}"})
        data["routes"].append({"n": route.position, "colour": ROUTE_COLOURS[n % 8],
                               "stops": points})
    return data


# --- coordinators


def _run(group, pk) -> Run:
    return get_object_or_404(Run.objects.select_related("group"), pk=pk, group=group)


@require_http_methods(["GET"])
@group_view("runs.manage")
def run_list(request, group):
    runs = (group.runs.annotate(
        n_stops=Count("stops", distinct=True),
        n_done=Count("stops", filter=~Q(stops__outcome=Stop.Outcome.PENDING), distinct=True),
        n_routes=Count("routes", distinct=True),
        n_vacant=Count("routes", filter=Q(routes__volunteer__isnull=True), distinct=True))
        .order_by("-date", "-id"))
    return render(request, "runs/list.html", {"group": group, "runs": runs})


@require_http_methods(["GET", "POST"])
@group_view("runs.manage")
def run_new(request, group):
    form = RunForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            run = services.create_run(group, acting_user=request.user, **form.cleaned_data)
        except services.RunError as exc:
            form.add_error("pickup_postcode", str(exc))
        else:
            messages.success(request, "Run made. Now add its stops.")
            return redirect("runs:stops", group.slug, run.pk)
    return render(request, "runs/new.html", {"group": group, "form": form},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@group_view("runs.manage")
def run_stops(request, group, pk):
    run = _run(group, pk)
    form = StopsForm(request.POST or None)
    line_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            read = services.add_stops(run, form.cleaned_data["lines"], acting_user=request.user)
        except services.RunError as exc:
            line_errors = [str(exc)]
        else:
            if not read.errors:
                placed = sum(1 for s in read.stops)
                messages.success(request, f"{placed} stop{'s' if placed != 1 else ''} added.")
                return redirect("runs:detail", group.slug, run.pk)
            line_errors = read.errors
    editable = run.state in (Run.State.DRAFT, Run.State.SPLIT)
    return render(request, "runs/stops.html", {
        "group": group, "run": run, "form": form, "line_errors": line_errors,
        "editable": editable, "count": run.stops.count(),
    }, status=400 if (line_errors or form.errors) else 200)


def _detail(request, group, run: Run, *, split_form=None, reveal=None, error: str = "",
            status: int = 200):
    routes = list(run.routes.select_related("volunteer").order_by("position"))
    stops = list(run.stops.order_by("line"))
    reveal = reveal or _reveal(request, group, stops)
    shown = _by_stop(stops, reveal.opened) if reveal.opened else None
    route_stops = {r.pk: sorted((s for s in stops if s.route_id == r.pk),
                                key=lambda s: s.position) for r in routes}
    placed_off = [s for s in stops if s.route_id is None and s.problem]
    waiting = [s for s in stops if s.route_id is None and not s.problem]
    done = sum(1 for s in stops if s.outcome != Stop.Outcome.PENDING)
    opened = shown or {}

    def pairs(items):
        return [(s, opened.get(s.pk)) for s in items]

    ctx = {
        "group": group, "run": run, "error": error, "shown": shown,
        "routes": [(r, pairs(route_stops[r.pk]), ROUTE_COLOURS[i % 8])
                   for i, r in enumerate(routes)],
        "stops": stops, "unplaced": pairs(placed_off), "waiting": pairs(waiting), "done": done,
        "routed": sum(len(v) for v in route_stops.values()),
        "split_form": split_form or SplitForm(initial={
            "team_size": run.team_size, "max_stops": run.max_stops,
            "max_minutes": run.max_minutes}),
        "reveal": reveal,
        "outcomes": [c for c in Stop.Outcome.choices if c[0] != Stop.Outcome.PENDING],
        "editable": run.state in (Run.State.DRAFT, Run.State.SPLIT),
        "total_km": round((run.total_m or 0) / 1000, 1),
        **map_settings(),
    }
    if shown is not None:
        ctx["map_data"] = _map_data(run, routes, stops, shown)
    for route, _, _ in ctx["routes"]:
        route.time_words = services.minutes_words(route.minutes)
    return render_private(request, "runs/detail.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@group_view("runs.manage")
@never_cache
def run_detail(request, group, pk):
    """The run; a POST with a reason opens the stops' names and addresses and the map (each
    stop's look is recorded, and two-factor sign-in is needed, as for residents)."""
    run = _run(group, pk)
    if request.method != "POST":
        return _detail(request, group, run)
    panel = _reveal(request, group, list(run.stops.order_by("line")), posted=True)
    return _detail(request, group, run, reveal=panel, error=panel.refusal, status=panel.status)


@require_POST
@group_view("runs.manage")
def run_split(request, group, pk):
    run = _run(group, pk)
    form = SplitForm(request.POST)
    if not form.is_valid():
        return _detail(request, group, run, split_form=form, status=400)
    try:
        result = services.split(run, acting_user=request.user, limits_given=True,
                                **form.cleaned_data)
    except services.RunError as exc:
        run.refresh_from_db()
        return _detail(request, group, run, split_form=form, error=str(exc), status=400)
    text = (f"Split into {result.run.routes.count()} routes covering {result.routed} "
            f"stop{'s' if result.routed != 1 else ''}.")
    if result.unplaced:
        n = len(result.unplaced)
        text += f" Kith couldn't place {n} stop{'s' if n != 1 else ''}: see below."
    if result.team_note:
        text += " " + result.team_note
    messages.success(request, text)
    return redirect("runs:detail", group.slug, run.pk)


def _post_action(request, group, pk, action, done: str):
    run = _run(group, pk)
    try:
        action(run, acting_user=request.user)
    except services.RunError as exc:
        return _detail(request, group, run, error=str(exc), status=400)
    messages.success(request, done)
    return redirect("runs:detail", group.slug, run.pk)


@require_POST
@group_view("runs.manage")
def run_send(request, group, pk):
    return _post_action(request, group, pk, services.send_out,
                        "Sent out. Each volunteer has an email with a link to their route.")


@require_POST
@group_view("runs.manage")
def run_finish(request, group, pk):
    return _post_action(request, group, pk, services.finish, "Run finished. Thank you.")


@require_POST
@group_view("runs.manage")
def run_remove_stop(request, group, pk):
    run = _run(group, pk)
    stop = get_object_or_404(Stop, pk=_int(request.POST.get("stop")), run=run)
    try:
        services.remove_stop(stop, acting_user=request.user)
    except services.RunError as exc:
        return _detail(request, group, run, error=str(exc), status=400)
    messages.success(request, f"Stop {stop.line} removed.")
    return redirect("runs:detail", group.slug, run.pk)


@require_POST
@group_view("runs.manage")
def run_outcome(request, group, pk):
    run = _run(group, pk)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return _detail(request, group, run, error="Choose delivered, not home or returned.",
                       status=400)
    stop = get_object_or_404(Stop, pk=form.cleaned_data["stop"], run=run)
    try:
        services.record_outcome(stop, form.cleaned_data["outcome"], acting_user=request.user)
    except (services.RunError, services.NotAllowed) as exc:
        return _detail(request, group, run, error=str(exc), status=400)
    messages.success(request, f"Stop {stop.line}: {stop.get_outcome_display().lower()}.")
    return redirect("runs:detail", group.slug, run.pk)


def _route(group, pk) -> Route:
    return get_object_or_404(Route.objects.select_related("run__group", "volunteer"), pk=pk,
                             run__group=group)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_http_methods(["GET", "POST"])
@group_view("runs.manage")
def route_swap(request, group, pk):
    """Give a route to another volunteer: the best cleared ones by matching, or anyone the
    group's rules allow (can_take is checked again when it is saved)."""
    route = _route(group, pk)
    run = route.run
    error = ""
    if request.method == "POST":
        person = get_user_model().objects.filter(
            pk=_int(request.POST.get("person")), memberships__group=group,
            memberships__is_volunteer=True).first()
        if person is None:
            error = "Choose one of the volunteers listed."
        else:
            try:
                services.swap_volunteer(route, person, acting_user=request.user)
            except services.RunError as exc:
                error = str(exc)
            else:
                messages.success(request, f"Route {route.position} is now "
                                          f"{person.display_name or person.email}'s.")
                return redirect("runs:detail", group.slug, run.pk)
    candidates, why = [], ""
    if run.state in (Run.State.SPLIT, Run.State.OUT):
        try:
            candidates = services.swap_candidates(route)
        except services.RunError as exc:
            why = str(exc)
        if not candidates and not why:
            why = "Nobody else in the group is cleared for this run and free to take it."
    else:
        why = f"Volunteers can't be changed now: this run is {run.get_state_display().lower()}."
    return render(request, "runs/swap.html", {
        "group": group, "run": run, "route": route, "candidates": candidates, "why": why,
        "error": error, "chosen": _int(request.POST.get("person")),
    }, status=400 if error else 200)


@require_POST
@group_view("runs.manage")
def route_sheet(request, group, pk):
    """A coordinator prints a route's sheet: the stops opened through reveal(), as on the
    run's page (a reason, two-factor, one access row per stop and field)."""
    route = _route(group, pk)
    stops = list(route.stops.order_by("position"))
    reason = (request.POST.get("reason") or "").strip() or f"Printing route {route.position}"
    try:
        shown = _open_for_coordinator(request, group, stops, reason)
    except NeedToKnowDenied as exc:
        return _detail(request, group, route.run, error=str(exc), status=403)
    return _pdf_response(route, stops, shown)


def _pdf_response(route: Route, stops: list[Stop], shown: dict) -> HttpResponse:
    body = pdf.route_sheet(route.run, route, [
        {"position": s.position, **shown[s.pk]} for s in stops])
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (f'attachment; filename="route-{route.run_id}-'
                                       f'{route.position}.pdf"')
    response["Cache-Control"] = "no-store"
    return response


# --- the volunteer


def _my_route(request, pk) -> RouteGrant:
    """The grant over this person's route on a run that has gone out, or 404: it is nobody
    else's page, and no longer theirs once they stop standing in the role the run needs."""
    route = (Route.objects.select_related("run__group", "volunteer")
             .filter(pk=pk, volunteer=request.user,
                     run__state__in=[Run.State.OUT, Run.State.FINISHED]).first())
    if route is None:
        raise Http404("No such route")
    grant = RouteGrant(route)
    if not grant.in_role:
        raise Http404("No such route")
    return grant


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def my_route(request, pk):
    grant = _my_route(request, pk)
    route = grant.route
    run = route.run
    error = ""
    if request.method == "POST":
        form = OutcomeForm(request.POST)
        stop = (route.stops.filter(pk=form.cleaned_data["stop"]).first()
                if form.is_valid() else None)
        if stop is None:
            error = "Choose one of the buttons under a stop."
        else:
            try:
                services.record_outcome(stop, form.cleaned_data["outcome"],
                                        acting_user=request.user)
            except (services.RunError, services.NotAllowed) as exc:
                error = str(exc)
            else:
                stop.refresh_from_db()
                messages.success(request, f"Stop {stop.position}: "
                                          f"{stop.get_outcome_display().lower()}. Thank you.")
                return redirect(f"{route.get_absolute_url()}#stop-{stop.position}")
        run.refresh_from_db()
    stops = list(route.stops.order_by("position"))
    shown: dict = {}
    if run.addresses_open():
        try:
            shown = _open_for_volunteer(request, grant, stops, f"Delivering run {run.pk}")
        except NeedToKnowDenied as exc:
            error = error or str(exc)
    done = sum(1 for s in stops if s.outcome != Stop.Outcome.PENDING)
    ctx = {"route": route, "run": run, "error": error, "open": bool(shown),
           "stops": [(s, shown.get(s.pk, {})) for s in stops], "done": done,
           "time_words": services.minutes_words(route.minutes),
           "outcomes": [c for c in Stop.Outcome.choices if c[0] != Stop.Outcome.PENDING],
           "worried": worried_contact(run.group), **map_settings()}
    if shown:
        ctx["map_data"] = _map_data(run, [route], stops, shown)
    return render(request, "runs/my_route.html", ctx,
                  status=400 if error and request.method == "POST" else 200)


@login_required
@require_http_methods(["GET"])
def my_sheet(request, pk):
    grant = _my_route(request, pk)
    route = grant.route
    if not route.run.addresses_open():
        raise Http404("This run has ended")
    stops = list(route.stops.order_by("position"))
    shown = _open_for_volunteer(request, grant, stops, f"Printing route sheet, run {route.run_id}")
    return _pdf_response(route, stops, shown)
