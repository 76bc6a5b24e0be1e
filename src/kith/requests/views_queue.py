"""The call handlers' pages: the callback queue, the call screen, missed calls, phone intake.

Views read and decide nothing about the queue themselves: claims, attempts and missed calls go
through callbacks.py, requests through intake.take_request(), and a phone number is only ever
shown through privacy.reveal(), to the person holding the call, with a reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kith.core.phones import display_phone
from kith.core.privacy import (
    CorrectionDenied,
    NeedToKnowDenied,
    has_two_factor,
    reveal,
    session_used_two_factor,
)
from kith.groups.access import group_view
from kith.requests import callbacks, check_ups, corrections, scripts
from kith.requests.callbacks import CHECKUP_KINDS
from kith.requests.forms_corrections import CallAnswersForm, NeedAnswersForm
from kith.requests.forms_queue import (
    AttemptForm,
    IntakeForm,
    MissedCallForm,
    PhoneSearchForm,
    service_choices,
)
from kith.requests.intake import Contact, Need, find_resident, take_request
from kith.requests.lifecycle import OPEN, IllegalMove
from kith.requests.models import CallAttempt, Callback, HelpRequest
from kith.residents.erased import live
from kith.residents.services import CorrectionRefused, update_contact
from kith.signposting import signposts

WORK = "callbacks.work"


# --- words for times ---------------------------------------------------------------------

def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def age_words(delta: timedelta) -> str:
    """How long ago, in one unit: "under a minute", "25 minutes", "3 hours", "2 days"."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return _plural(minutes, "minute")
    if minutes < 48 * 60:
        return _plural(minutes // 60, "hour")
    return _plural(minutes // (24 * 60), "day")


def short_words(delta: timedelta) -> str:
    """A short span for a due time: "45m", "2h", "2h 30m", "3d"."""
    minutes = max(1, math.ceil(abs(delta.total_seconds()) / 60))
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours}h" if rest < 5 or hours >= 4 else f"{hours}h {rest}m"
    return f"{minutes // (24 * 60)}d"


def in_words(delta: timedelta) -> str:
    """How long until, to the nearest minute: "in 1 hour", not "in 59 minutes"."""
    return age_words(timedelta(minutes=round(delta.total_seconds() / 60)))


def minutes_words(minutes: float | None) -> str:
    if minutes is None:
        return "—"
    if minutes < 60:
        return _plural(round(minutes), "minute")
    return age_words(timedelta(minutes=minutes))


def _left(until, now) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


# --- the queue ---------------------------------------------------------------------------

@dataclass
class Row:
    """One callback as the queue shows it; worked out from rows already loaded."""

    cb: Callback
    age: str
    due: str
    overdue: bool
    mine: bool  # the viewer holds the claim
    holder: str  # someone else holds it ("" if free)
    minutes_left: int


def _row(cb: Callback, viewer, now) -> Row:
    held = cb.claimed_by_id is not None and cb.claimed_until is not None and cb.claimed_until > now
    overdue = cb.due_at < now
    due = (f"overdue by {short_words(now - cb.due_at)}" if overdue
           else f"due in {short_words(cb.due_at - now)}")
    return Row(cb=cb, age=age_words(now - cb.created_at), due=due, overdue=overdue,
               mine=held and cb.claimed_by_id == viewer.pk,
               holder=str(cb.claimed_by) if held and cb.claimed_by_id != viewer.pk else "",
               minutes_left=_left(cb.claimed_until, now) if held else 0)


@require_GET
@group_view(WORK)
def queue(request, group):
    now = timezone.now()
    figures = callbacks.figures(group, now)
    shown, only = _only(request, callbacks.waiting(group, now), now)
    rows = [_row(cb, request.user, now) for cb in shown]
    later = list(callbacks.later(group, now))
    return render(request, "requests/queue/queue.html", {
        "group": group, "rows": rows, "later": later, "figures": figures, "only": only,
        "oldest": age_words(now - figures.oldest) if figures.oldest else "",
        "median": minutes_words(figures.median_minutes),
    })


def _only(request, waiting, now):
    """The queue narrowed as the today page's links ask (?due=overdue, ?kind=checkup), so
    each count there is the rows here; with what the page should say it shows."""
    if request.GET.get("due") == "overdue":
        return waiting.filter(due_at__lt=now), gettext("Showing only the calls that are overdue.")
    if request.GET.get("kind") == "checkup":
        return (waiting.filter(kind__in=CHECKUP_KINDS),
                gettext("Showing only check-up and check-in calls."))
    return waiting, ""


def _callback(group, pk: int) -> Callback:
    """The group's callback, or 404: an id from another group is not found here."""
    return get_object_or_404(
        Callback.objects.select_related("group", "resident", "request", "claimed_by"),
        group=group, pk=pk)


@require_POST
@group_view(WORK)
def claim(request, group, pk):
    cb = _callback(group, pk)
    if callbacks.claim(cb, request.user):
        return redirect("requests:callback", group.slug, cb.pk)
    cb = _callback(group, pk)
    if cb.outcome:
        messages.info(request, f"The call to {cb.who} has already been made.")
    else:
        holder = f": {cb.claimed_by} is on it" if cb.claimed_by_id else ""
        messages.error(request, f"Someone else is calling them{holder}. Choose another call.")
    return redirect("requests:queue", group.slug)


@require_POST
@group_view(WORK)
def release(request, group, pk):
    cb = _callback(group, pk)
    callbacks.release_claim(cb, request.user)
    messages.info(request, f"The call to {cb.who} is back in the queue for someone else.")
    return redirect("requests:queue", group.slug)


# --- the call screen ---------------------------------------------------------------------

def _reference(cb: Callback) -> str:
    return cb.request.reference if cb.request_id else f"call #{cb.pk}"


def _script_key(cb: Callback) -> str:
    if cb.kind in (Callback.Kind.CHECK_UP, Callback.Kind.CHECK_IN):
        return cb.kind
    if cb.request_id:
        return cb.request.service
    return "missed_call"


def _open_for_call(request, group, cb: Callback) -> dict:
    """The phone number (and the sealed notes that help the call) for the claimant, each look
    logged. Returns what was opened, or the reason it could not be."""
    subject = cb.resident if cb.resident_id else cb
    reason = f"Calling back ({cb.get_kind_display().lower()}, {_reference(cb)})"
    opened: dict = {"phone": None, "note": None, "details": None, "denied": ""}
    try:
        phone = reveal(subject, "phone", viewer=request.user, group=group, reason=reason,
                       request=request)
        opened["phone"] = phone
        opened["phone_display"] = display_phone(phone) if phone else ""
        if cb.note is not None:
            opened["note"] = reveal(cb, "note", viewer=request.user, group=group, reason=reason,
                                    request=request)
        if cb.request_id and cb.request.details is not None:
            opened["details"] = reveal(cb.request, "details", viewer=request.user, group=group,
                                       reason=reason, request=request)
    except NeedToKnowDenied as exc:
        opened["denied"] = str(exc)
    return opened


def _script(group, cb: Callback):
    return scripts.script_for(_script_key(cb), group=group.name,
                              reference=cb.request.reference if cb.request_id else "")


def _answers_form(cb: Callback, script, data=None) -> CallAnswersForm | None:
    """Boxes for what the script asks, on a call about a request (a missed call's answers go
    into the request taken next, on the intake page)."""
    if cb.kind != Callback.Kind.REQUEST or not cb.request_id or script is None:
        return None
    return CallAnswersForm(data, script=script, req=cb.request)


def _call_screen(request, group, cb: Callback, form: AttemptForm | None = None,
                 answers: CallAnswersForm | None = None, status: int = 200):
    now = timezone.now()
    checking = cb.kind in check_ups.CHECK_KINDS
    held = cb.in_queue and cb.held_by(request.user, now)
    script = _script(group, cb)
    holder_active = (cb.in_queue and cb.claimed_by_id is not None and cb.claimed_until is not None
                     and cb.claimed_until > now)
    context = {
        "group": group, "cb": cb, "held": held, "checking": checking,
        "holder": str(cb.claimed_by) if holder_active and not held else "",
        "minutes_left": _left(cb.claimed_until, now) if holder_active else 0,
        "age": age_words(now - cb.created_at),
        "due": (f"overdue by {short_words(now - cb.due_at)}" if cb.due_at < now
                else f"due in {short_words(cb.due_at - now)}"),
        "overdue": cb.overdue(now),
        "attempts": list(cb.attempts.select_related("by")),
        "script": script,
        "opened": _open_for_call(request, group, cb) if held else None,
        "form": form or AttemptForm(checking=checking, ask_address=_needs_address(cb),
                                    signpost_to=_signpost_to(cb)),
        "answers": answers or (_answers_form(cb, script) if held else None),
        "has_two_factor": has_two_factor(request.user),
        "session_two_factor": session_used_two_factor(request),
    }
    return render(request, "requests/queue/callback.html", context, status=status)


@require_GET
@group_view(WORK)
def callback(request, group, pk):
    return _call_screen(request, group, _callback(group, pk))


@require_POST
@group_view(WORK)
def attempt(request, group, pk):
    cb = _callback(group, pk)
    form = AttemptForm(request.POST, checking=cb.kind in check_ups.CHECK_KINDS,
                       ask_address=_needs_address(cb), signpost_to=_signpost_to(cb))
    script = _script(group, cb)
    answers = _answers_form(cb, script, request.POST)
    valid = form.is_valid() & (answers is None or answers.is_valid())  # both, to show every error
    if valid and answers is not None and answers.answers() and (
            form.cleaned_data["outcome"] != CallAttempt.Outcome.REACHED):
        answers.add_error(None, gettext("Their answers are saved only when you reached them. "
                                        "Choose “Reached them”, or clear the answers."))
        valid = False
    if not valid:
        return _call_screen(request, group, cb, form, answers, status=400)
    now = timezone.now()
    if cb.in_queue and cb.claimed_by_id == request.user.pk and not cb.held_by(request.user, now):
        # The call ran past the hold: renew it, unless someone else has taken it since.
        callbacks.claim(cb, request.user, now)
    data = form.cleaned_data
    signposted = form.signposted() if "services" in form.fields else []
    try:
        with transaction.atomic():  # the call and what it found out: all or nothing
            if answers is not None and answers.answers():
                # Saved while the call is still held: need-to-know lets the holder correct it.
                corrections.record_answers(cb.request, acting_user=request.user, script=script,
                                           answers=answers.answers())
            callbacks.log_attempt(cb, by=request.user, outcome=data["outcome"], note=data["note"],
                                  result=data.get("result", ""))
            if signposted:
                signposts.after_check_up(_callback(group, pk), services=signposted,
                                         actor=request.user)
            if data.get("address"):
                update_contact(cb.resident, acting_user=request.user,
                               contact=Contact(name=cb.resident.name, address=data["address"]))
    except (IllegalMove, CorrectionRefused, CorrectionDenied) as exc:
        form.add_error(None, str(exc))
        return _call_screen(request, group, _callback(group, pk), form, answers, status=400)
    return _after_attempt(request, group, _callback(group, pk), data["outcome"],
                          data.get("result", ""), signposted)


def _signpost_to(cb: Callback) -> list:
    """The local services a check-up call may record pointing them to (needs more help);
    none for other calls."""
    req = cb.request
    if cb.kind != Callback.Kind.CHECK_UP or req is None or not cb.in_queue:
        return []
    return signposts.ranked_for(req)


def _needs_address(cb: Callback) -> bool:
    """Ask for an address on a check-up or check-in call when we have none yet for this
    resident (a call about a request asks it in its script's "Where they live")."""
    return (cb.resident_id is not None and cb.resident.address is None
            and cb.kind != Callback.Kind.REQUEST)


def _after_attempt(request, group, cb: Callback, outcome: str, result: str,
                   signposted: list | None = None):
    who, queue_url = cb.who, reverse("requests:queue", args=[group.slug])
    if signposted:  # pointed elsewhere: the group may still help, but that is a new call
        messages.success(request, gettext(
            "Call to %(who)s done: needs more help, signposted to %(services)s. If the group "
            "can help too, take a new request.") % {
            "who": who, "services": ", ".join(s.name for s in signposted)})
        return redirect(queue_url)
    if outcome == CallAttempt.Outcome.REACHED:
        if cb.request_id and cb.kind == Callback.Kind.REQUEST:
            messages.success(request, f"Reached {who}. Now triage {cb.request.reference}.")
            return redirect("requests:detail", group.slug, cb.request.reference)
        if cb.kind == Callback.Kind.MISSED_CALL and not cb.request_id:
            messages.success(request, f"Reached {who}. Take their request now.")
            return redirect(_intake_url(group, request, phone=_phone_for_intake(request, group, cb)))
        if result == Callback.Result.MORE_HELP and cb.resident_id:
            messages.success(request, f"{who} needs more help: take the new request now.")
            return redirect(_intake_url(group, resident=cb.resident_id))
        if result == Callback.Result.CONCERN:
            messages.warning(request, _concern_told(group) % {"who": who})
        else:
            messages.success(request, f"Call to {who} done: {Callback.Result(result).label.lower()}."
                             if result else f"Call to {who} done.")
        return redirect(queue_url)
    if outcome == CallAttempt.Outcome.WRONG_NUMBER:
        still = (f" Request {cb.request.reference} is still open: tell a coordinator, so they can "
                 "find another way to reach them." if cb.request_id and cb.request.is_open else "")
        messages.info(request, f"Marked as a wrong number: the call to {who} has left the queue.{still}")
        return redirect(queue_url)
    again = timezone.localtime(cb.not_before)
    text = (f"{CallAttempt.Outcome(outcome).label} logged (try {cb.attempts_made}). The call to "
            f"{who} comes round again at {again:%H:%M}, in {in_words(cb.not_before - timezone.now())}.")
    if cb.escalated_at:
        text += f" After {cb.attempts_made} tries a coordinator has been told."
    messages.info(request, text)
    return redirect(queue_url)


def _phone_for_intake(request, group, cb: Callback) -> str:
    """Open the number again (a logged look) to carry it into the intake form."""
    try:
        phone = reveal(cb.resident if cb.resident_id else cb, "phone", viewer=request.user,
                       group=group, reason=f"Taking a request after a missed call ({_reference(cb)})",
                       request=request)
    except NeedToKnowDenied:
        return ""
    return display_phone(phone) if phone else ""


CARRIED_PHONE = "kith_intake_phone"


def _concern_told(group) -> str:
    """Who a concern on a call reaches, as it is: the safeguarding leads get the case; with no
    lead anywhere up the tree, the coordinators are asked to name one (safeguarding.services)."""
    from kith.safeguarding.routing import leads_for

    if leads_for(group):
        return gettext("Concern about %(who)s recorded. The group's safeguarding lead has been "
                       "told and will follow it up.")
    return gettext("Concern about %(who)s recorded. The group has no safeguarding lead yet, so "
                   "its coordinators have been told and asked to name one, who will follow it "
                   "up.")


def _intake_url(group, request=None, phone: str = "", **params) -> str:
    """The intake page; a phone number goes with the session, not in the address."""
    if phone and request is not None:
        request.session[CARRIED_PHONE] = phone
    query = urlencode({k: v for k, v in params.items() if v not in ("", None)})
    return reverse("requests:intake", args=[group.slug]) + (f"?{query}" if query else "")


# --- missed calls ------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@group_view(WORK)
def missed_call(request, group):
    form = MissedCallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cb = callbacks.note_missed_call(group, acting_user=request.user, **form.cleaned_data)
        rang_before = " They have rung before." if cb.resident_id else ""
        due = timezone.localtime(cb.due_at)
        messages.success(request, f"Missed call from {cb.who} added to the queue: call back by "
                                  f"{due:%H:%M} on {due:%a} {due.day} {due:%b}.{rang_before}")
        return redirect("requests:queue", group.slug)
    return render(request, "requests/queue/missed_call.html", {"group": group, "form": form},
                  status=400 if form.errors else 200)


# --- phone intake ------------------------------------------------------------------------

def _int(value) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _consent_on_file(resident):
    """When a returning resident last agreed to us keeping their details, or None."""
    if resident is None:
        return None
    return (resident.requests.filter(consent_at__isnull=False).order_by("-consent_at")
            .values_list("consent_at", flat=True).first())


def _returning(resident, now) -> dict:
    """What the call handler needs to know about a returning resident, with nothing sealed."""
    past = resident.requests.order_by("-created_at")
    last = past.first()
    return {
        "resident": resident,
        "count": past.count(),
        "last": (f"{last.get_service_display().lower()}, {age_words(now - last.created_at)} ago"
                 if last else ""),
        "open": list(past.filter(state__in=OPEN)[:5]),
        "on_file": [label for field, label in [("phone", "phone number"), ("address", "address"),
                                               ("postcode", "full postcode")]
                    if getattr(resident, field) is not None],
    }


def _duplicates(group, name: str, sector: str):
    """Residents who may be this new caller: the same name (any case) in the same sector."""
    if not name or not sector:
        return []
    return list(group.residents.filter(postcode_sector=sector, name__iexact=name)[:5])


def _scripts(group, chosen: str = "", answers: NeedAnswersForm | None = None) -> dict:
    """The call script for the chosen service, with boxes for what it asks about their need,
    and the others one click away."""
    keys = [key for key, _ in service_choices(group)]
    script = scripts.script_for(chosen, group=group.name) if chosen in keys else None
    return {"chosen": script,
            "answers": answers or (NeedAnswersForm(script=script) if script else None),
            "others": [scripts.script_for(key, group=group.name) for key in keys if key != chosen]}


def _intake_page(request, group, *, search, form, resident=None, duplicates=(), same_error="",
                 new_caller=False, focus="", answers=None, status=200):
    chosen = (form["service"].value() or "") if form is not None else ""
    return render(request, "requests/intake.html", {
        "group": group, "search": search, "form": form, "new_caller": new_caller,
        "returning": _returning(resident, timezone.now()) if resident is not None else None,
        "consent_at": _consent_on_file(resident), "duplicates": duplicates, "focus": focus,
        "same_error": same_error,
        "scripts": _scripts(group, chosen, answers if chosen else None),
    }, status=status)


@require_http_methods(["GET", "POST"])
@group_view("requests.intake")
def intake(request, group):
    """Step 1 finds the caller by phone number; step 2 is the request, filled in for them."""
    if request.method == "POST" and "lookup" not in request.POST:
        return _take(request, group)
    if request.headers.get("HX-Request") and "script" in request.GET:
        # htmx: the chosen service's script, when a service is picked.
        return render(request, "requests/queue/_intake_scripts.html", {
            "scripts": _scripts(group, request.GET.get("service", ""))})
    # The number is looked up by POST (or handed over in the session after a missed call),
    # never put in the URL, where access logs and browser history would keep it.
    carried = request.session.pop(CARRIED_PHONE, None)
    if request.method == "POST":
        search = PhoneSearchForm(request.POST)
    else:
        search = PhoneSearchForm({"phone": carried} if carried else None)
    resident = None
    if "resident" in request.GET:
        # Never an erased row: a bookmark to one must not start a call for "Erased resident".
        resident = get_object_or_404(live(group.residents), pk=_int(request.GET["resident"]) or 0)
    initial: dict = {}
    found_phone = search.is_bound and search.is_valid()
    if found_phone:
        phone = search.cleaned_data["phone"]
        initial["phone"] = display_phone(phone)
        resident = resident or find_resident(group, phone)
    if resident is not None:
        initial.update(resident=resident.pk, name=resident.name, language=resident.language,
                       at_risk=resident.at_risk)
    form = None
    if resident is not None or found_phone or request.GET.get("new") == "1":
        form = IntakeForm(group=group, initial=initial,
                          consent_on_file=_consent_on_file(resident) is not None)
        search.fields["phone"].widget.attrs.pop("autofocus", None)
        if resident is None:
            form.fields["name"].widget.attrs["autofocus"] = True
        else:
            _known(form, resident)
    return _intake_page(request, group, search=search, form=form, resident=resident,
                        new_caller=form is not None and resident is None,
                        focus="service" if resident is not None else "")


def _known(form: IntakeForm, resident) -> None:
    """For a returning resident: say which sealed details we have, so only changes are asked."""
    for name in ("postcode", "address"):
        if getattr(resident, name) is not None:
            form.fields[name].help_text = "We have it already (sealed). Fill in only if it has changed."


def _take(request, group):
    posted = live(group.residents).filter(pk=_int(request.POST.get("resident")) or 0).first()
    form = IntakeForm(request.POST, group=group, consent_on_file=_consent_on_file(posted) is not None)
    if posted is not None:
        _known(form, posted)
    search = PhoneSearchForm(initial={"phone": request.POST.get("phone", "")})
    search.fields["phone"].widget.attrs.pop("autofocus", None)
    duplicates: list = []
    same_error = ""
    resident = posted
    script = scripts.script_for(request.POST.get("service", ""), group=group.name)
    answers = NeedAnswersForm(request.POST, script=script) if script else None
    if form.is_valid() and (answers is None or answers.is_valid()):
        data = form.cleaned_data
        resident = data["resident"]
        same_as = request.POST.get("same_as", "")
        if resident is None and same_as != "new":
            duplicates = _duplicates(group, data["name"], data["postcode"][1])
            chosen = [d for d in duplicates if str(d.pk) == same_as]
            if chosen:
                resident, duplicates = chosen[0], []
            elif duplicates and request.POST.get("asked_same"):
                same_error = "Say whether this is the same person, so their history stays together."
        if not duplicates:
            return _save_request(request, group, data, resident,
                                 answers.lines() if answers is not None else [])
    return _intake_page(request, group, search=search, form=form, resident=resident,
                        duplicates=duplicates, same_error=same_error, new_caller=resident is None,
                        answers=answers,
                        status=400 if form.errors or same_error or (
                            answers is not None and answers.errors) else 200)


def _save_request(request, group, data: dict, resident, lines: list[str]):
    postcode, sector = data["postcode"]
    contact = Contact(name=data["name"], phone=data["phone"], postcode=postcode,
                      postcode_sector=sector, address=data["address"].strip(),
                      language=data["language"].strip(), at_risk=data["at_risk"])
    # Consent: ticked now, or (a returning resident) given on an earlier request and not withdrawn.
    consent = data["consent"] or _consent_on_file(resident) is not None
    # The script's answers about their need follow what was typed as details, one a line.
    details = "\n".join([part for part in [data["details"].strip()] if part] + lines)
    need = Need(service=data["service"], details=details, urgency=data["urgency"],
                when=data["when"].strip(), contact_by=data["contact_by"], consent=consent,
                asked_by=data["asked_by"])
    result = take_request(group, channel=HelpRequest.Channel.PHONE, contact=contact, need=need,
                          acting_user=request.user, resident=resident, triage=True)
    ref = result.request.reference
    spelled = " ".join(ch for ch in ref if ch != "-")
    if result.linked:
        messages.info(request, f"They already asked for help today, so this was added to "
                               f"{ref}. Read them that reference number: {ref} ({spelled}).")
    elif result.excluded:
        messages.warning(request, f"Saved as {ref}. A coordinator needs to look at it before "
                                  f"anyone is sent. Tell the caller: “We'll be in touch.”")
    else:
        messages.success(request, f"Saved. Read them their reference number: {ref} ({spelled}).")
    return redirect("requests:detail", group.slug, ref)
