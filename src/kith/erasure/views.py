"""Erasure pages: a coordinator erases a resident or a volunteer who asked (two-factor proved
in this session; a whole account only if they answer for every group it is in); anyone signed
in deletes their own account with a code sent to them. Each shows what goes, what stays and
anything holding it, then confirms."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kith.core.privacy import fresh_two_factor
from kith.erasure import authority, forms, services
from kith.erasure.models import Erasure
from kith.groups.access import group_view

NEEDS_TWO_FACTOR = 403  # the page, with the way to confirm it's you, and nothing erased


def _refuse_without_two_factor(request, form) -> bool:
    """Erasing cannot be undone, so a coordinator proves it's them as for a resident's copy:
    a passkey or an app, used in this session (privacy.fresh_two_factor). A stolen password
    alone must not wipe anyone. True when refused (the form says why)."""
    if fresh_two_factor(request):
        return False
    if form.is_bound:
        form.add_error(None, _("Erasing needs two-factor sign-in confirmed in this session. "
                               "Confirm it's you (the link above the form), then try again. "
                               "Nothing was erased."))
    return True


def _resident(group, pk):
    resident = get_object_or_404(group.residents, pk=pk)
    if services.erased(Erasure.Kind.RESIDENT, resident.pk):
        raise Http404("Already erased")
    return resident


@require_http_methods(["GET", "POST"])
@group_view("erasure.erase")
def erase_resident(request, group, pk):
    resident = _resident(group, pk)
    form = forms.ConfirmResidentErasure(request.POST if request.method == "POST" else None)
    holds = services.holds_for_resident(resident)
    refused = _refuse_without_two_factor(request, form)
    if request.method == "POST" and form.is_valid() and not holds and not refused:
        try:
            erasure = services.erase_resident(resident, by=request.user,
                                              why=Erasure.Why.REQUEST)
        except services.OnHold as held:
            holds = held.reasons
        else:
            messages.success(request, _("Resident #%(n)d has been erased. The audit trail "
                                        "keeps a line saying so, without their details.")
                             % {"n": erasure.subject_id})
            return redirect("residents:list", group.slug)
    return render(request, "erasure/resident.html", {
        "group": group, "resident": resident, "form": form, "holds": holds,
        "goes": services.preview_resident(resident),
        "exclusion": services.exclusion_kept(resident),
        "requests": resident.requests.count(), "fresh_two_factor": not refused,
    }, status=NEEDS_TWO_FACTOR if refused and form.is_bound else 200)


def _volunteer(group, pk):
    membership = get_object_or_404(group.memberships.select_related("person"), pk=pk)
    return membership.person


@require_http_methods(["GET", "POST"])
@group_view("erasure.erase")
def erase_volunteer(request, group, pk):
    person = _volunteer(group, pk)
    if person.pk == request.user.pk:
        return redirect("erasure:me")
    beyond = authority.beyond_reach_reasons(authority.groups_beyond_reach(request.user, person))
    if beyond and request.method == "POST":
        raise PermissionDenied(" ".join(beyond))
    form = forms.ConfirmVolunteerErasure(request.POST if request.method == "POST" else None)
    holds = services.holds_for_volunteer(person)
    refused = _refuse_without_two_factor(request, form)
    if request.method == "POST" and form.is_valid() and not holds and not refused:
        try:
            erasure = services.erase_volunteer(person, by=request.user, why=Erasure.Why.REQUEST)
        except services.OnHold as held:
            holds = held.reasons
        else:
            messages.success(request, _("Volunteer #%(n)d has been erased. The audit trail "
                                        "keeps a line saying so, without their details.")
                             % {"n": erasure.subject_id})
            return redirect("volunteers:list", group.slug)
    return render(request, "erasure/volunteer.html", {
        "group": group, "person": person, "form": form, "holds": holds,
        "goes": services.preview_volunteer(person), "beyond": beyond,
        "members_url": reverse("groups:members", args=[group.slug]),
        "fresh_two_factor": not refused,
    }, status=NEEDS_TWO_FACTOR if refused and form.is_bound else 200)


def _send_code(request) -> str:
    """The own-copy page's code (transparency.services), within its hourly limit: "" once
    sent, else what stopped it."""
    from kith.core import throttle
    from kith.transparency import services as copies
    from kith.transparency.views import OWN_SEND_LIMIT, OWN_SEND_SCOPE, OWN_SEND_WINDOW

    if throttle.take(OWN_SEND_SCOPE, str(request.user.pk), limit=OWN_SEND_LIMIT,
                     seconds=OWN_SEND_WINDOW) is None:
        return _("You have asked for a code several times this hour. Try again later.")
    if not copies.send_own_code(request.user, request.session, purpose="delete"):
        return _("Your account has no email address or mobile number to send a code to. Ask "
                 "your group's coordinator to delete your account for you.")
    return ""


def _proved(request, form) -> bool:
    """Is it them, now? The code just sent to their email or phone, typed here: whoever
    finds their session open on a shared tablet cannot delete their account with one tick."""
    from kith.transparency import services as copies

    wrong = copies.check_own_code(request.user, request.session, form.cleaned_data["code"],
                                  purpose="delete")
    if wrong:
        form.add_error("code", wrong)
    return not wrong


@require_http_methods(["GET", "POST"])
@login_required
def erase_me(request):
    """Anyone's own erasure (a volunteer, a call handler, a coordinator, someone in no group):
    their account and everything Kith holds about them, once they prove it is them."""
    person, problem = request.user, ""
    form = forms.ConfirmOwnErasure()
    holds = services.holds_for_volunteer(person, own=True)
    if request.method == "POST" and request.POST.get("action") == "send":
        problem = _send_code(request)
        if not problem:
            messages.success(request, _("We have sent you a code. It works for 15 minutes."))
            return redirect("erasure:me")
    elif request.method == "POST":
        form = forms.ConfirmOwnErasure(request.POST)
        if form.is_valid() and not holds and _proved(request, form):
            try:
                services.erase_volunteer(person, by=person, why=Erasure.Why.REQUEST)
            except services.OnHold:  # something opened since the check: say it to them
                holds = services.holds_for_volunteer(person, own=True)
            else:
                logout(request)
                return render(request, "erasure/me_done.html")
    return render(request, "erasure/me.html", {
        "form": form, "holds": holds, "problem": problem,
        "is_volunteer": hasattr(person, "volunteer"),
    }, status=400 if form.errors or problem else 200)
