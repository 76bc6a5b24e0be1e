"""Pages: a person's own copy and consents (My account), a resident's copy and consents
(their record), and the resident's one-time link."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from kith.core import throttle
from kith.core.privacy import NeedToKnowDenied, two_factor_url
from kith.core.reveal_views import render_private
from kith.groups.access import group_view
from kith.residents.erased import live_resident_or_404
from kith.transparency import consents, services
from kith.transparency.forms import CodeForm, ReasonForm
from kith.transparency.kinds import MESSAGE_KINDS, RESIDENT, VOLUNTEER, kinds_for

# Wrong codes per visitor address across all links: a guesser moving between links is slowed.
LINK_SCOPE, LINK_LIMIT, LINK_WINDOW = "transparency:link", 20, 60 * 60
OWN_SEND_SCOPE, OWN_SEND_LIMIT, OWN_SEND_WINDOW = "transparency:own-send", 5, 60 * 60


def _json_response(document: dict, filename: str) -> HttpResponse:
    response = HttpResponse(json.dumps(document, indent=2, ensure_ascii=False),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- a person's own copy


@require_http_methods(["GET", "POST"])
@login_required
def own(request):
    person, form, problem = request.user, CodeForm(), ""
    if request.method == "POST" and request.POST.get("action") == "send":
        if throttle.take(OWN_SEND_SCOPE, str(person.pk), limit=OWN_SEND_LIMIT,
                         seconds=OWN_SEND_WINDOW) is None:
            problem = _("You have asked for a code several times this hour. Try again later.")
        elif services.send_own_code(person, request.session):
            messages.success(request, _("We have sent you a code. It works for 15 minutes."))
            return redirect("transparency:own")
        else:
            problem = _("Your account has no email address or mobile number to send a code to. "
                        "Ask your group's coordinator.")
    elif request.method == "POST":
        form = CodeForm(request.POST)
        if form.is_valid():
            wrong = services.check_own_code(person, request.session, form.cleaned_data["code"])
            if not wrong:
                return redirect("transparency:own_copy")
            form.add_error("code", wrong)
    return render_private(request, "transparency/own.html", {
        "form": form, "problem": problem, "code_sent": "transparency_own" in request.session,
    }, status=400 if form.errors or problem else 200)


@require_GET
@login_required
def own_copy(request):
    if not services.may_read_own(request.session):
        return redirect("transparency:own")
    document = services.own_copy(request.user, as_json=False)
    return render_private(request, "transparency/document.html", {
        "document": document, "json_url": reverse("transparency:own_copy_json"),
        "back_url": reverse("accounts:profile")})


@require_GET
@login_required
def own_copy_json(request):
    if not services.may_read_own(request.session):
        return redirect("transparency:own")
    return _json_response(services.own_copy(request.user, as_json=True), "my-kith-data.json")


# --- consents


def _kinds_context(stopped: set[str], who: str) -> list[dict]:
    theirs = who == RESIDENT  # the resident's page is read by a coordinator
    return [{"key": kind.key, "label": kind.their_label if theirs else kind.label,
             "stopped": kind.key in stopped} for kind in kinds_for(who)]


def _act_on_kind(request, action: str, **subject) -> str:
    """Stop or start one kind of message this subject gets; returns the words to say."""
    verb, _sep, key = action.partition(":")
    if verb not in ("stop", "start"):
        raise consents.ConsentProblem(_("There is no such kind of message."))
    consents.check_kind_applies(key, person=subject.get("person"))
    kind = MESSAGE_KINDS[key]
    label = kind.label if "person" in subject else kind.their_label
    if verb == "stop":
        cancelled = consents.withdraw_messages(key, acting_user=request.user, **subject)
        said = _("Stopped: no more “%(kind)s”.") % {"kind": label}
        if cancelled:
            said += " " + ngettext("%(n)d waiting message was cancelled.",
                                   "%(n)d waiting messages were cancelled.",
                                   cancelled) % {"n": cancelled}
        return said
    consents.give_messages_again(key, acting_user=request.user, **subject)
    return _("“%(kind)s” will be sent again.") % {"kind": label}


@require_http_methods(["GET", "POST"])
@login_required
def my_consents(request):
    from kith.volunteers.models import Consent

    person = request.user
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "withdraw_data":
                withdrawn = consents.withdraw_data_consent(person, acting_user=person)
                said = _("Done: you will get no more offers of tasks.")
                if withdrawn:
                    said += " " + ngettext("%(n)d open offer was withdrawn.",
                                           "%(n)d open offers were withdrawn.",
                                           withdrawn) % {"n": withdrawn}
            elif action == "give_data":
                consents.give_data_consent_again(person, acting_user=person)
                said = _("Thank you: you can be offered tasks again.")
            else:
                said = _act_on_kind(request, action, person=person)
        except consents.ConsentProblem as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, said)
        return redirect("transparency:my_consents")
    given = Consent.objects.filter(person=person).order_by("kind", "-version")
    is_volunteer = hasattr(person, "volunteer")
    return render(request, "transparency/my_consents.html", {
        "given": given, "is_volunteer": is_volunteer,
        "has_data": given.filter(kind=Consent.Kind.DATA).exists(),
        "withdrawals": person.withdrawals.all(),
        "kinds": _kinds_context(consents.stopped_kinds(person=person), VOLUNTEER),
        "holds_tasks": person.assignments.filter(ended_at__isnull=True).exists(),
    })


@require_http_methods(["GET", "POST"])
@group_view("residents.rights")
def resident_consents(request, group, pk):
    resident = live_resident_or_404(group, pk)  # erased: no one left to message
    if request.method == "POST":
        try:
            messages.success(request, _act_on_kind(request, request.POST.get("action", ""),
                                                   resident=resident, group=group))
        except consents.ConsentProblem as exc:
            messages.error(request, str(exc))
        return redirect("transparency:resident_consents", group.slug, resident.pk)
    return render(request, "transparency/resident_consents.html", {
        "group": group, "resident": resident,
        "requests": resident.requests.order_by("-created_at"),
        "withdrawals": resident.withdrawals.all(),
        "kinds": _kinds_context(consents.stopped_kinds(resident=resident), RESIDENT),
    })


# --- a resident's copy


@require_http_methods(["GET", "POST"])
@group_view("residents.rights")
def resident_copy(request, group, pk):
    resident = live_resident_or_404(group, pk)  # erased: nothing of theirs left to copy
    if request.method == "POST" and request.POST.get("cancel"):
        chosen = request.POST["cancel"]
        link = get_object_or_404(resident.exports, pk=int(chosen) if chosen.isdigit() else 0)
        services.cancel_link(link, by=request.user)
        messages.success(request, _("That link no longer works."))
        return redirect("transparency:resident_copy", group.slug, resident.pk)
    form = ReasonForm(request.POST or None, can_text=bool(resident.phone_digest))
    made, problem, texted = None, "", False
    if request.method == "POST" and form.is_valid():
        try:
            made = services.make_resident_export(resident, viewer=request.user, group=group,
                                                 reason=form.cleaned_data["reason"],
                                                 request=request)
        except NeedToKnowDenied as exc:
            problem = str(exc)
    context = {"group": group, "resident": resident, "form": form, "problem": problem,
               "links": resident.exports.all()[:10],
               "two_factor_url": two_factor_url(request, request.get_full_path())}
    if made is not None:
        url = request.build_absolute_uri(reverse("transparency:link", args=[made.token]))
        if form.cleaned_data.get("text_link"):
            texted = services.text_link(made, resident, url=url, viewer=request.user, group=group)
        context.update(made=made, url=url, texted=texted,
                       text_failed=form.cleaned_data.get("text_link") and not texted)
    return render_private(request, "transparency/resident_copy.html", context,
                          status=400 if form.errors or problem else 200)


@require_http_methods(["GET", "POST"])
def link(request, token):
    found = services.find_link(token)
    if found is None:
        raise Http404("No such link")
    if services.payload_of(found) is not None and request.session.get(
            "transparency_link") == found.pk:
        return render_private(request, "transparency/document.html", {
            "document": services.payload_of(found),
            "json_url": reverse("transparency:link_json", args=[token])})
    form, problem = CodeForm(request.POST or None), ""
    if request.method == "POST" and form.is_valid():
        if throttle.take_for_address(request, LINK_SCOPE, limit=LINK_LIMIT,
                                     seconds=LINK_WINDOW) is None:
            problem = _("Too many tries from here. Please wait an hour, or call the group.")
        else:
            try:
                used = services.use_link(token, form.cleaned_data["code"])
            except services.LinkProblem as exc:
                problem = str(exc)
            else:
                request.session["transparency_link"] = used.pk
                return redirect("transparency:link", token)
    found.refresh_from_db()
    return render_private(request, "transparency/link.html", {
        "form": form, "problem": problem, "state": found.state, "group": found.group},
        status=400 if form.errors or problem else 200)


@require_GET
def link_json(request, token):
    found = services.find_link(token)
    if found is None or request.session.get("transparency_link") != found.pk:
        raise Http404("No such link")
    document = services.payload_of(found)
    if document is None:
        raise Http404("No such link")
    return _json_response(document, "kith-data.json")
