from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from kith.core.privacy import CorrectionDenied, check_may_correct, fresh_two_factor
from kith.core.reveal_views import SealedField, render_private, reveal_panel
from kith.core.text import search_term
from kith.groups.access import group_view
from kith.messaging import log as message_log
from kith.residents.erased import erasure_of, live_resident_or_404
from kith.residents.forms import CheckInForm, CorrectResidentForm, ResidentForm
from kith.residents.services import (
    CorrectionRefused,
    correct_resident,
    register_resident,
    set_check_ins,
)


@require_GET
@group_view("residents.view")
def resident_list(request, group):
    residents = group.residents.only("id", "name", "postcode_sector", "created_at", "group_id")
    term = search_term(request)
    if term:
        residents = residents.filter(name__icontains=term)
    page = Paginator(residents, 50).get_page(request.GET.get("page"))
    return render(request, "residents/list.html", {"group": group, "page": page, "q": term,
                                                   "query": urlencode({"q": term}) if term else ""})


@require_http_methods(["GET", "POST"])
@group_view("residents.add")
def resident_new(request, group):
    form = ResidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        resident = register_resident(group, acting_user=request.user, **form.cleaned_data)
        messages.success(request, f"{resident.name} recorded. Their details are sealed.")
        return redirect(resident.get_absolute_url())
    return render(request, "residents/new.html", {"group": group, "form": form})


def _sealed_fields(resident) -> list[SealedField]:
    return [SealedField("phone", _("Phone"), resident),
            SealedField("address", _("Address"), resident),
            SealedField("notes", _("Private notes"), resident)]


@require_http_methods(["GET", "POST"])
@group_view("residents.view")
def resident_detail(request, group, pk):
    resident = get_object_or_404(group.residents, pk=pk)
    erasure = erasure_of(resident)
    if erasure is not None:
        return _tombstone(request, group, resident, erasure)
    checkins = _check_in_form(request, resident)
    if isinstance(checkins, HttpResponse):
        return checkins
    # The page's other form (check-in calls) posts here too; only a POST naming a field reveals.
    panel = reveal_panel(request, group=group, fields=_sealed_fields(resident),
                         posted=request.method == "POST" and "field" in request.POST)
    return render_private(request, "residents/detail.html", {
        "group": group, "resident": resident, "reveal": panel, "checkins": checkins,
        "can_correct": _may_correct(request, group, resident),
        "can_rights": request.access.can("residents.rights"),
        "requests": resident.requests.order_by("-created_at")[:20],
        "message_log": message_log.for_resident(resident),
    }, status=panel.status)


def _tombstone(request, group, resident, erasure):
    """What is left of an erased resident: when it happened and their requests, still
    counted. Read-only: no reveal, no correction, no check-in form (a POST changes nothing)."""
    return render_private(request, "residents/erased.html", {
        "group": group, "resident": resident, "erasure": erasure,
        "requests": resident.requests.order_by("-created_at")[:20],
    }, status=403 if request.method == "POST" else 200)


def _may_correct(request, group, resident) -> bool:
    """Offer the correction page only to someone it would let in."""
    if not request.access.can("residents.edit"):
        return False
    try:
        check_may_correct(request.user, group, [resident], "residents.edit")
    except CorrectionDenied:
        return False
    return True


def _back_to(request, resident) -> str:
    """Where to go after saving: the page that sent them (a request missing an address), if it
    is one of ours, else the resident's page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resident.get_absolute_url()


@require_http_methods(["GET", "POST"])
@group_view("residents.edit")
def resident_edit(request, group, pk):
    """Correct a resident's record. Sealed values are replaced, never shown here (the reveal
    box on the resident's page opens them, with a reason). A call handler reaches this page
    only for the resident whose call or request is in their hands. An erased resident has
    nothing to correct: giving the row a name again would undo the erasure."""
    resident = live_resident_or_404(group, pk)
    try:
        check_may_correct(request.user, group, [resident], "residents.edit")
    except CorrectionDenied as exc:
        raise PermissionDenied(str(exc)) from None
    form = CorrectResidentForm(request.POST or None, resident=resident)
    focus = request.GET.get("focus", "")
    if focus in form.fields and not form.is_bound:
        form.fields[focus].widget.attrs["autofocus"] = True  # the box a refusal sent them to
    two_factor = fresh_two_factor(request)
    if request.method == "POST" and form.is_valid() and form.changes_contact() and not two_factor:
        form.add_error(None, gettext(
            "Changing a phone number, email or address needs two-factor sign-in confirmed in "
            "this session. Confirm it's you (the link above the form), then save "
            "again. Nothing was changed."))
    if request.method == "POST" and form.is_valid():
        try:
            done = correct_resident(resident, acting_user=request.user, **form.changes())
        except CorrectionRefused as exc:
            form.add_error(exc.field, str(exc))
        else:
            if done.changed:
                messages.success(request, gettext("Saved. %(name)s's record is corrected; the "
                                                  "change is in the audit trail.")
                                 % {"name": done.resident.name})
            else:
                messages.info(request, gettext("Nothing was changed."))
            return redirect(_back_to(request, resident))
    return render_private(request, "residents/edit.html", {
        "group": group, "resident": resident, "form": form, "next": _back_to(request, resident),
        "fresh_two_factor": two_factor,
    }, status=400 if form.is_bound and form.errors else 200)


def _check_in_form(request, resident):
    """The at-risk flag and check-in calls, for those who add residents. Returns the form, a
    redirect once saved, or None for people who may not change it."""
    if not request.access.can("residents.add"):
        return None
    posted = request.method == "POST" and "every_days" in request.POST
    form = CheckInForm(request.POST if posted else None,
                       initial={"at_risk": resident.at_risk, "every_days": resident.check_in_days})
    if posted and form.is_valid():
        set_check_ins(resident, acting_user=request.user, at_risk=form.cleaned_data["at_risk"],
                      every_days=form.cleaned_data["every_days"])
        messages.success(request, "Saved.")
        return redirect(resident.get_absolute_url())
    return form


def _resident_points(residents, postcodes: dict[int, str]) -> list[dict]:
    """Each resident at their postcode's centre (about 15 homes), for the coordinators' map."""
    from kith.directory.geocoding import postcode_index
    from kith.places.postcodes import PostcodeError, parse

    index = postcode_index()
    points = []
    for resident in residents:
        try:
            location = index.locate(parse(postcodes.get(resident.pk, "")))
        except PostcodeError:
            location = None
        if location is not None:
            points.append({"name": resident.name, "url": resident.get_absolute_url(),
                           "lat": round(location.lat, 5), "lon": round(location.lon, 5)})
    return points


def _volunteer_sectors(group) -> list[dict]:
    """The group's volunteers counted per postcode sector: no one's home is shown."""
    from kith.directory.maps import K_ANONYMITY, volunteers_by_sector

    # Like the public map: a count under K_ANONYMITY is not shown, so no one stands out.
    return [{"sector": sector, "count": n if n >= K_ANONYMITY else None,
             "lat": round(centre.lat, 5), "lon": round(centre.lon, 5)}
            for sector, n, centre in volunteers_by_sector(group.memberships.all())]


@require_http_methods(["GET", "POST"])
@group_view("residents.reveal")
def resident_map(request, group):
    """Each resident at their postcode's point, with a reason: one access row per resident
    placed. Only roles that open every resident's details can open them all at once; a call
    handler is refused by the gate (privacy.check_in_hand)."""
    from kith.directory.maps import map_settings

    residents = list(group.residents.all()) if request.method == "POST" else []
    panel = reveal_panel(
        request, group=group, fields=[SealedField("postcode", _("Postcode"), residents)],
        together=True, label=_("Why do you need to see where they live?"),
        help_text=_("For example: planning this week's shopping round. Each resident shown is "
                    "logged."),
        button=_("Show the map"))
    points = None
    if "postcode" in panel.opened:
        points = _resident_points(residents, panel.opened["postcode"])
    return render_private(request, "residents/map.html", {
        **map_settings(), "group": group, "reveal": panel, "points": points,
        "volunteers": _volunteer_sectors(group),
    }, status=panel.status)
