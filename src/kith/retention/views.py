"""Retention pages: the schedule (coordinators), what goes next week (coordinators), the
record of processing (coordinators), and the public privacy notice (anyone)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from kith.groups.access import group_view
from kith.groups.models import Group
from kith.retention import notice, plan, schedule, services
from kith.retention.forms import ScheduleForm

WEEK = timedelta(days=7)


@require_http_methods(["GET", "POST"])
@group_view("retention.settings")
def settings_page(request, group):
    mine = schedule.own(group)
    form = ScheduleForm(request.POST or None, group=group, inherited=schedule.inherited(group),
                        initial={f: getattr(mine, f, None) for f in schedule.FIELDS})
    sooner = None
    if request.method == "POST" and form.is_valid():
        try:
            services.check_bounds(form.cleaned_data)
            # A shorter period removes data at the next sweep (every few minutes), for good:
            # say how much, and save only once the coordinator confirms those figures.
            sooner = services.newly_due(group, **form.cleaned_data)
            if not sooner or _confirmed(request, sooner, form.cleaned_data):
                services.save_schedule(group, acting_user=request.user, **form.cleaned_data)
                messages.success(request, _("How long data is kept: saved."))
                return redirect("retention:settings", group.slug)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field, errors)
    return render(request, "retention/settings.html", {
        "group": group, "form": form, "periods": schedule.effective(group),
        "receipt_months": schedule.receipt_months(group), "sooner": _sooner_words(sooner),
        "sooner_key": _key(sooner, getattr(form, "cleaned_data", {}))},
        status=400 if form.errors else 200)


def _key(sooner, values: dict) -> str:
    """The periods and figures the coordinator confirmed: other numbers, or other figures
    (someone changed something meanwhile), ask again."""
    if not sooner:
        return ""
    return ",".join(f"{k}={v}" for k, v in [*sorted(values.items()), *sorted(sooner.items())])


def _confirmed(request, sooner, values: dict) -> bool:
    return request.POST.get("confirm_sooner") == _key(sooner, values)


def _sooner_words(sooner) -> list[str]:
    if not sooner:
        return []
    words = {
        "requests": lambda n: ngettext("%(n)d closed request's details blanked",
                                       "%(n)d closed requests' details blanked", n),
        "residents": lambda n: ngettext("%(n)d resident erased", "%(n)d residents erased", n),
        "volunteers": lambda n: ngettext("%(n)d volunteer who left erased",
                                         "%(n)d volunteers who left erased", n),
        "cases": lambda n: ngettext("%(n)d safeguarding case's details blanked",
                                    "%(n)d safeguarding cases' details blanked", n),
        "access_lines": lambda n: ngettext("%(n)d line of the access log deleted",
                                           "%(n)d lines of the access log deleted", n),
    }
    return [words[key](n) % {"n": n} for key, n in sooner.items() if n]


@require_GET
@group_view("retention.view")
def preview(request, group):
    """What the sweep will remove by this time next week, and why: references and counts."""
    until = timezone.now() + WEEK
    periods = schedule.Cache()
    only = [group.pk]
    sections = [
        (_("Closed requests whose details will be blanked"), plan.requests_due(until, periods, only)),
        (_("Residents who will be erased"), plan.residents_due(until, periods, only)),
        (_("Volunteers who left and will be erased"), plan.volunteers_due(until, periods, only)),
        (_("Safeguarding cases whose details will be blanked"),
         plan.cases_due(until, periods, only)),
    ]
    access = plan.access_log_due(until, periods, only).get(group.pk)
    held = _holds([item for _t, items in sections for item in items])
    return render(request, "retention/preview.html", {
        "group": group, "sections": sections, "access": access, "until": until,
        "total": sum(len(items) for _t, items in sections), "now": timezone.now(), "held": held})


def _holds(items) -> dict[str, list[str]]:
    """{reference: reasons} for the people in `items` a legal hold keeps (an open case, money
    owed): the sweep will skip them, so the preview says so and why."""
    from kith.erasure.services import holds_for_resident, holds_for_volunteer
    from kith.residents.models import Resident
    from kith.volunteers.models import VolunteerProfile

    residents = Resident.objects.in_bulk([i.pk for i in items if i.kind == plan.RESIDENT])
    profiles = VolunteerProfile.objects.select_related("person").in_bulk(
        [i.pk for i in items if i.kind == plan.VOLUNTEER])
    out = {}
    for item in items:
        if item.kind == plan.RESIDENT:
            reasons = holds_for_resident(residents[item.pk])
        elif item.kind == plan.VOLUNTEER:
            reasons = holds_for_volunteer(profiles[item.pk].person)
        else:
            continue
        if reasons:
            out[item.reference] = reasons
    return out


@require_GET
@group_view("retention.view")
def processing(request, group):
    return render(request, "retention/processing.html", {
        "group": group, "rows": notice.rows(group), "security": notice.SECURITY,
        "recipients": notice.RECIPIENTS, "contact": notice.contact_group(group)})


@require_GET
def public_notice(request, group_slug):
    group = get_object_or_404(Group, slug=group_slug)
    return render(request, "retention/notice.html", {
        "group": group, "rows": notice.rows(group), "short": notice.short(group),
        "recipients": notice.RECIPIENTS, "contact": notice.contact_group(group)})


@require_GET
def kith_notice(request):
    """Before anyone knows their group (volunteer sign-up joins the nearest): Kith's defaults,
    with a line that each group has its own."""
    return render(request, "retention/notice.html", {
        "group": None, "rows": notice.rows(None), "short": notice.short(None),
        "recipients": notice.RECIPIENTS, "contact": None})
