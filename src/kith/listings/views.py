from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kith.core.phones import display_phone
from kith.groups.access import group_view
from kith.groups.models import Group
from kith.listings import ratelimit, services
from kith.listings.forms import DecisionForm, RegistrationForm, ReportForm, ResolveForm
from kith.listings.models import GroupRegistration, ListingReport

LIMITED = ("You have sent {limit} of these from this connection in the last hour, which is as "
           "many as we accept. Please try again in an hour. What you typed is still below.")


def _add_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: beside a field when it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _posted_pk(request, name: str) -> int:
    value = request.POST.get(name, "")
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise Http404("No such item")
    return int(value)


# --- public pages


@require_GET
def start(request):
    return render(request, "listings/start.html", {"form": RegistrationForm()})


def _limited_submit(request, scope: str, form, submit):
    """Anyone's public submission: the address's limit, the form, the service, then the count.

    Returns (result or None, status). Only accepted submissions count against the limit.
    """
    counted = ratelimit.take(request, scope)
    if counted is None:
        form.add_error(None, LIMITED.format(limit=ratelimit.LIMIT))
        return None, 429
    if not form.is_valid():
        counted.give_back()
        return None, 200
    try:
        result = submit(form.cleaned_data)
    except ValidationError as exc:
        _add_errors(form, exc)
        counted.give_back()
        return None, 200
    return result, 200


@require_http_methods(["GET", "POST"])
def register(request):
    form = RegistrationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        registration, status = _limited_submit(
            request, "register", form,
            lambda data: services.submit_registration(acting_user=request.user, **data))
        if registration is not None:
            network = services.network_of(registration.parent)
            messages.success(request, f"Thank you. {registration.name} is waiting for the "
                                      f"coordinators of {network} to approve it. We will "
                                      "email you when they have decided.")
            return redirect("listings:start")
    return render(request, "listings/register.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def report(request, group_slug):
    group = get_object_or_404(Group, slug=group_slug)
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        report_, status = _limited_submit(
            request, "report", form,
            lambda data: services.submit_report(group, acting_user=request.user, **data))
        if report_ is not None:
            messages.success(request, f"Thank you. {group.name}'s coordinators will see your "
                                      "report and put the listing right.")
            return redirect("listings:report", group.slug)
    return render(request, "listings/report.html", {"group": group, "form": form}, status=status)


# --- moderation


@require_http_methods(["GET", "POST"])
@group_view("listings.moderate")
def registrations(request, group):
    """A network's coordinators approve or turn down new groups anywhere in the network."""
    if group.kind != Group.Kind.NETWORK:
        if request.method == "POST":
            raise Http404("No such registration")
        return render(request, "listings/registrations.html",
                      {"group": group, "network": services.network_of(group)})
    queue = services.registrations_for(group).select_related("parent", "decided_by")
    forms = {}
    if request.method == "POST":
        registration = get_object_or_404(queue, pk=_posted_pk(request, "registration"))
        decision = request.POST.get("decision", "")
        form = DecisionForm(request.POST, prefix=f"reg{registration.pk}", decision=decision)
        if form.is_valid():
            try:
                if decision == DecisionForm.APPROVE:
                    new = services.approve_registration(registration, acting_user=request.user)
                    done = (f"{new.name} is listed under {new.parent}. We have emailed "
                            f"{registration.organiser_name} an invitation to coordinate it.")
                else:
                    services.reject_registration(registration, acting_user=request.user,
                                                 reason=form.cleaned_data["reason"])
                    done = (f"{registration.name} was turned down. We have emailed "
                            f"{registration.organiser_name} your reason.")
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, done)
            return redirect("listings:registrations", group.slug)
        forms[registration.pk] = form
    pending = list(queue.filter(status=GroupRegistration.Status.PENDING).order_by("created_at", "pk"))
    tree = services.network_group_ids(group)
    for registration in pending:
        registration.form = forms.get(registration.pk) or DecisionForm(prefix=f"reg{registration.pk}")
        registration.overlaps = services.groups_covering(registration.coverage, tree)
        registration.phone_display = display_phone(registration.phone) if registration.phone else ""
    decided = queue.exclude(status=GroupRegistration.Status.PENDING).order_by("-decided_at")[:20]
    return render(request, "listings/registrations.html", {
        "group": group, "network": group, "pending": pending, "decided": decided,
    })


@require_http_methods(["GET", "POST"])
@group_view("listings.moderate")
def reports(request, group):
    """A group's own coordinators see reports that its listing is wrong, and confirm it."""
    queue = group.listing_reports.select_related("resolved_by")
    forms = {}
    if request.method == "POST":
        item = get_object_or_404(queue, pk=_posted_pk(request, "report"))
        form = ResolveForm(request.POST, prefix=f"rep{item.pk}")
        if form.is_valid():
            try:
                services.resolve_report(item, acting_user=request.user,
                                        resolution=form.cleaned_data["resolution"])
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, "Report resolved.")
            return redirect("listings:reports", group.slug)
        forms[item.pk] = form
    open_reports = list(queue.filter(status=ListingReport.Status.OPEN).order_by("created_at", "pk"))
    for item in open_reports:
        item.form = forms.get(item.pk) or ResolveForm(prefix=f"rep{item.pk}")
    resolved = queue.filter(status=ListingReport.Status.RESOLVED).order_by("-resolved_at")[:20]
    return render(request, "listings/reports.html", {
        "group": group, "open_reports": open_reports, "resolved": resolved,
        "can_verify": request.access.can("group.edit"),
    })


@require_POST
@group_view("group.edit")
def verify(request, group):
    services.verify_listing(group, acting_user=request.user)
    messages.success(request, f"Thank you. The listing for {group.name} now says it was checked today.")
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect("listings:reports", group.slug)
