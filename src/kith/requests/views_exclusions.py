"""Zero tolerance: the group's exclusion list, adding a number, a resident or a member to it,
and lifting an entry. The changes are exclusions.py's; only scrambled forms are kept."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kith.groups.access import group_view
from kith.requests import exclusions as exclusion_services
from kith.requests.forms_requests import ExcludeResidentForm, ExclusionForm, LiftForm
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import Exclusion
from kith.requests.pages import int_or_none
from kith.residents.erased import live_resident_or_404


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
        pk = int_or_none(source.get("resident"))
        if pk is None:
            raise Http404("No such resident")
        resident = live_resident_or_404(group, pk)  # erased: the digest kept already excludes
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
    pk = int_or_none(source.get("volunteer"))
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
