"""Assigning a volunteer by hand: every volunteer in the group with what they offer, whether
they are free and cleared to take this request, and the tasks they already hold."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from kith.accounts.naming import distinct_names
from kith.groups.access import group_view
from kith.groups.catalogue import SERVICE_LABELS
from kith.requests import lifecycle, services, visits
from kith.requests.forms_requests import AssignForm
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import Assignment, HelpRequest
from kith.requests.moves import NotAllowed
from kith.requests.pages import request_or_404, state_label


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
        request_reasons,
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
        reasons = reasons_not_to_take(facts, req.service, today) + request_reasons(person, req)
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
    req = request_or_404(group, reference)
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
            except (IllegalMove, NotAllowed) as exc:
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
        "missing": visits.missing_notice(req),
        "state_label": state_label(req.state), "assignment": req.current_assignment,
        "service_label": SERVICE_LABELS.get(req.service, req.service),
    }, status=status)
