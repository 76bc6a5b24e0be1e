"""Erasure pages: a coordinator erases a resident or a volunteer who asked; a volunteer erases
their own account. Each shows what goes, what stays and anything holding it, then confirms."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kith.erasure import forms, services
from kith.erasure.models import Erasure
from kith.groups.access import group_view
from kith.volunteers.models import VolunteerProfile


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
    if request.method == "POST" and form.is_valid() and not holds:
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
        "requests": resident.requests.count(),
    })


def _volunteer(group, pk):
    membership = get_object_or_404(group.memberships.select_related("person"), pk=pk)
    return membership.person


@require_http_methods(["GET", "POST"])
@group_view("erasure.erase")
def erase_volunteer(request, group, pk):
    person = _volunteer(group, pk)
    if person.pk == request.user.pk:
        return redirect("erasure:me")
    form = forms.ConfirmVolunteerErasure(request.POST if request.method == "POST" else None)
    holds = services.holds_for_volunteer(person)
    if request.method == "POST" and form.is_valid() and not holds:
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
        "goes": services.preview_volunteer(person),
    })


@require_http_methods(["GET", "POST"])
@login_required
def erase_me(request):
    """A volunteer's own erasure: their account and everything Kith holds about them."""
    person = request.user
    if not VolunteerProfile.objects.filter(person=person).exists():
        raise Http404("Not a volunteer")
    form = forms.ConfirmOwnErasure(request.POST if request.method == "POST" else None)
    holds = services.holds_for_volunteer(person, own=True)
    if request.method == "POST" and form.is_valid() and not holds:
        try:
            services.erase_volunteer(person, by=person, why=Erasure.Why.REQUEST)
        except services.OnHold:  # something opened since the check: say it to them
            holds = services.holds_for_volunteer(person, own=True)
        else:
            logout(request)
            return render(request, "erasure/me_done.html")
    return render(request, "erasure/me.html", {"form": form, "holds": holds})
