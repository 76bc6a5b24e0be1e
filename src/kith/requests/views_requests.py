"""The coordinators' request pages: the list, a request's paper trail and its next steps,
assigning a volunteer by hand, regular help (series), the exclusion list, the group's
request settings.

Every change goes through a service (services.py, series.py, exclusions.py,
policy_services.py), which checks the move and writes the timeline and the audit rows in
one transaction; these views only choose what to show and say what went wrong.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Prefetch, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kith.accounts.models import Person
from kith.accounts.naming import distinct_names
from kith.core.models import AuditEvent
from kith.core.reveal_views import SealedField, render_private, reveal_panel
from kith.core.text import search_term
from kith.groups.access import group_view
from kith.groups.catalogue import SERVICE_LABELS
from kith.matching.views import panel as matching_panel
from kith.requests import exclusions as exclusion_services
from kith.requests import lifecycle, listing, services
from kith.requests import series as series_services
from kith.requests.forms_requests import (
    BUTTON_LABELS,
    NOTE_LABELS,
    STATE_FILTER_STATES,
    STATE_FILTERS,
    AssignForm,
    ExcludeResidentForm,
    ExclusionForm,
    LiftForm,
    MoveForm,
    PolicyForm,
    RequestFilterForm,
    SeriesChangeForm,
    SeriesForm,
)
from kith.requests.intake import normalise_reference
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import Assignment, Exclusion, HelpRequest, RequestPolicy, Series
from kith.requests.policy_services import FIELDS as POLICY_FIELDS
from kith.requests.policy_services import update_policy

PAGE_SIZE = 50

# --- the list


def _open_assignments():
    return Prefetch("assignments", to_attr="open_assignments",
                    queryset=Assignment.objects.filter(ended_at__isnull=True).select_related("volunteer"))


def _filter_form(request, group) -> RequestFilterForm:
    areas = sorted(set(group.residents.exclude(postcode_sector="")
                       .values_list("postcode_sector", flat=True)))
    people = Person.objects.filter(
        pk__in=Assignment.objects.filter(request__group=group).values("volunteer_id"))
    volunteers = sorted(distinct_names(people).items(), key=lambda v: v[1].casefold())
    form = RequestFilterForm(request.GET or None, areas=areas, volunteers=volunteers)
    form.is_valid()
    return form


@require_GET
@group_view("requests.view")
def request_list(request, group):
    """A compact table of the group's requests, filtered, searched and soonest deadline first."""
    form = _filter_form(request, group)
    data = {k: v for k, v in getattr(form, "cleaned_data", {}).items() if v}
    state = request.GET.get("state", "")
    state = state if state in STATE_FILTER_STATES else "open"
    term = search_term(request)
    base = listing.matching(group, data, term)
    per_state = dict(base.order_by().values_list("state").annotate(n=Count("id", distinct=True)))
    queryset = listing.rows_for(base, STATE_FILTER_STATES[state], data.get("sort", "deadline"))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [listing.row(req) for req in page]

    keep = {k: v for k, v in {**data, "q": term}.items() if v}
    tabs = [{"key": key, "label": label, "count": sum(per_state.get(s, 0) for s in states),
             "href": "?" + urlencode({"state": key, **keep}), "current": key == state}
            for key, label, states in STATE_FILTERS]
    access = request.access
    return render(request, "requests/request_list.html", {
        "group": group, "form": form, "page": page, "rows": rows, "tabs": tabs, "state": state,
        "state_label": dict((k, lbl) for k, lbl, _states in STATE_FILTERS)[state],
        "filtered": bool(keep), "query": urlencode({"state": state, **keep}),
        "can_intake": access.can("requests.intake"), "can_call": access.can("callbacks.work"),
        "can_assign": access.can("requests.assign"),
    })


# --- one request: its paper trail and what may happen next


def _request_or_404(group, reference: str) -> HelpRequest:
    req = (HelpRequest.objects.select_related("resident", "series", "series__volunteer", "created_by")
           .filter(group=group, reference=normalise_reference(reference)).first())
    if req is None:
        raise Http404("No such request in this group")
    req.group = group
    return req


def _allowed_moves(access, req: HelpRequest) -> list[lifecycle.Move]:
    """The moves from the request's state that this person may make from this page.

    Kith's own moves (releases) and offers (the matching panel) are never offered here; a
    volunteer's own steps (start, done, hand back) only to those who may assign, as
    services._authorise says.
    Assigning has its own page; check-up calls are logged from the callback queue.
    """
    allowed = []
    for move in lifecycle.moves_from(req.state):
        if move.permission in {"system", "offeree"} or move.action in {"assign", "check_up",
                                                                         "offer"}:
            continue
        needed = "requests.assign" if move.permission == "assignee" else move.permission
        if access.can(needed):
            allowed.append(move)
    return allowed


def _sealed_fields(req: HelpRequest) -> list[SealedField]:
    return [SealedField("phone", _("Phone"), req.resident),
            SealedField("address", _("Address"), req.resident),
            SealedField("details", _("What they need"), req,
                        question=_("Why do you need to see what they need?"),
                        button=_("Show what they need"))]


def _reveal(request, group, req: HelpRequest, *, posted: bool = False):
    """The reveal box, which always posts to the request's own page (a failed move re-renders
    this page from another address)."""
    return reveal_panel(request, group=group, fields=_sealed_fields(req), posted=posted,
                        action=reverse("requests:detail", args=[group.slug, req.reference]))


def _state_label(state: str) -> str:
    return lifecycle.STATE_LABELS.get(state, state)


def _who(req: HelpRequest, event) -> str:
    """Who did it: a person, else whoever used the public form, else Kith itself (the sweep)."""
    if event.actor is not None:
        return str(event.actor)
    if event.action == "status_checked":
        return "the resident"
    if event.action in ("created", "asked_again") and req.channel in (
            HelpRequest.Channel.WEB, HelpRequest.Channel.REFERRAL):
        return req.partner_name or "the resident"
    return "Kith"


def _timeline(req: HelpRequest) -> list[dict]:
    return [{"at": e.created_at, "who": _who(req, e), "label": e.label, "is_move": e.is_move,
             "from": _state_label(e.from_state) if e.from_state else "",
             "to": _state_label(e.to_state), "note": e.note}
            for e in req.events.select_related("actor")]


def _callbacks(req: HelpRequest, now) -> list[dict]:
    rows = []
    for cb in req.callbacks.select_related("closed_by").order_by("created_at", "id"):
        if cb.outcome:
            status = f"{cb.get_outcome_display()}"
            if cb.closed_at:
                status += f" ({timezone.localtime(cb.closed_at):%-d %b %Y, %H:%M})"
        elif cb.not_before > now:
            status = f"Booked for {timezone.localtime(cb.not_before):%-d %b %Y, %H:%M}"
        elif cb.due_at < now:
            status = "Waiting in the queue: overdue"
        else:
            status = "Waiting in the queue"
        rows.append({"callback": cb, "kind": cb.get_kind_display(), "status": status,
                     "result": cb.get_result_display() if cb.result else "",
                     "attempts": cb.attempts_made, "escalated": cb.escalated_at is not None})
    return rows


def _render_detail(request, group, req: HelpRequest, *, reveal=None, move_error: str = "",
                   move_action: str = "", move_note: str = "", status=200):
    access = request.access
    now = timezone.now()
    resident = req.resident
    moves = [{"action": m.action, "button": BUTTON_LABELS.get(m.action, m.label),
              "needs_note": m.needs_note, "note_label": NOTE_LABELS.get(m.action, "Why?"),
              "danger": m.target in lifecycle.FINAL or m.action == "escalate",
              "note": move_note if m.action == move_action else "",
              "error": move_error if m.action == move_action else ""}
             for m in _allowed_moves(access, req)]
    can_assign = (access.can("requests.assign")
                  and any(m.action == "assign" for m in lifecycle.moves_from(req.state)))
    audit = None
    if access.can("audit.view"):
        audit = list(AuditEvent.objects.filter(
            group=group, object_type=HelpRequest._meta.label_lower, object_id=str(req.pk))
            .select_related("actor").order_by("created_at", "id"))
    assignment = req.current_assignment
    return render_private(request, "requests/request_detail.html", {
        "group": group, "req": req, "resident": resident, "state_label": _state_label(req.state),
        "assignment": assignment, "past_assignments": list(
            req.assignments.filter(ended_at__isnull=False).select_related("volunteer")),
        "events": _timeline(req), "callbacks": _callbacks(req, now), "audit": audit,
        "moves": moves, "can_assign": can_assign, "move_error": move_error,
        "matching": matching_panel(req, access),
        "move_action": move_action, "move_note": move_note,
        "orphan_error": move_error and not any(m["error"] for m in moves),
        "reveal": reveal or _reveal(request, group, req),
        "can_see_resident": access.can("residents.view"),
        "can_call": access.can("callbacks.work"),
    }, status=status)


@require_http_methods(["GET", "POST"])
@group_view("requests.view")
def detail(request, group, reference):
    req = _request_or_404(group, reference)
    if request.method == "GET":
        return _render_detail(request, group, req)
    # A POST here opens one sealed field (phone, address, what they need), with a reason.
    panel = _reveal(request, group, req, posted=True)
    return _render_detail(request, group, req, reveal=panel, status=panel.status)


def _make_move(req: HelpRequest, action: str, note: str, actor) -> lifecycle.Move:
    move = lifecycle.MOVES[action]
    if action == "assign":
        raise IllegalMove("Choose the volunteer on the “Assign a volunteer” page.")
    if action == "check_up":
        raise IllegalMove("Check-up calls are logged from the callback queue, with what the "
                          "resident said.")
    if move.permission == "system":
        raise services.NotAllowed(f"Only Kith itself records “{move.label.lower()}”.")
    if action in {"offer", "accept"}:
        raise IllegalMove("Offers are made from the “Finding a volunteer” box, and accepted by "
                          "the volunteer.")
    if action == "start":
        services.start(req, actor=actor)
    elif action == "complete":
        services.complete(req, actor=actor, note=note)
    elif action == "hand_back":
        services.hand_back(req, actor=actor, note=note)
    elif action == "unassign":
        services.unassign(req, actor=actor, note=note)
    else:
        services.transition(req, action, actor=actor, note=note)
    return move


@require_POST
@group_view("requests.view")
def move(request, group, reference):
    """One step on a request. The service checks the state and the person's permission."""
    req = _request_or_404(group, reference)
    form = MoveForm(request.POST)
    action = request.POST.get("action", "")[:30]
    note = request.POST.get("note", "")[:1000]
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        return _render_detail(request, group, req, move_error=" ".join(errors), move_action=action,
                              move_note=note, status=400)
    action, note = form.cleaned_data["action"], form.cleaned_data["note"].strip()
    try:
        done = _make_move(req, action, note, request.user)
    except services.NotAllowed as exc:
        return _render_detail(request, group, req, move_error=str(exc), move_action=action,
                              move_note=note, status=403)
    except IllegalMove as exc:
        req = _request_or_404(group, reference)  # someone else may have moved it: show it as it is
        return _render_detail(request, group, req, move_error=str(exc), move_action=action,
                              move_note=note, status=400)
    messages.success(request, f"{req.reference}: {done.label.lower()}. It is now "
                              f"{_state_label(done.target).lower()}.")
    return redirect("requests:detail", group.slug, req.reference)


# --- assigning a volunteer by hand


def _volunteer_rows(group, req: HelpRequest) -> list[dict]:
    """The group's volunteers for this request: what they offer, whether they are free and
    cleared to take it (the same decision as volunteers.policy.can_take, made for everyone
    at once), and the tasks they hold here. No contact details."""
    from kith.volunteers.models import Consent, Vetting, VolunteerProfile
    from kith.volunteers.policy import (
        Facts,
        checks_recorded,
        on_break,
        reason_text,
        reasons_not_to_take,
        requirements_for,
    )

    memberships = list(group.memberships.filter(is_volunteer=True)
                       .select_related("person", "person__volunteer"))
    ids = [m.person_id for m in memberships]
    vettings = {v.person_id: v for v in Vetting.objects.filter(group=group, person_id__in=ids)}
    versions: dict[int, dict[str, int]] = defaultdict(dict)
    for person_id, kind, version in Consent.objects.filter(person_id__in=ids).values_list(
            "person_id", "kind", "version"):
        versions[person_id][kind] = max(version, versions[person_id].get(kind, 0))
    held = dict(Assignment.objects.filter(volunteer_id__in=ids, ended_at__isnull=True,
                                          request__group=group)
                .order_by().values_list("volunteer_id").annotate(n=Count("id")))
    requirements = requirements_for(group)
    preferred = req.series.volunteer_id if req.series_id and req.series else None
    today = timezone.localdate()
    rows = []
    for membership in memberships:
        person = membership.person
        profile = getattr(person, "volunteer", None)
        if profile is None:
            facts = Facts(has_profile=False)
            status = "No volunteer profile yet"
        else:
            vetting = vettings.get(person.pk)
            facts = Facts(has_profile=True, status=profile.status, break_until=profile.break_until,
                          reconfirm_consent=profile.reconfirm_consent,
                          consent_versions=versions[person.pk], is_volunteer_here=True,
                          approved=vetting is not None and vetting.is_approved,
                          checks=checks_recorded(vetting), requirements=requirements)
            if profile.status == VolunteerProfile.Status.LEFT:
                status = "Has left"
            elif on_break(profile.status, profile.break_until, today):
                status = (f"On a break until {profile.break_until:%-d %B}" if profile.break_until
                          else "On a break")
            else:
                status = "On duty" if profile.on_duty else "Off duty"
        reasons = reasons_not_to_take(facts, req.service, today)
        rows.append({
            "person": person, "sector": person.postcode_sector,
            "offers": profile is not None and req.service in (profile.services or []),
            "status": status, "on_duty": status == "On duty", "cleared": not reasons,
            "reasons": [reason_text(r) for r in reasons], "held": held.get(person.pk, 0),
            "preferred": person.pk == preferred,
        })
    labels = distinct_names(r["person"] for r in rows)
    for r in rows:
        r["label"] = labels[r["person"].pk]
    rows.sort(key=lambda r: (not r["preferred"], not r["offers"], not r["cleared"],
                             not r["on_duty"], r["held"], r["label"].lower()))
    return rows


@require_http_methods(["GET", "POST"])
@group_view("requests.assign")
def assign(request, group, reference):
    req = _request_or_404(group, reference)
    rows = _volunteer_rows(group, req)
    people = {r["person"].pk: r["person"] for r in rows}
    form = AssignForm(request.POST or None, volunteers=[(r["person"].pk, r["label"]) for r in rows])
    status = 200
    if request.method == "POST":
        if form.is_valid():
            volunteer = people[form.cleaned_data["volunteer"]]
            try:
                services.assign(req, volunteer, actor=request.user,
                                reason=form.cleaned_data["reason"])
            except (IllegalMove, services.NotAllowed) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"{volunteer} is assigned to {req.reference}. "
                                          "They have been emailed.")
                return redirect("requests:detail", group.slug, req.reference)
        status = 400
    chosen = str(form["volunteer"].value() or "")
    for row in rows:
        row["checked"] = str(row["person"].pk) == chosen
    assignable = any(m.action == "assign" for m in lifecycle.moves_from(req.state))
    return render(request, "requests/assign.html", {
        "group": group, "req": req, "rows": rows, "form": form, "assignable": assignable,
        "state_label": _state_label(req.state), "assignment": req.current_assignment,
        "service_label": SERVICE_LABELS.get(req.service, req.service),
    }, status=status)


# --- regular help (series)


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


def _int_or_none(text) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) < 12 else None


@require_http_methods(["GET", "POST"])
@group_view("requests.intake")
def series_new(request, group):
    volunteers = _group_volunteers(group)
    initial = {"first_date": timezone.localdate()}
    resident_pk = _int_or_none(request.GET.get("resident"))
    if resident_pk and group.residents.filter(pk=resident_pk).exists():
        initial["resident"] = resident_pk
    form = SeriesForm(request.POST or None, group=group, volunteers=volunteers, initial=initial)
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
        req.state_label = _state_label(req.state)
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


# --- zero tolerance: the exclusion list


def _exclusions_page(request, group, *, form=None, resident=None, resident_form=None,
                     lift_form=None, lift_pk=None, member=None, status=200):
    active = (group.exclusions.filter(lifted_at__isnull=True).select_related("created_by")
              .order_by("-created_at", "-id"))
    lifted = (group.exclusions.filter(lifted_at__isnull=False)
              .select_related("created_by", "lifted_by").order_by("-lifted_at", "-id")[:50])
    above = Exclusion.objects.filter(group_id__in=[g.pk for g in group.ancestors()],
                                     lifted_at__isnull=True).count()
    return render(request, "requests/exclusions.html", {
        "group": group, "active": active, "lifted": lifted, "above": above,
        "form": form or ExclusionForm(), "resident": resident,
        "resident_form": resident_form or ExcludeResidentForm(),
        "lift_form": lift_form, "lift_pk": lift_pk, "member": member,
    }, status=status)


@require_http_methods(["GET", "POST"])
@group_view("exclusions.manage")
def exclusions(request, group):
    source = request.POST if request.method == "POST" else request.GET
    resident = None
    if "resident" in source:
        pk = _int_or_none(source.get("resident"))
        if pk is None:
            raise Http404("No such resident")
        resident = get_object_or_404(group.residents, pk=pk)
    member = _member_to_exclude(group, source)
    if request.method == "GET":
        return _exclusions_page(request, group, resident=resident, member=member)
    if member is not None:
        return _exclude_member(request, group, member)
    if resident is not None:
        resident_form = ExcludeResidentForm(request.POST)
        if resident_form.is_valid():
            try:
                exclusion_services.exclude_resident(
                    resident, reason=resident_form.cleaned_data["reason"], actor=request.user,
                    note=resident_form.cleaned_data["note"])
            except IllegalMove as exc:
                resident_form.add_error(None, str(exc))
            else:
                messages.success(request, f"{resident.name} is on the exclusion list. New requests "
                                          "from their number or name and postcode will go to a "
                                          "coordinator.")
                return redirect("requests:exclusions", group.slug)
        return _exclusions_page(request, group, resident=resident, resident_form=resident_form,
                                status=400)
    form = ExclusionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            exclusion_services.add_exclusion(group, reason=data["reason"], actor=request.user,
                                             phone=data["phone"], name=data["name"].strip(),
                                             postcode=data["postcode"], note=data["note"])
        except IllegalMove as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Added to the exclusion list. Only a scrambled form of what "
                                      "you typed is kept.")
            return redirect("requests:exclusions", group.slug)
    return _exclusions_page(request, group, form=form, status=400)


def _member_to_exclude(group, source):
    """?volunteer=<membership id>: someone in this group, from their volunteer page."""
    if "volunteer" not in source:
        return None
    pk = _int_or_none(source.get("volunteer"))
    if pk is None:
        raise Http404("No such member")
    return get_object_or_404(group.memberships.select_related("person"), pk=pk)


def _exclude_member(request, group, member):
    """Zero tolerance for someone in the group: out of it and the groups below, for good
    until lifted, with their work taken back (exclusions.exclude_volunteer)."""
    form = ExcludeResidentForm(request.POST)
    if form.is_valid():
        try:
            exclusion_services.exclude_volunteer(member, reason=form.cleaned_data["reason"],
                                                 actor=request.user,
                                                 note=form.cleaned_data["note"])
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("%(person)s is excluded and no longer in %(group)s. "
                                        "Anything they were doing has gone back to be matched.")
                             % {"person": member.person, "group": group.name})
            return redirect("requests:exclusions", group.slug)
    return _exclusions_page(request, group, member=member, resident_form=form, status=400)


@require_POST
@group_view("exclusions.manage")
def lift_exclusion(request, group, pk):
    exclusion = get_object_or_404(group.exclusions, pk=pk)
    form = LiftForm(request.POST)
    if not form.is_valid():
        return _exclusions_page(request, group, lift_form=form, lift_pk=exclusion.pk, status=400)
    try:
        exclusion_services.lift_exclusion(exclusion, actor=request.user, note=form.cleaned_data["note"])
    except IllegalMove as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Exclusion #{exclusion.pk} lifted. Requests that match it are "
                                  "handled like any other again.")
    return redirect("requests:exclusions", group.slug)


# --- the group's request settings


@require_http_methods(["GET", "POST"])
@group_view("requests.settings")
def policy(request, group):
    current = RequestPolicy.for_group(group)
    form = PolicyForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        _saved, changed = update_policy(group, actor=request.user,
                                        **{name: form.cleaned_data[name] for name in POLICY_FIELDS})
        messages.success(request, "Request settings saved." if changed else "Nothing changed.")
        return redirect("requests:policy", group.slug)
    return render(request, "requests/policy.html", {"group": group, "form": form},
                  status=400 if form.is_bound and form.errors else 200)

