"""Regular help (series): the list, starting one, and pausing, resuming or ending it. The
changes are series.py's; the sweep makes each visit's request."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from kith.groups.access import group_view
from kith.requests import series as series_services
from kith.requests.forms_requests import SeriesChangeForm, SeriesForm
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import Assignment, Series
from kith.requests.pages import PAGE_SIZE, int_or_none, state_label
from kith.residents.erased import live as live_residents


def _open_assignments():
    return Prefetch("assignments", to_attr="open_assignments",
                    queryset=Assignment.objects.filter(ended_at__isnull=True).select_related("volunteer"))


def _group_volunteers(group) -> list:
    return sorted((m.person for m in group.memberships.filter(is_volunteer=True)
                   .select_related("person")), key=lambda p: str(p).lower())


@require_GET
@group_view("requests.view")
def series_list(request, group):
    order = Case(When(state=Series.State.ACTIVE, then=Value(0)),
                 When(state=Series.State.PAUSED, then=Value(1)), default=Value(2),
                 output_field=IntegerField())
    rows = (group.series.select_related("resident", "volunteer")
            .order_by(order, "next_date", "id"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "requests/series_list.html", {
        "group": group, "page": page, "can_start": request.access.can("requests.intake"),
    })




@require_http_methods(["GET", "POST"])
@group_view("requests.intake")
def series_new(request, group):
    volunteers = _group_volunteers(group)
    initial = {"first_date": timezone.localdate()}
    resident_pk = int_or_none(request.GET.get("resident"))
    if resident_pk and live_residents(group.residents).filter(pk=resident_pk).exists():
        initial["resident"] = resident_pk
    form = SeriesForm(request.POST or None, group=group, volunteers=volunteers, initial=initial)
    # Regular help for an erased resident would be for nobody: not offered, refused if posted.
    form.fields["resident"].queryset = live_residents(group.residents).order_by("name")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        volunteer = {p.pk: p for p in volunteers}.get(data["volunteer"])
        try:
            made = series_services.start_series(
                group, resident=data["resident"], service=data["service"], cadence=data["cadence"],
                first_date=data["first_date"], when=data["when"], details=data["details"],
                volunteer=volunteer, actor=request.user)
        except IllegalMove as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Regular help started: {made}. The first visit is "
                                      f"{made.next_date:%A %-d %B}.")
            return redirect(made.get_absolute_url())
    return render(request, "requests/series_new.html", {"group": group, "form": form},
                  status=400 if form.is_bound and form.errors else 200)


SERIES_DONE = {"pause": "paused: no visits until it is resumed",
               "resume": "resumed", "end": "ended. The visits already made stay as they are"}


@require_http_methods(["GET", "POST"])
@group_view("requests.view")
def series(request, group, pk):
    item = get_object_or_404(group.series.select_related("resident", "volunteer", "created_by"), pk=pk)
    can_change = request.access.can("requests.triage")
    error, status, form = "", 200, None
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied("Only coordinators and call handlers can pause, resume or end "
                                   "regular help.")
        form = SeriesChangeForm(request.POST)
        if form.is_valid():
            action = form.cleaned_data["action"]
            try:
                series_services.change_series(item, action, actor=request.user,
                                              note=form.cleaned_data["note"])
            except IllegalMove as exc:
                error = str(exc)
            else:
                messages.success(request, f"{item} is {SERIES_DONE[action]}.")
                return redirect(item.get_absolute_url())
        else:
            error = " ".join(e for errs in form.errors.values() for e in errs)
        status = 400
        item.refresh_from_db()
    occurrences = item.occurrences.prefetch_related(_open_assignments())
    page = Paginator(occurrences, PAGE_SIZE).get_page(request.GET.get("page"))
    for req in page:
        req.group = group
        req.state_label = state_label(req.state)
        req.volunteer = req.open_assignments[0].volunteer if req.open_assignments else None
    actions = []
    if item.state == Series.State.ACTIVE:
        actions.append(("pause", "Pause", "Why pause? (optional)"))
    if item.state == Series.State.PAUSED:
        actions.append(("resume", "Resume", ""))
    if item.state != Series.State.ENDED:
        actions.append(("end", "End for good", "Why end it? (optional)"))
    return render(request, "requests/series_detail.html", {
        "group": group, "series": item, "page": page, "can_change": can_change,
        "actions": actions, "error": error,
        "typed_action": form.data.get("action", "") if form is not None else "",
        "typed_note": form.data.get("note", "")[:300] if form is not None else "",
    }, status=status)
