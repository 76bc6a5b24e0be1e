"""Volunteers' own pages (sign-up, home, details, break, leave) and their coordinators' pages."""

from __future__ import annotations

import csv
import time
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kith.core import crypto, throttle
from kith.core.reveal_views import SealedField, render_private, reveal_panel
from kith.groups.access import group_view
from kith.groups.catalogue import SERVICE_LABELS
from kith.messaging import log as message_log
from kith.volunteers import roster, services
from kith.volunteers.forms import (
    SLOT_LABELS,
    BreakForm,
    ConsentsForm,
    DutyForm,
    EditDetailsForm,
    PolicyForm,
    RosterFilterForm,
    SignUpForm,
    VettingForm,
)
from kith.volunteers.models import (
    CHECK_LABELS,
    DAY_LABELS,
    DAYS,
    PART_LABELS,
    PARTS,
    Consent,
    Vetting,
    VolunteerProfile,
)
from kith.volunteers.policy import (
    MISSING,
    consent_versions,
    facts_for,
    may_hold,
    outdated_consents,
    reason_text,
    reasons_not_to_take,
    requirements_for,
)

# Sign-ups: LIMIT accepted per address an hour (a form with a typo does not count).
SIGNUP_SCOPE = "volunteers:signup"
SIGNUP_LIMIT = 5
SIGNUP_WINDOW = 60 * 60
LIMITED = ("You have signed up {limit} times from this connection in the last hour, which is "
           "as many as we accept. Please try again in an hour. What you typed is still below.")
UNVERIFIED = ("Confirm your email address first: on the Email addresses page, ask for a "
              "verification code. What you typed is still below.")
# What was typed waits in the session (postcode and phone encrypted) until the code is confirmed.
PENDING = "kith_volunteer_signup"
PENDING_MAX_AGE = 30 * 60


def _add_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: beside a field when it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            name = field if field in form.fields else f"consent_{field}"
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _profile(user) -> VolunteerProfile | None:
    if not user.is_authenticated:
        return None
    return VolunteerProfile.objects.filter(person=user).select_related("person").first()


def _volunteer_page(view):
    """Signed-in volunteers with a profile they have not left; everyone else to sign-up."""

    @login_required
    def wrapper(request, *args, **kwargs):
        profile = _profile(request.user)
        if profile is None or profile.status == VolunteerProfile.Status.LEFT:
            return redirect("volunteers:join" if profile is None else "volunteers:home")
        return view(request, profile, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


# --- public pages


@require_GET
def safety(request):
    return render(request, "volunteers/safety.html")


@require_http_methods(["GET", "POST"])
def join(request):
    """Sign up as a volunteer: about two minutes on a phone, then a code by email."""
    user = request.user
    profile = _profile(user)
    if profile is not None and profile.status != VolunteerProfile.Status.LEFT:
        messages.info(request, "You're already signed up as a volunteer.")
        return redirect("volunteers:home")
    form = SignUpForm(request.POST or None, signed_in=user.is_authenticated,
                      initial={"on_duty": False})
    status = 200
    if request.method == "POST":
        if throttle.peek(request, SIGNUP_SCOPE, seconds=SIGNUP_WINDOW) >= SIGNUP_LIMIT:
            form.add_error(None, LIMITED.format(limit=SIGNUP_LIMIT))
            status = 429
        elif user.is_authenticated and not services.email_verified(user):
            form.is_valid()  # still check what they typed
            form.add_error(None, UNVERIFIED)
        elif form.is_valid():
            if user.is_authenticated:
                try:
                    result = services.sign_up(user, acting_user=user, postcode=form.cleaned_data["postcode"],
                                              consents=form.consents(),
                                              on_duty=form.cleaned_data["on_duty"], **form.details())
                except ValidationError as exc:
                    _add_errors(form, exc)
                else:
                    throttle.hit(request, SIGNUP_SCOPE, seconds=SIGNUP_WINDOW)
                    _welcome(request, result)
                    return redirect("volunteers:home")
            else:
                throttle.hit(request, SIGNUP_SCOPE, seconds=SIGNUP_WINDOW)
                return _send_code(request, form)
    return render(request, "volunteers/join.html", {
        "form": form, "unverified": user.is_authenticated and not services.email_verified(user),
    }, status=status)


def _send_code(request, form: SignUpForm):
    """Keep what they typed, then prove the address with allauth's sign-in code.

    An address that already has an account gets a code too, and the same next page: the
    form never says whether someone has an account. Their details apply only once the code
    is confirmed in this browser (finish()).
    """
    from allauth.account.internal.flows.login_by_code import LoginCodeVerificationProcess

    data = form.cleaned_data
    person = get_user_model().objects.filter(email__iexact=data["email"]).first()
    if person is None:
        person = services.register_person(email=data["email"], display_name=data["display_name"])
    request.session[PENDING] = {
        "email": person.email, "at": time.time(), "details": form.details(),
        "consents": form.consents(), "on_duty": data["on_duty"],
        "display_name": data.get("display_name", ""),
        "postcode": crypto.encrypt(data["postcode"]),
        "phone": crypto.encrypt(data["phone"]) if data.get("phone") else "",
    }
    LoginCodeVerificationProcess.initiate(request=request, user=person, email=person.email)
    return redirect(f"{reverse('account_confirm_login_code')}?"
                    f"{urlencode({'next': reverse('volunteers:finish')})}")


@require_GET
@login_required
def finish(request):
    """After the emailed code: apply what they typed at sign-up, in one transaction."""
    pending = request.session.pop(PENDING, None)
    fresh = pending and time.time() - pending.get("at", 0) < PENDING_MAX_AGE
    if not fresh or pending.get("email") != request.user.email:
        if _profile(request.user) is not None:
            return redirect("volunteers:home")
        if pending:
            messages.error(request, "That sign-up took too long or was for another address. "
                                    "Please fill it in again.")
        return redirect("volunteers:join")
    person = request.user
    try:
        result = services.sign_up(
            person, acting_user=person, postcode=crypto.decrypt(pending["postcode"]),
            phone=crypto.decrypt(pending["phone"]) if pending["phone"] else None,
            display_name=pending["display_name"], consents=pending["consents"],
            on_duty=pending["on_duty"], **pending["details"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("volunteers:home" if _profile(person) else "volunteers:join")
    _welcome(request, result)
    return redirect("volunteers:home")


def _welcome(request, result: services.SignUp) -> None:
    name = result.profile.person.display_name or "and thank you"
    if result.how == "covers":
        text = (f"Welcome, {name}! You've joined {result.group.name}. Its coordinators will be "
                "in touch to check a few things before you take tasks.")
    elif result.how == "nearest":
        text = (f"Welcome, {name}! No group covers your postcode yet, so you've joined "
                f"{result.group.name}, the nearest. Its coordinators will be in touch.")
    elif result.how == "already":
        text = f"Welcome, {name}! Your volunteer profile is saved."
    else:
        text = (f"Welcome, {name}! There's no group near you on Kith yet. Your details are "
                "saved; see the directory for groups nearby.")
    messages.success(request, text)


# --- the volunteer's own pages


@require_GET
def home(request):
    """The volunteer's home: duty switch, tasks, offers, history, break, details, leave."""
    if not request.user.is_authenticated:
        return redirect("volunteers:join")
    profile = _profile(request.user)
    if profile is None:
        return redirect("volunteers:join")
    if profile.status == VolunteerProfile.Status.LEFT:
        from kith.retention.plan import volunteer_erased_after

        return render(request, "volunteers/left.html", {
            "profile": profile, "erased_after": volunteer_erased_after(profile)})
    if services.end_break_if_due(profile):
        messages.success(request, f"Welcome back, {profile.person}! It's good to have you "
                                  "again. Go on duty whenever you're ready; there's no rush.")
        profile.refresh_from_db()
    services.mark_active(profile)
    return render(request, "volunteers/home.html", _home_context(request, profile))


def _tasks(person) -> dict:
    """The volunteer's tasks in hand, and what they have done."""
    from kith.requests.models import Assignment

    mine = Assignment.objects.filter(volunteer=person).select_related("request__resident",
                                                                       "request__group")
    from kith.matching.models import Offer

    offers = (Offer.objects.filter(volunteer=person, state=Offer.State.OPEN,
                                   expires_at__gt=timezone.now())
              .select_related("request__group").order_by("expires_at"))
    from kith.messaging import channels

    return {"tasks": list(mine.filter(ended_at__isnull=True).order_by("due_by")),
            "reach": channels.summary(person),
            "offers": list(offers),
            "done": list(mine.filter(end=Assignment.End.DONE).order_by("-ended_at")[:10]),
            "done_count": mine.filter(end=Assignment.End.DONE).count()}


def _money_questions(person, groups) -> list:
    """Claims a treasurer asked them about: shown here even when the task is long done (and
    so not in "My tasks"), each linking to the task's money page where they answer."""
    from kith.money.models import Claim

    claims = (Claim.objects.filter(volunteer=person, state=Claim.State.QUERIED, group__in=groups)
              .select_related("request", "group").order_by("decided_at"))
    # The page opens by the task's grant: on a break, say, it would not, so no dead link.
    return [(claim, may_hold(person, claim.group, claim.request.service)) for claim in claims]


def _data_consent_withdrawn_at(person):
    """When they withdrew consent to Kith keeping their details, if it is still withdrawn."""
    from kith.transparency.models import Withdrawal

    return (Withdrawal.objects.filter(person=person, kind=Consent.Kind.DATA,
                                      given_again_at__isnull=True)
            .order_by("-withdrawn_at").values_list("withdrawn_at", flat=True).first())


def _home_context(request, profile: VolunteerProfile, break_form: BreakForm | None = None) -> dict:
    today = timezone.localdate()
    person = profile.person
    groups = []
    for membership in person.memberships.filter(is_volunteer=True).select_related("group"):
        facts = facts_for(person, membership.group)
        waiting = {SERVICE_LABELS.get(s, s): [CHECK_LABELS.get(r.removeprefix(MISSING), r)
                                              for r in reasons_not_to_take(facts, s, today)
                                              if r.startswith(MISSING)]
                   for s in profile.services}
        groups.append({"group": membership.group, "approved": facts.approved,
                       "ready": [s for s, missing in waiting.items() if not missing],
                       "waiting": {s: m for s, m in waiting.items() if m}})
    withdrew_at = _data_consent_withdrawn_at(person)
    outdated = outdated_consents(consent_versions(person))
    if withdrew_at is not None:
        # Their own choice, not new wording or an import: the page says so instead of asking
        # them to "confirm" (finding 7). Other consents at old wording still ask.
        outdated = [kind for kind in outdated if kind != Consent.Kind.DATA]
    needs_consent = bool(outdated) or (profile.reconfirm_consent and withdrew_at is None)
    on_break = profile.status == VolunteerProfile.Status.ON_BREAK
    return {
        **_tasks(person), "profile": profile, "groups": groups, "needs_consent": needs_consent,
        "money_questions": _money_questions(person, [g["group"] for g in groups]),
        "withdrew_consent_at": withdrew_at,
        "on_break": on_break, "approved_somewhere": any(g["approved"] for g in groups),
        "services": [SERVICE_LABELS.get(s, s) for s in profile.services],
        "availability": [SLOT_LABELS.get(s, s) for s in profile.availability],
        "break_form": break_form or BreakForm(),
    }


@require_POST
@_volunteer_page
def duty(request, profile):
    form = DutyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose on duty or off duty.")
        return redirect("volunteers:home")
    try:
        services.set_on_duty(profile, on_duty=form.cleaned_data["on_duty"],
                             acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "You're on duty. Thank you!" if form.cleaned_data["on_duty"]
                         else "You're off duty. No offers until you switch back on.")
    return redirect("volunteers:home")


@require_POST
@_volunteer_page
def take_break(request, profile):
    form = BreakForm(request.POST)
    if form.is_valid():
        try:
            services.take_break(profile, until=form.cleaned_data["until"], acting_user=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            until = form.cleaned_data["until"]
            messages.success(request, f"Enjoy your break. We'll see you on "
                                      f"{until:%A} {until.day} {until:%B}.")
            return redirect("volunteers:home")
    return render(request, "volunteers/home.html", _home_context(request, profile, form))


@require_POST
@_volunteer_page
def back(request, profile):
    if profile.status == VolunteerProfile.Status.ON_BREAK:
        services.end_break(profile, acting_user=request.user)
        messages.success(request, f"Welcome back, {profile.person}! Go on duty whenever "
                                  "you're ready.")
    return redirect("volunteers:home")


@require_http_methods(["GET", "POST"])
@_volunteer_page
def details(request, profile):
    initial = {"services": profile.services, "availability": profile.availability,
               "languages": ", ".join(profile.languages), "transport": profile.transport,
               "radius_km": profile.radius_km, "weekly_cap": profile.weekly_cap}
    form = EditDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_details(profile, acting_user=request.user,
                                    postcode=form.cleaned_data["postcode"] or None,
                                    **form.details())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Your details are saved.")
            return redirect("volunteers:home")
    return render(request, "volunteers/details.html", {
        "form": form, "profile": profile, "area": profile.person.postcode_sector})


@require_http_methods(["GET", "POST"])
@_volunteer_page
def reach(request, profile):
    """How Kith sends this volunteer offers and reminders: email, a text or WhatsApp."""
    from kith.messaging import channels
    from kith.messaging.forms import ChannelForm

    person = profile.person
    form = ChannelForm(request.POST or None, person=person,
                       initial={"channel": channels.preferred(person)})
    if request.method == "POST" and form.is_valid():
        channels.choose(person, form.cleaned_data["channel"], acting_user=request.user)
        way = channels.summary(person)
        messages.success(request, _("Saved: we'll reach you by %(how)s.")
                         % {"how": way["chosen_words"]}
                         + (f" {way['fallback']}" if way["fallback"] else ""))
        return redirect("volunteers:home")
    return render(request, "volunteers/reach.html", {"form": form,
                                                     "way": channels.summary(person)})


@require_http_methods(["GET", "POST"])
@_volunteer_page
def consents(request, profile):
    person = profile.person
    versions = consent_versions(person)
    kinds = list(Consent.Kind) if profile.reconfirm_consent else outdated_consents(versions)
    form = ConsentsForm(request.POST or None, kinds=kinds)
    if request.method == "POST" and kinds and form.is_valid():
        try:
            services.confirm_consents(person, acting_user=request.user, kinds=form.kinds())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Thank you: your consents are up to date.")
            return redirect("volunteers:home")
    given = Consent.objects.filter(person=person).order_by("kind", "-version")
    return render(request, "volunteers/consents.html", {"form": form, "kinds": kinds,
                                                        "given": given})


@require_http_methods(["GET", "POST"])
@_volunteer_page
def leave(request, profile):
    if request.method == "POST":
        services.leave(profile, acting_user=request.user)
        messages.success(request, "You've left. Thank you for everything you've done.")
        return redirect("volunteers:home")
    groups = [m.group for m in profile.person.memberships.filter(is_volunteer=True)
              .select_related("group")]
    return render(request, "volunteers/leave.html", {"profile": profile, "groups": groups})


# --- coordinators' pages


def _filters(request, rows):
    form = RosterFilterForm(request.GET or None, areas=roster.areas(rows))
    return form, (form.filters() if request.GET else {})


@require_GET
@group_view("volunteers.view")
def volunteer_list(request, group):
    rows = roster.rows_for(group)
    form, filters = _filters(request, rows)
    shown = roster.apply(rows, filters)
    page = Paginator(shown, 50).get_page(request.GET.get("page"))
    return render(request, "volunteers/list.html", {
        "group": group, "form": form, "page": page, "total": len(rows), "filters": filters,
        "query": urlencode(filters), "can_contact": request.access.can("volunteers.contact"),
        "can_vet": request.access.can("volunteers.vet"),
    })


CSV_COLUMNS = ["Name", "Email", "Area", "Services", "Free on", "Languages", "Transport",
               "How far (km)", "Most tasks a week", "Status", "On duty", "Approved",
               "Last active", "Tasks in the last 30 days"]


def _cell(value) -> str:
    """Text a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_GET
@group_view("volunteers.contact")
def export(request, group):
    """The filtered list as CSV: no sealed fields (phone, full postcode) in it; logged."""
    rows = roster.rows_for(group)
    _form, filters = _filters(request, rows)
    shown = roster.apply(rows, filters)
    services.record_export(group, acting_user=request.user, filters=filters, count=len(shown))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="volunteers-{group.slug}-'
                                       f'{timezone.localdate():%Y-%m-%d}.csv"')
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for row in shown:
        profile = row.profile
        writer.writerow([_cell(v) for v in [
            str(row.person), row.person.email or "", row.person.postcode_sector,
            "; ".join(row.services), "; ".join(row.availability),
            "; ".join(profile.languages) if profile else "",
            profile.get_transport_display() if profile else "",
            profile.radius_km if profile else "", profile.weekly_cap if profile else "",
            row.status_label, "yes" if row.on_duty else "no", "yes" if row.approved else "no",
            f"{timezone.localtime(row.last_active_at):%Y-%m-%d}" if row.last_active_at else "",
            row.load,
        ]])
    return response


def _membership(group, pk):
    return get_object_or_404(group.memberships.filter(is_volunteer=True)
                             .select_related("person", "person__volunteer"), pk=pk)


def _sealed_fields(person) -> list[SealedField]:
    """A volunteer's phone lives on their account, their full postcode on their profile."""
    return [SealedField("phone", _("Phone"), person),
            SealedField("postcode", _("Postcode"), getattr(person, "volunteer", None))]


def _reveal(request, group, person, *, posted: bool = False):
    return reveal_panel(request, group=group, fields=_sealed_fields(person),
                        permission="volunteers.contact", posted=posted)


def _detail(request, group, membership, *, vetting_form=None, reveal=None, status=200):
    person = membership.person
    profile = getattr(person, "volunteer", None)
    vetting = Vetting.objects.filter(person=person, group=group).select_related(
        "approved_by").first()
    today = timezone.localdate()
    facts = facts_for(person, group)
    can_take = [{"service": SERVICE_LABELS.get(s, s),
                 "reasons": [reason_text(r) for r in reasons_not_to_take(facts, s, today)]}
                for s in (profile.services if profile else [])]
    initial = {name: getattr(vetting, name) for name in services.VETTING_FIELDS} if vetting else {}
    availability = set(profile.availability) if profile else set()
    grid = [{"day": DAY_LABELS[d], "cells": [f"{d}_{p}" in availability for p in PARTS]}
            for d in DAYS]
    return render_private(request, "volunteers/detail.html", {
        "group": group, "membership": membership, "person": person, "profile": profile,
        "vetting": vetting, "can_take": can_take, "grid": grid,
        "parts": [PART_LABELS[p] for p in PARTS],
        "services": [SERVICE_LABELS.get(s, s) for s in (profile.services if profile else [])],
        "vetting_form": vetting_form or VettingForm(initial=initial),
        "reveal": reveal or _reveal(request, group, person),
        "can_vet": request.access.can("volunteers.vet"),
        "message_log": message_log.for_person(person, group=group),
        "can_contact": request.access.can("volunteers.contact"),
        "consents": Consent.objects.filter(person=person).order_by("kind", "-version"),
        "load": roster.load_last_30_days(group, [person.pk])[person.pk],
    }, status=status)


@require_http_methods(["GET", "POST"])
@group_view("volunteers.view")
def detail(request, group, pk):
    membership = _membership(group, pk)
    if request.method == "GET":
        return _detail(request, group, membership)
    if not request.access.can("volunteers.contact"):
        raise PermissionDenied("Only the group's coordinators can see volunteers' contact details.")
    panel = _reveal(request, group, membership.person, posted=True)
    return _detail(request, group, membership, reveal=panel, status=panel.status)


@require_POST
@group_view("volunteers.vet")
def vetting(request, group, pk):
    membership = _membership(group, pk)
    form = VettingForm(request.POST)
    if form.is_valid():
        try:
            services.record_vetting(membership, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Checks for {membership.person} saved.")
            return redirect("volunteers:detail", group.slug, membership.pk)
    return _detail(request, group, membership, vetting_form=form)


@require_POST
@group_view("volunteers.vet")
def approve(request, group, pk):
    membership = _membership(group, pk)
    if request.POST.get("action") == "withdraw":
        services.withdraw_approval(membership, acting_user=request.user)
        messages.success(request, f"{membership.person} is no longer approved. They can't "
                                  "take tasks in this group until approved again.")
    else:
        services.approve(membership, acting_user=request.user)
        messages.success(request, f"{membership.person} is approved. They can take tasks "
                                  "whose checks are recorded.")
    return redirect("volunteers:detail", group.slug, membership.pk)


@require_http_methods(["GET", "POST"])
@group_view("volunteers.vet")
def policy(request, group):
    form = PolicyForm(request.POST or None, initial={"requirements": requirements_for(group)})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_policy(group, acting_user=request.user,
                                   requirements=form.cleaned_data["requirements"] or {})
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Saved. Volunteers need these checks before taking "
                                      "each kind of task.")
            return redirect("volunteers:policy", group.slug)
    return render(request, "volunteers/policy.html", {"group": group, "form": form})
