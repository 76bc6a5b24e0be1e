"""The directory of local services: the list, one service, adding and correcting, finding the
nearest by need and postcode, and Open Referral UK files in and out."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from kith.core.privacy import NeedToKnowDenied, reveal
from kith.core.text import search_term
from kith.directory.geocoding import PostcodeError, place_for
from kith.groups.access import group_view
from kith.places.index import ATTRIBUTION
from kith.signposting import openreferral, referrals, services
from kith.signposting.finding import find_services, visible_to
from kith.signposting.forms import (
    FindForm,
    ImportForm,
    ReferralForm,
    ReferralMoveForm,
    ServiceForm,
)
from kith.signposting.models import LocalService, Referral, stale_before
from kith.signposting.needs import NEED_KEYS, NEED_LABELS


def _visible(group, pk) -> LocalService:
    """One of the services this group sees (its own or shared from above); else 404."""
    return get_object_or_404(visible_to(group), pk=pk)


def _own(group, pk) -> LocalService:
    """Only the group's own services are changed through it; a ward's are changed by the ward."""
    return get_object_or_404(LocalService.objects.select_related("group"), pk=pk, group=group)


@require_http_methods(["GET"])
@group_view("services.view")
def service_list(request, group):
    listed = list(visible_to(group))
    cutoff = stale_before()
    own = [s for s in listed if s.group_id == group.pk]
    shared = [s for s in listed if s.group_id != group.pk]
    stale = sum(1 for s in own if s.last_checked is None or s.last_checked < cutoff)
    return render(request, "signposting/list.html", {
        "group": group, "own": own, "shared": shared, "stale": stale,
        "can_manage": request.access.can("services.manage"), "need_labels": NEED_LABELS,
    })


@require_http_methods(["GET"])
@group_view("services.view")
def service_detail(request, group, pk):
    service = _visible(group, pk)
    return render(request, "signposting/detail.html", {
        "group": group, "service": service, "need_labels": NEED_LABELS,
        "can_manage": request.access.can("services.manage") and service.group_id == group.pk,
    })


def _save(request, group, form: ServiceForm, service: LocalService | None):
    try:
        if service is None:
            return services.create_service(group, acting_user=request.user, **form.cleaned_data)
        return services.update_service(service, acting_user=request.user, **form.cleaned_data)
    except services.ServiceError as exc:
        form.add_error(exc.field or None, str(exc))
        return None


@require_http_methods(["GET", "POST"])
@group_view("services.manage")
def service_new(request, group):
    form = ServiceForm(request.POST or None,
                       initial={"last_checked": timezone.localdate(), "status": "active"})
    if request.method == "POST" and form.is_valid():
        saved = _save(request, group, form, None)
        if saved is not None:
            messages.success(request, _("Service added."))
            return redirect("signposting:detail", group.slug, saved.pk)
    return render(request, "signposting/form.html", {"group": group, "form": form},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@group_view("services.manage")
def service_edit(request, group, pk):
    service = _own(group, pk)
    form = ServiceForm.for_service(service, request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, group, form, service)
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("signposting:detail", group.slug, saved.pk)
    return render(request, "signposting/form.html",
                  {"group": group, "form": form, "service": service},
                  status=400 if form.errors else 200)


@require_POST
@group_view("services.manage")
def service_checked(request, group, pk):
    service = services.mark_checked(_own(group, pk), acting_user=request.user)
    messages.success(request, _("Marked as checked today."))
    if request.POST.get("next") == "list":
        return redirect("signposting:list", group.slug)
    return redirect("signposting:detail", group.slug, service.pk)


@require_http_methods(["GET"])
@group_view("services.view")
def find(request, group):
    """Mid-call: a postcode and a need, the nearest services that serve it first."""
    form = FindForm(request.GET or None)
    text = search_term(request, limit=12)
    for_request = _request_or_none(group, search_term(request, name="request", limit=12))
    if for_request is not None and "q" not in request.GET:
        text = _their_postcode(request, group, for_request)
    need = request.GET.get("need", "")
    need = need if need in NEED_KEYS else ""
    place, error, found = None, "", []
    if text:
        try:
            place = place_for(text)
        except PostcodeError as exc:
            error = str(exc)
        else:
            found = find_services(group, place, need)
    return render(request, "signposting/find.html", {
        "group": group, "form": form, "q": text, "need": need, "place": place, "error": error,
        "found": found, "need_labels": NEED_LABELS, "attribution": ATTRIBUTION,
        "for_request": for_request, "can_refer": request.access.can("referrals.send"),
        "back_to_call": _back_to_call(request, for_request),
    }, status=400 if error else 200)


def _back_to_call(request, req) -> str:
    """The call this person holds about the request, if any: the way back to it from finding
    and referring (a call handler mid-call), "" otherwise."""
    if req is None:
        return ""
    from kith.requests.models import Callback

    held = Callback.objects.filter(request=req, claimed_by=request.user, closed_at=None,
                                   claimed_until__gt=timezone.now()).select_related("group")
    call = held.order_by("-pk").first()
    return call.get_absolute_url() if call is not None else ""


def _their_postcode(request, group, req) -> str:
    """Where to start when the page is opened from a call or a request: the resident's
    postcode if this person may open it (a logged look), else its plain sector, else nothing."""
    resident = req.resident
    try:
        postcode = reveal(resident, "postcode", viewer=request.user, group=group,
                          reason=_("Finding a local service for request %(reference)s")
                          % {"reference": req.reference},
                          request=request)
    except NeedToKnowDenied:
        postcode = None
    return (postcode or resident.postcode_sector or "").strip()[:12]


def _request_or_none(group, reference: str):
    """The group's request with this reference, if the find page was opened for one."""
    if not reference:
        return None
    return group.requests.select_related("resident").filter(reference=reference.upper()).first()


@require_http_methods(["GET", "POST"])
@group_view("services.manage")
def import_file(request, group):
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = openreferral.import_directory(group, form.cleaned_data["file"].read(),
                                                   acting_user=request.user)
        except openreferral.ImportRefused as exc:
            problems = exc.problems
        else:
            messages.success(request, ngettext(
                "%(n)d service read: %(new)d new, %(updated)d updated.",
                "%(n)d services read: %(new)d new, %(updated)d updated.", result.total) % {
                "n": result.total, "new": result.created, "updated": result.updated})
            return redirect("signposting:list", group.slug)
    return render(request, "signposting/import.html",
                  {"group": group, "form": form, "problems": problems},
                  status=400 if (problems or form.errors) else 200)


@require_http_methods(["GET"])
@group_view("services.manage")
def export_file(request, group):
    body = openreferral.export_directory(group)
    response = HttpResponse(json.dumps(body, indent=2, ensure_ascii=False),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{group.slug}-services.json"'
    return response


# --- referrals out


@require_http_methods(["GET", "POST"])
@group_view("referrals.send")
def refer(request, group, pk, reference):
    """The service's caution notes first; what they agree may go and why; the words to read
    them, filled in; their yes; then it is recorded as sent, only if the words recorded are
    the words that were shown."""
    service = _visible(group, pk)
    req = get_object_or_404(group.requests.select_related("resident"), reference=reference.upper())
    form = ReferralForm(request.POST or None)
    words, error = "", ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        words = referrals.consent_words(service, group, data["shared"], data["why"])
        if request.POST.get("step") == "send":
            if not referrals.words_were_shown(service, req, words, data["shown"]):
                error = _("What goes or why changed after they heard the words, so nothing "
                          "was recorded. Read them the words below as they are now, and ask "
                          "again.")
                form = _without_their_yes(request.POST)
            else:
                try:
                    referral = referrals.send(group, service, req, shared=data["shared"],
                                              why=data["why"], consented=data["consented"],
                                              acting_user=request.user)
                except referrals.AlreadyReferred as exc:
                    messages.info(request, str(exc))
                    return redirect("signposting:referral", group.slug, exc.referral.pk)
                except referrals.ReferralRefused as exc:
                    error = str(exc)
                else:
                    messages.success(request, _("Referral recorded. Pass the details on as "
                                                "the service asks."))
                    return redirect("signposting:referral", group.slug, referral.pk)
    return render(request, "signposting/refer.html", {
        "group": group, "service": service, "req": req, "form": form, "words": words,
        "shown": referrals.words_digest(service, req, words) if words else "",
        "error": error, "version": referrals.CONSENT_VERSION,
        "back_to_call": _back_to_call(request, req),
    }, status=400 if (form.errors or error) else 200)


def _without_their_yes(data) -> ReferralForm:
    """The form as typed, with the consent box cleared: a yes to other words is no yes."""
    kept = data.copy()
    kept.pop("consented", None)
    form = ReferralForm(kept)
    form.is_valid()
    return form


@require_http_methods(["GET"])
@group_view("referrals.send")
def referral_list(request, group):
    state = request.GET.get("state", "")
    listed = group.referrals.select_related("service", "request", "request__resident")
    if state in Referral.State.values:
        listed = listed.filter(state=state)
    return render(request, "signposting/referrals.html", {
        "group": group, "referrals": listed[:200], "state": state,
        "states": Referral.State.choices})


@require_http_methods(["GET", "POST"])
@group_view("referrals.send")
def referral_detail(request, group, pk):
    referral = get_object_or_404(
        group.referrals.select_related("service", "request", "request__resident"), pk=pk)
    form = ReferralMoveForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            referrals.move(referral, form.cleaned_data["to"], acting_user=request.user,
                           outcome=form.cleaned_data["outcome"])
        except referrals.ReferralRefused as exc:
            error = str(exc)
        else:
            return redirect("signposting:referral", group.slug, referral.pk)
    return render(request, "signposting/referral.html", {
        "group": group, "referral": referral, "form": form, "error": error,
        "shared_labels": referrals.SHAREABLE_LABELS,
    }, status=400 if (error or form.errors) else 200)
