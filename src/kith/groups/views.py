from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kith.accounts.naming import distinct_names
from kith.core import audit_words
from kith.core.models import AuditEvent, PersonalDataAccess
from kith.core.privacy import fresh_two_factor
from kith.core.text import search_term
from kith.groups import services, today
from kith.groups.access import group_view
from kith.groups.figures import figures_with_children
from kith.groups.forms import (
    AuditFilterForm,
    GroupProfileForm,
    InvitationForm,
    RolesForm,
    SubgroupForm,
)
from kith.groups.models import Group, Invitation, Membership
from kith.groups.roles import ROLE_LABELS, TWO_FACTOR_TO_INVITE

PAGE_SIZE = 50


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@require_GET
@login_required
def start(request):
    """After signing in: straight to the person's work (groups/today.landing says where)."""
    return redirect(today.landing(request.user))


@require_GET
@login_required
def my_groups(request):
    memberships = (
        Membership.objects.filter(person=request.user).select_related("group", "group__parent")
    )
    return render(request, "groups/mine.html", {"memberships": memberships,
                                                "role_labels": ROLE_LABELS})


@require_GET
@group_view("group.view")
def dashboard(request, group):
    """The group's today page: what needs someone now, the week, then the group's totals."""
    access = request.access
    own, children = figures_with_children(group)
    open_invitations = None
    if access.can("members.manage"):
        open_invitations = sum(1 for i in group.invitations.all() if i.is_open)
    works_here = today.can_see_today(access)
    return render(request, "groups/dashboard.html", {
        "group": group, "own": own, "children": children, "role_labels": ROLE_LABELS,
        "open_invitations": open_invitations, "works_here": works_here,
        "title": gettext("Today") if works_here else group.name,
        "needs_now": today.needs_now(group, access) if works_here else [],
        "week": today.week(group) if works_here else None,
        "seen_from_above": access.via_parent if not access.is_member else None,
        "other_workplaces": today.workplaces(request.user, besides=group) if works_here else [],
        "money": _money(group) if access.can("money.view") else None,
    })


def _money(group):
    """This month's and all-time money figures (money app), for coordinators and treasurers."""
    from kith.groups.figures import month_start
    from kith.money.figures import money_figures

    return {"month": money_figures(group, since=month_start()), "all": money_figures(group)}


@require_GET
@group_view("members.view")
def members(request, group):
    rows = list(group.memberships.select_related("person").order_by("person__display_name"))
    # Two members called "Owen Xu" each get Change roles: say which is which.
    labels = distinct_names(m.person for m in rows)
    for m in rows:
        m.label = labels[m.person_id]
    return render(request, "groups/members.html", {"group": group, "memberships": rows,
                                                   "role_labels": ROLE_LABELS})


@require_http_methods(["GET", "POST"])
@group_view("members.manage")
def member_edit(request, group, pk):
    membership = get_object_or_404(group.memberships.select_related("person"), pk=pk)
    form = RolesForm(request.POST or None, initial={"roles": sorted(membership.roles)})
    if request.method == "POST" and form.is_valid():
        # Only roles being added: taking a role away never needs more proof.
        _refuse_privilege_without_two_factor(
            request, form, set(form.cleaned_data["roles"]) - set(membership.roles))
    if request.method == "POST" and form.is_valid():
        try:
            services.change_roles(membership, roles=form.cleaned_data["roles"],
                                  acting_user=request.user)
        except ValidationError as exc:
            form.add_error("roles", _error_text(exc))
        else:
            messages.success(request, f"Roles for {membership.person} saved.")
            _warn_if_out(request, membership.person, group)
            return redirect("groups:members", group.slug)
    return render(request, "groups/member_edit.html",
                  {"group": group, "membership": membership, "form": form})


def _refuse_privilege_without_two_factor(request, form, roles: set[str]) -> None:
    """Granting a role that runs the group, sees personal data or handles money, by invitation
    or by changing someone's roles, needs two-factor proved in this session: someone holding
    only a coordinator's password must not be able to make themselves one."""
    privileged = roles & TWO_FACTOR_TO_INVITE
    if privileged and not fresh_two_factor(request):
        form.add_error("roles", gettext(
            "Making someone %(roles)s needs two-factor sign-in confirmed in this session. "
            "Confirm it's you (the link above the form), then try again.") % {"roles": ", ".join(
                str(ROLE_LABELS[r]).lower() for r in sorted(privileged))})


def _removed_words(person, group, taken) -> str:
    """What the coordinator is told: the removal, and what went back because of it."""
    words = [gettext("%(person)s is no longer in %(group)s.") % {"person": person, "group": group}]
    if taken.tasks:
        words.append(ngettext("%(n)d task went back to matching: %(refs)s.",
                              "%(n)d tasks went back to matching: %(refs)s.", len(taken.tasks))
                     % {"n": len(taken.tasks), "refs": ", ".join(taken.tasks)})
    if taken.offers:
        words.append(ngettext("%(n)d open offer was withdrawn.", "%(n)d open offers were withdrawn.",
                              taken.offers) % {"n": taken.offers})
    if taken.routes:
        words.append(ngettext("%(n)d route needs someone else.", "%(n)d routes need someone else.",
                              taken.routes) % {"n": taken.routes})
    if taken.regulars:
        words.append(ngettext("%(n)d regular help needs a new regular volunteer.",
                              "%(n)d regular helps need a new regular volunteer.",
                              taken.regulars) % {"n": taken.regulars})
    return " ".join(words)


@require_POST
@group_view("members.manage")
def member_remove(request, group, pk):
    membership = get_object_or_404(group.memberships.select_related("person"), pk=pk)
    try:
        taken = services.remove_member(membership, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _removed_words(membership.person, group, taken))
        _warn_if_out(request, membership.person, group)
    return redirect("groups:members", group.slug)


def _warn_if_out(request, person, group) -> None:
    """Someone out on a task when their role ends: they can still say they are safe, but the
    coordinator should know to look (kith.safety)."""
    from kith.safety.checkins import out_now

    if out_now(person, group):
        messages.warning(request, gettext(
            "%(person)s is out on a task now and has not yet said they are safe. They can "
            "still tell us; keep an eye on “Volunteers out on tasks”.") % {"person": person})


@require_http_methods(["GET", "POST"])
@group_view("members.manage")
def invitations(request, group):
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _refuse_privilege_without_two_factor(request, form, set(form.cleaned_data["roles"]))
    if request.method == "POST" and form.is_valid():
        invitation = services.create_invitation(
            group, roles=form.cleaned_data["roles"], email=form.cleaned_data["email"],
            acting_user=request.user,
        )
        if invitation.email:
            messages.success(request, f"Invitation emailed to {invitation.email}.")
        else:
            messages.success(request, "Invitation link made. Copy it from the list below.")
        return redirect("groups:invitations", group.slug)
    return render(request, "groups/invitations.html", {
        "group": group, "form": form, "invitations": group.invitations.all()[:100],
        "role_labels": ROLE_LABELS,
    })


@require_POST
@group_view("members.manage")
def invitation_revoke(request, group, pk):
    invitation = get_object_or_404(group.invitations, pk=pk)
    try:
        services.revoke_invitation(invitation, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "Invitation cancelled; the link no longer works.")
    return redirect("groups:invitations", group.slug)


@require_http_methods(["GET", "POST"])
@group_view("group.edit")
def group_settings(request, group):
    from kith.messaging import quiet
    from kith.messaging.forms import QuietHoursForm

    form = GroupProfileForm(request.POST or None, instance=Group.objects.get(pk=group.pk))
    hours = quiet.hours_for(group)
    # A post without the quiet-hours boxes (an older page, a script) leaves them as they are.
    quiet_posted = request.method == "POST" and "quiet-starts" in request.POST
    quiet_form = QuietHoursForm(request.POST if quiet_posted else None, prefix="quiet",
                                initial={"starts": hours.starts, "ends": hours.ends})
    quiet_ok = quiet_form.is_valid() if quiet_posted else True
    if request.method == "POST" and form.is_valid() and quiet_ok:
        try:
            with transaction.atomic():  # the details and the quiet hours, both or neither
                services.update_group(group, acting_user=request.user, **{
                    name: form.cleaned_data[name] for name in form.fields
                })
                if quiet_posted:
                    quiet.set_hours(group, acting_user=request.user, **quiet_form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, "Group details saved.")
            return redirect("groups:settings", group.slug)
    return render(request, "groups/settings.html", {"group": group, "form": form,
                                                    "quiet_form": quiet_form,
                                                    "quiet_zone": hours.time_zone,
                                                    "quiet_from": _inherited_from(hours, group)})


def _inherited_from(hours, group):
    """The group above whose quiet hours this one follows, or None if they are its own."""
    return hours.group if hours.pk and hours.group_id != group.pk else None


@require_http_methods(["GET", "POST"])
@group_view("group.edit")
def subgroup_new(request, group):
    form = SubgroupForm(request.POST or None, parent=group)
    if group.kind == Group.Kind.STREET:
        raise PermissionDenied("A street group is the smallest kind: it cannot hold other groups.")
    if request.method == "POST" and form.is_valid():
        try:
            child = services.create_subgroup(group, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"{child.name} is set up, with you as its coordinator. "
                                      "Invite its members next.")
            return redirect("groups:invitations", child.slug)
    return render(request, "groups/subgroup_new.html", {"group": group, "form": form})


@require_GET
@group_view("audit.view")
def audit_trail(request, group):
    events = AuditEvent.objects.filter(group=group).select_related("actor")
    if not request.access.can("safeguarding.case_details"):
        # Case rows only for the leads who handle them: even "a report came in" at a time that
        # lines up with a member's other actions could tell a coordinator who sent it.
        events = events.exclude(action__startswith="kith.case.")
    actions = events.order_by("action").values_list("action", flat=True).distinct()
    actor_ids = events.exclude(actor=None).values_list("actor_id", flat=True).distinct()
    actors = get_user_model().objects.filter(pk__in=actor_ids).order_by("display_name")
    form = AuditFilterForm(request.GET or None, actions=list(actions), actors=actors)
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["actor"]:
            events = events.filter(actor_id=data["actor"])
        if data["since"]:
            events = events.filter(created_at__date__gte=data["since"])
        if data["until"]:
            events = events.filter(created_at__date__lte=data["until"])
        if data["about"]:
            events = events.filter(object_repr__icontains=data["about"].strip())
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "groups/audit.html", {"group": group, "form": form, "page": page,
                                                 "lines": audit_words.lines(page),
                                                 "query": query.urlencode()})


@require_GET
@group_view("access_log.view")
def access_log(request, group):
    rows = PersonalDataAccess.objects.filter(group=group).select_related("viewer")
    term = search_term(request)
    if term:
        rows = rows.filter(Q(subject_repr__icontains=term) | Q(viewer__display_name__icontains=term))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "groups/access_log.html", {"group": group, "page": page, "q": term,
                                                      "query": urlencode({"q": term}) if term else ""})


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    invitation = get_object_or_404(Invitation.objects.select_related("group"), token=token)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            services.accept_invitation(invitation, person=request.user)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, f"Welcome to {invitation.group}.")
            return _after_joining(request, invitation)
    return render(request, "groups/invitation_accept.html", {
        "invitation": invitation, "role_labels": ROLE_LABELS,
        "two_factor_next": _two_factor_next_step(request, invitation),
    })


def _two_factor_next_step(request, invitation) -> bool:
    """Whether joining leads on to setting up two-factor (the page says so before they join)."""
    from kith.accounts.twofactor import roles_need_two_factor
    from kith.core.privacy import has_two_factor

    return roles_need_two_factor(invitation.roles) and not (
        request.user.is_authenticated and has_two_factor(request.user))


def _after_joining(request, invitation):
    """A role that opens residents' details goes straight on to two-factor set-up, which
    comes back to the group's page; anyone else goes to the group's page."""
    from django.urls import reverse

    dashboard = reverse("groups:dashboard", args=[invitation.group.slug])
    if _two_factor_next_step(request, invitation):
        return redirect(f"{reverse('accounts:two_factor_setup')}?{urlencode({'next': dashboard})}")
    return redirect(dashboard)
