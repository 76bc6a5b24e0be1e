"""The public side of help requests, open to everyone without an account.

- `ask`: a resident (or someone for them) asks a group for help; `ask_sent` shows the
  reference number. A request that matches the exclusion list looks exactly like any other
  to the person who sent it: same page, same reference, same promise.
- `refer`: a pharmacy, food bank, council or charity refers someone who agreed to it.
  An ask from outside the group's area is taken all the same, flagged to the coordinators,
  and answered honestly: no promised call time, and the groups nearest the asker
  (requests/outside_area.py).
- `status_start` -> `status_code` -> `status_view`: a resident checks on their request with
  the reference and a one-time code sent to the phone or email we hold. Both steps say the
  same thing whether or not anything matched (requests/status.py).

Posting is rate limited per address (core/throttle.py, on the shared cache, counted
atomically), the status check per reference number too, and the two request forms carry a
honeypot field that people never see.
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kith.core import throttle
from kith.groups.models import Group
from kith.requests import lifecycle
from kith.requests.callbacks import URGENT_HOURS
from kith.requests.forms_public import LANGUAGES, AskForm, ReferForm, StatusCodeForm, StatusStartForm
from kith.requests.models import Callback, HelpRequest, RequestPolicy
from kith.requests.outside_area import areas_of, groups_near, take_public_request
from kith.requests.status import Attempt, CodeProblem, check_code, send_code

HOUR = 60 * 60
TEN_MINUTES = 10 * 60
# Accepted requests per address per hour; a form with mistakes does not count.
ASK_LIMIT = 10
REFER_LIMIT = 20  # a pharmacy or food bank may refer several people in an afternoon
# Codes asked for, and codes tried, per address per ten minutes, and per reference number
# per hour (whether or not the reference exists, so a limit reached says nothing either).
SEND_CODE_LIMIT = 10
CHECK_CODE_LIMIT = 20
SEND_CODE_PER_REFERENCE = 5
CHECK_CODE_PER_REFERENCE = 20
STATUS_OPEN_FOR = 30 * 60

HONEYPOT = "website"  # a field people never see; software that fills every box fills it
SENT = "kith_request_sent"
STATUS_ATTEMPT = "kith_status_attempt"
STATUS_REQUEST = "kith_status_request"

LIMITED = ("You have sent {limit} requests from this connection in the last hour, which is as "
           "many as we accept. Please try again in an hour, or ring the group. What you typed "
           "is still below.")
HONEYPOT_HIT = "Something went wrong sending the form. Please check your answers and press the button again."
CODES_LIMITED = ("We have had a lot of tries from this connection in the last few minutes. Please "
                 "wait ten minutes and try again, or ring the group.")


REFERENCE_LIMITED = _("We have had a lot of tries for this reference number in the last hour. "
                      "Please wait an hour and try again, or ring the group you asked.")


# --- asking for help and referring


def _take(request, group, form, *, channel: str, scope: str, limit: int):
    """Check the limit, the honeypot and the form; record the request. Returns (response, status).

    The try is counted before anything else (atomically, so posts arriving together cannot
    all pass) and given back if the form has a mistake: only accepted requests use up the limit.
    """
    counted = throttle.take_for_address(request, scope, limit=limit, seconds=HOUR)
    if counted is None:
        form.add_error(None, LIMITED.format(limit=limit))
        return None, 429
    if request.POST.get(HONEYPOT, "").strip():
        form.add_error(None, HONEYPOT_HIT)  # stays counted: software, not a typo
        return None, 200
    if not form.is_valid():
        counted.give_back()
        return None, 200
    need = form.need()
    result, area = take_public_request(group, channel=channel, contact=form.contact(), need=need)
    # Nothing here depends on result.excluded: that request looks like any other to its sender.
    request.session[SENT] = {
        "group": group.slug, "reference": result.request.reference, "linked": result.linked,
        "channel": channel, "contact_by": need.contact_by, "urgency": need.urgency,
        # Only the sector, as everywhere outside the sealed record.
        "outside": area.sector if area is not None and area.outside else "",
    }
    return redirect("requests:ask_sent", group.slug), 200


def _request_page(request, group_slug, *, form_class, channel, scope, limit, template):
    group = get_object_or_404(Group, slug=group_slug)
    form = form_class(request.POST or None, group=group)
    status = 200
    if request.method == "POST":
        response, status = _take(request, group, form, channel=channel, scope=scope, limit=limit)
        if response is not None:
            return response
    return render(request, template, {
        "group": group, "form": form, "languages": LANGUAGES, "honeypot": HONEYPOT,
    }, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def ask(request, group_slug):
    return _request_page(request, group_slug, form_class=AskForm, channel=HelpRequest.Channel.WEB,
                         scope="requests:ask", limit=ASK_LIMIT, template="requests/public/ask.html")


@never_cache
@require_http_methods(["GET", "POST"])
def refer(request, group_slug):
    return _request_page(request, group_slug, form_class=ReferForm,
                         channel=HelpRequest.Channel.REFERRAL, scope="requests:refer",
                         limit=REFER_LIMIT, template="requests/public/refer.html")


def hours_in_words(hours: int) -> str:
    if hours == 1:
        return "an hour"
    if hours >= 48 and hours % 24 == 0:
        return f"{hours // 24} days"
    return f"{hours} hours"


@never_cache
@require_GET
def ask_sent(request, group_slug):
    group = get_object_or_404(Group, slug=group_slug)
    sent = request.session.get(SENT)
    if not isinstance(sent, dict) or sent.get("group") != group.slug:
        return redirect("requests:ask", group.slug)
    hours = RequestPolicy.for_group(group).callback_target_hours
    if sent.get("urgency") == HelpRequest.Urgency.TODAY:
        hours = min(hours, URGENT_HOURS)  # what the callback queue itself aims for
    outside = sent.get("outside") or ""
    return render(request, "requests/public/sent.html", {
        "group": group, "reference": sent["reference"], "linked": sent.get("linked", False),
        "referral": sent.get("channel") == HelpRequest.Channel.REFERRAL,
        "contact_by": sent.get("contact_by", HelpRequest.ContactBy.CALL),
        "within": hours_in_words(hours), **_outside_context(group, outside),
    })


def _outside_context(group, sector: str) -> dict:
    """For an ask from outside the group's area: where they are, what the group covers and
    the groups nearest them (no promise of a call time is made on that page)."""
    if not sector:
        return {"outside": ""}
    from kith.directory.distance import in_miles
    from kith.directory.search import NEAREST_WITHIN_M

    return {"outside": sector, "area": sector, "group_areas": ", ".join(areas_of(group)),
            "nearest": groups_near(sector, exclude=group),
            "nearest_within": in_miles(NEAREST_WITHIN_M)}


# --- checking on a request


def _limited(form, message: str) -> int:
    form.add_error(None, message)
    return 429


@never_cache
@require_http_methods(["GET", "POST"])
def status_start(request):
    """Whatever is wrong (an unknown reference, someone else's number), the same next page."""
    form = StatusStartForm(request.POST or None)
    status = 200
    if request.method == "POST":
        counted = throttle.take_for_address(request, "requests:send_code", limit=SEND_CODE_LIMIT,
                                            seconds=TEN_MINUTES)
        if counted is None:
            status = _limited(form, CODES_LIMITED)
        elif not form.is_valid():
            counted.give_back()  # a typo is not a try
        elif throttle.take("requests:send_code_for", form.cleaned_data["reference"],
                           limit=SEND_CODE_PER_REFERENCE, seconds=HOUR) is None:
            status = _limited(form, REFERENCE_LIMITED)
        else:
            attempt = Attempt.start(form.cleaned_data["reference"])
            send_code(attempt, form.cleaned_data["contact"])
            request.session[STATUS_ATTEMPT] = attempt.to_session()
            return redirect("requests:status_code")
    return render(request, "requests/public/status_start.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def status_code(request):
    attempt = Attempt.from_session(request.session.get(STATUS_ATTEMPT))
    if attempt is None:
        return redirect("requests:status")
    form = StatusCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        counted = throttle.take_for_address(request, "requests:check_code",
                                            limit=CHECK_CODE_LIMIT, seconds=TEN_MINUTES)
        if counted is None:
            status = _limited(form, CODES_LIMITED)
        elif not form.is_valid():
            counted.give_back()  # six digits mistyped is not a guess
        elif throttle.take("requests:check_code_for", attempt.reference,
                           limit=CHECK_CODE_PER_REFERENCE, seconds=HOUR) is None:
            status = _limited(form, REFERENCE_LIMITED)
        else:
            try:
                req = check_code(attempt, form.cleaned_data["code"])
            except CodeProblem as exc:
                form.add_error("code", str(exc))
                request.session[STATUS_ATTEMPT] = attempt.to_session()  # its tries
            else:
                request.session.cycle_key()
                request.session.pop(STATUS_ATTEMPT, None)
                request.session[STATUS_REQUEST] = {"id": req.pk,
                                                   "until": time.time() + STATUS_OPEN_FOR}
                return redirect("requests:status_view")
    return render(request, "requests/public/status_code.html",
                  {"form": form, "reference": attempt.reference}, status=status)


STEPS = [
    ("asked", "You asked for help"),
    ("called", "We called you"),
    ("arranged", "A volunteer is arranged"),
    ("done", "The help is done"),
]

# What each state means to the person who asked: never a volunteer's name, never "excluded"
# or "safeguarding".
NOW = {
    lifecycle.NEW: "We have your request. Someone from {group} will get in touch soon to talk "
                   "it through.",
    lifecycle.TRIAGED: "We have talked about what you need, and we are looking for a volunteer.",
    lifecycle.MATCHING: "We are looking for a volunteer near you.",
    lifecycle.OFFERED: "We have asked volunteers near you, and are waiting for one to say yes.",
    lifecycle.ASSIGNED: "A volunteer is arranged to help you.",
    lifecycle.IN_PROGRESS: "A volunteer is on their way or helping you now.",
    lifecycle.DONE: "The help is done. Someone may ring to check it went well.",
    lifecycle.CHECKED_UP: "The help is done, and we have checked in with you.",
    lifecycle.CLOSED: "This request is finished. Thank you for asking us.",
    lifecycle.CANCELLED: "This request was stopped. If you still need help, please ask again or "
                         "ring us.",
    lifecycle.COULD_NOT_HELP: "We are sorry: we could not help with this one. If we have not told "
                              "you about somewhere else that can help, please ring us.",
    lifecycle.ESCALATED: "A coordinator is looking at your request. They will be in touch.",
    lifecycle.ON_HOLD: "A coordinator is looking at your request. They will be in touch.",
}

_ARRANGED = {lifecycle.ASSIGNED, lifecycle.IN_PROGRESS, lifecycle.DONE, lifecycle.CHECKED_UP}
_DONE = {lifecycle.DONE, lifecycle.CHECKED_UP}


def progress(req: HelpRequest) -> list[dict]:
    """The four steps, each done or not, with the first one not done marked current."""
    finished_work = req.state == lifecycle.CLOSED and req.events.filter(action="complete").exists()
    done = finished_work or req.state in _DONE
    arranged = done or req.state in _ARRANGED
    called = arranged or req.events.filter(action="triage").exists() or req.callbacks.filter(
        kind=Callback.Kind.REQUEST, outcome=Callback.Outcome.REACHED).exists()
    reached = {"asked": True, "called": called, "arranged": arranged, "done": done}
    ended = req.state in lifecycle.FINAL and not finished_work
    steps, current_found = [], False
    for key, label in STEPS:
        if key == "called" and req.contact_by != HelpRequest.ContactBy.CALL:
            label = "We got in touch with you"
        current = not reached[key] and not current_found and not ended
        current_found = current_found or current
        steps.append({"key": key, "label": label, "done": reached[key], "current": current})
    return steps


def _cancelled(req: HelpRequest) -> dict | None:
    """Who cancelled it and when, for a cancelled request's page: the resident (no account,
    so no actor on the move) or the group. Kith itself never cancels a request."""
    if req.state != lifecycle.CANCELLED:
        return None
    move = req.events.filter(action="cancel").order_by("-created_at", "-id").first()
    if move is None:
        return {"by_resident": False, "at": req.state_changed_at}
    return {"by_resident": move.actor_id is None, "at": move.created_at}


def _outside_still(req: HelpRequest) -> dict:
    """A request asked from outside its group's area and not yet talked through: its page
    says what the thank-you page said (the group may not be able to help; the groups nearest
    them), not "will get in touch soon"."""
    if req.state != lifecycle.NEW or not req.events.filter(action="outside_area").exists():
        return {"outside": ""}
    sector = req.resident.postcode_sector
    return _outside_context(req.group, sector) if sector else {"outside": ""}


def status_money(req: HelpRequest) -> dict | None:
    """What they owe for shopping on this request and how to pay (money app), if anything."""
    from kith.money.pages import status_money as money_for

    return money_for(req)


def _open_request(request):
    held = request.session.get(STATUS_REQUEST)
    if not isinstance(held, dict):
        return None, False
    if held.get("until", 0) < time.time():
        request.session.pop(STATUS_REQUEST, None)
        return None, True
    req = HelpRequest.objects.select_related("group").filter(pk=held.get("id")).first()
    if req is None:
        request.session.pop(STATUS_REQUEST, None)
    return req, False


@never_cache
@require_http_methods(["GET", "POST"])
def status_view(request):
    """Their request's progress, and what they can do about it themselves: add a note,
    cancel it before a volunteer is arranged (requests/by_resident.py), or close the page."""
    from django.utils.translation import gettext

    from kith.requests import by_resident
    from kith.requests.forms_corrections import ResidentCancelForm, ResidentNoteForm

    req, expired = _open_request(request)
    if req is None:
        if expired:
            messages.info(request, "To keep your request private, its page closes after 30 "
                                   "minutes. Ask for a new code to see it again.")
        return redirect("requests:status")
    action = request.POST.get("action", "close") if request.method == "POST" else ""
    note_form = ResidentNoteForm(request.POST if action == "note" else None)
    cancel_form = ResidentCancelForm(request.POST if action == "cancel" else None)
    if action == "close":  # "I have finished": close the page on a shared computer
        request.session.pop(STATUS_REQUEST, None)
        messages.success(request, "Your request's page is closed. Nobody else using this device "
                                  "can see it.")
        return redirect("requests:status")
    if action == "note" and note_form.is_valid():
        try:
            by_resident.add_note(req, text=note_form.cleaned_data["note"])
        except lifecycle.IllegalMove as exc:
            note_form.add_error("note", str(exc))
        else:
            messages.success(request, gettext("Thank you. Your note is with %(group)s.")
                             % {"group": req.group.name})
            return redirect("requests:status_view")
    if action == "cancel" and cancel_form.is_valid():
        try:
            by_resident.cancel(req, reason=cancel_form.cleaned_data["reason"])
        except lifecycle.IllegalMove as exc:
            cancel_form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("Your request is cancelled. If you need help "
                                              "again, ask us again or ring us."))
            return redirect("requests:status_view")
    req.refresh_from_db()
    return render(request, "requests/public/status_view.html", {
        "req": req, "group": req.group, "steps": progress(req),
        "now": NOW[req.state].format(group=req.group.name),
        "ended": req.state in lifecycle.FINAL, "cancelled": _cancelled(req),
        **_outside_still(req),
        "note_form": note_form if by_resident.may_add_note(req) else None,
        "cancel_form": cancel_form if by_resident.may_cancel(req) else None,
        "arranged": req.state in lifecycle.HELD,
        "money": status_money(req),
    }, status=400 if action in ("note", "cancel") else 200)
