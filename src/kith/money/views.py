"""Money pages: a task's money (the volunteer's spending and cash, the check-up's answer,
the treasurer's payments, the coordinator's decisions), the treasurer's queue and claims, the
receipt photo, balances, reimbursing, the fund, the ledger and its monthly CSV, settings.
Thin: each form goes to one service in kith.money.services."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse as url_for
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kith.core.models import PersonalDataAccess
from kith.groups.access import group_view
from kith.money import forms as f
from kith.money import ledger, pages, receipts, services
from kith.money.ledger import MoneyError
from kith.money.models import Account, Claim, Flag, JournalEntry, MoneySettings
from kith.requests.models import HelpRequest


def _fail(form, exc: MoneyError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


def _task_for(request, group, reference) -> HelpRequest:
    """The request, if this person may see its money: the group's money people, or the
    volunteer who holds it (by the task's own grant: 404 once it is no longer theirs)."""
    req = get_object_or_404(HelpRequest.objects.select_related("group", "resident"),
                            group=group, reference=reference)
    if not pages.is_money_staff(request.access):
        pages.volunteer_grant(request.user, req)
    return req


# --- a task's money ---------------------------------------------------------------------------

TASK_ACTIONS = {
    # action: (permission, form class, handler)
    "spend": ("money.claim", f.SpendForm, pages.spend),
    "cash": ("money.claim", f.AmountForm, pages.cash),
    "answer": ("money.claim", f.AnswerForm, pages.answer),
    "confirm": ("money.confirm", None, pages.confirm),
    "pay": ("money.manage", f.PaymentForm, pages.pay),
    "hardship": ("money.decide", f.HardshipForm, pages.hardship),
    "limit": ("money.decide", f.AmountForm, pages.limit),
    "plan": ("money.decide", f.PlanForm, pages.plan),
}

# What only the volunteer who holds the task (or did it) may add.
NEW_MONEY = frozenset({"spend", "cash"})


def _to_task(request, req):
    """Back to the task's money page, still knowing the call it was opened from."""
    url = url_for("money:task", args=[req.group.slug, req.reference])
    call = request.GET.get("call", "")
    return redirect(f"{url}?call={call}" if call.isdigit() else url)


@require_http_methods(["GET", "POST"])
@group_view("money.task")
def task(request, group, reference):
    req = _task_for(request, group, reference)
    bound, action = {}, request.POST.get("action", "")
    if request.method == "POST":
        if action not in TASK_ACTIONS:
            raise Http404("No such action")
        permission, form_class, handler = TASK_ACTIONS[action]
        if not request.access.can(permission):
            raise PermissionDenied(_("Your role in this group does not include this."))
        if action in NEW_MONEY and not services.holds(req, request.user):
            # Given back or taken off: nothing new on it (the service refuses it too).
            messages.error(request, _("This task is no longer yours, so nothing more can be "
                                      "recorded on it. What you recorded before still goes "
                                      "to the treasurer."))
            return _to_task(request, req)
        form = form_class(request.POST, request.FILES, prefix=action) if form_class else None
        if form is None or form.is_valid():
            try:
                done = handler(request, req, form)
            except MoneyError as exc:
                if form is None:
                    messages.error(request, str(exc))
                    return _to_task(request, req)
                _fail(form, exc)
            else:
                messages.success(request, done)
                return _to_task(request, req)
        bound[action] = form
    context = pages.task_context(request, req, bound)
    return render(request, "money/task.html", context, status=400 if bound else 200)


# --- the treasurer's queue and claims ---------------------------------------------------------

@require_http_methods(["GET"])
@group_view("money.view")
def queue(request, group):
    return render(request, "money/queue.html", pages.queue_context(request, group))


def _claim(group, pk) -> Claim:
    return get_object_or_404(Claim.objects.select_related("request__resident", "volunteer",
                                                           "receipt"), group=group, pk=pk)


@require_http_methods(["GET", "POST"])
@group_view("money.view")
def claim(request, group, pk):
    item = _claim(group, pk)
    form = f.DecideForm(request.POST or None)
    if request.method == "POST":
        if not request.access.can("money.manage"):
            raise PermissionDenied(_("Only the group's treasurers decide claims."))
        if form.is_valid():
            try:
                done = pages.decide(request, item, form.cleaned_data)
            except MoneyError as exc:
                _fail(form, exc)
            else:
                messages.success(request, done)
                return redirect("money:queue", group.slug)
    return render(request, "money/claim.html", {
        "group": group, "claim": item, "form": form, "flags": item.flags.all(),
        "volunteer_gone": pages.volunteer_gone(item),
        "can_decide": request.access.can("money.manage") and item.state in (
            Claim.State.SUBMITTED, Claim.State.QUERIED),
    }, status=400 if form.errors else 200)


@require_http_methods(["GET"])
@group_view("money.receipt")
def receipt(request, group, pk):
    """The receipt photo, to the claim's volunteer (while the task is theirs), treasurers and
    coordinators only. Each look is a row in the access log."""
    item = _claim(group, pk)
    if not request.access.can("money.view"):
        if item.volunteer_id != request.user.pk:
            raise Http404("No such receipt")
        pages.volunteer_grant(request.user, item.request)
        if not services.holds(item.request, request.user):
            raise Http404("No such receipt")  # the photo only while the task is theirs
    stored = getattr(item, "receipt", None)
    if stored is None or stored.deleted_at is not None:
        raise Http404("No such receipt")
    data = receipts.open_receipt(stored.file_name)
    PersonalDataAccess.objects.create(
        viewer=request.user, group=group, subject_type="money.claim", subject_id=str(item.pk),
        subject_repr=str(item)[:200], field="receipt",
        reason="Own receipt" if item.volunteer_id == request.user.pk else "Checking a claim")
    response = HttpResponse(data, content_type="image/jpeg")
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- balances, reimbursing, the fund ------------------------------------------------------------

@require_http_methods(["GET"])
@group_view("money.view")
def balances(request, group):
    return render(request, "money/balances.html", pages.balances_context(request, group))


@require_http_methods(["GET", "POST"])
@group_view("money.view")
def reimburse(request, group, pk):
    person = get_object_or_404(get_user_model(), pk=pk, memberships__group=group)
    action = request.POST.get("action", "")
    pay = f.ReimburseForm(request.POST if action == "reimburse" else None, prefix="reimburse")
    paid_in = f.AmountForm(request.POST if action == "paid_in" else None, prefix="paid_in")
    if request.method == "POST":
        if not request.access.can("money.manage"):
            raise PermissionDenied(_("Only the group's treasurers record payments."))
        form = pay if action == "reimburse" else paid_in
        if form.is_valid():
            try:
                done = pages.settle(request, group, person, action, form.cleaned_data)
            except MoneyError as exc:
                _fail(form, exc)
            else:
                messages.success(request, done)
                return redirect("money:balances", group.slug)
    # Only approved claims are owed and offered; claims still waiting are shown apart.
    owed = services.approved_owed(group, person)
    waiting = services.waiting_for_volunteer(group, person)
    held = ledger.balance(ledger.account(group, Account.Kind.CASH_HELD, volunteer=person))
    unchecked = services.waiting_cash(group, person)
    if not pay.is_bound and owed:
        pay.initial = {"amount": f"{owed:.2f}"}
    if not paid_in.is_bound and held > unchecked:
        paid_in.initial = {"amount": f"{held - unchecked:.2f}"}
    return render(request, "money/reimburse.html", {
        "group": group, "person": person, "owed": owed, "held": held, "pay": pay,
        "waiting": waiting, "unchecked": unchecked,
        "paid_in": paid_in, "can_manage": request.access.can("money.manage"),
        "claims": Claim.objects.filter(group=group, volunteer=person).order_by("-created_at")[:20],
    }, status=400 if pay.errors or paid_in.errors else 200)


@require_http_methods(["GET", "POST"])
@group_view("money.manage")
def fund(request, group):
    form = f.FundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == JournalEntry.Kind.FUND_OUT:
                services.fund_out(group, amount=data["amount"], description=data["description"],
                                  actor=request.user)
            else:
                services.fund_in(group, kind=data["kind"], amount=data["amount"],
                                 description=data["description"], actor=request.user)
        except MoneyError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("Recorded in the books."))
            return redirect("money:ledger", group.slug)
    return render(request, "money/fund.html", {
        "group": group, "form": form,
        "bank": ledger.balance(ledger.account(group, Account.Kind.BANK)),
    }, status=400 if form.errors else 200)


# --- the ledger --------------------------------------------------------------------------------

@require_http_methods(["GET"])
@group_view("money.view")
def ledger_page(request, group):
    return render(request, "money/ledger.html", pages.ledger_context(request, group))


@require_POST
@group_view("money.view")
def reverse(request, group, pk):
    entry = get_object_or_404(JournalEntry, group=group, pk=pk)
    if not request.access.can(pages.may_reverse(entry.kind)):
        raise PermissionDenied(_("Covering shopping from the hardship fund is a coordinator's "
                                 "decision, so only a coordinator can undo it.")
                               if entry.kind == JournalEntry.Kind.HARDSHIP else
                               _("Only the group's treasurers reverse entries."))
    _decide(request, f.ReasonForm(request.POST),
            lambda data: services.reverse(entry, actor=request.user, reason=data["reason"]),
            done=_("Reversed. Both entries stay in the books."),
            invalid=_("Say why it is being reversed."))
    return redirect("money:ledger", group.slug)


def _decide(request, form, act, *, done: str, invalid: str) -> None:
    """A one-step decision posted from a list (reverse an entry, review a flag): the service's
    refusal, or the form's, becomes a message on the page it goes back to."""
    if not form.is_valid():
        messages.error(request, invalid)
        return
    try:
        act(form.cleaned_data)
    except MoneyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)


@require_http_methods(["GET"])
@group_view("money.view")
def ledger_csv(request, group):
    month = pages.month_from(request.GET.get("month", ""))
    if month is None:
        return HttpResponse(_("Give the month as 2026-12."), status=400,
                            content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="{group.slug}-books-'
                                       f'{month:%Y-%m}.csv"')
    writer = csv.writer(response)
    for row in pages.csv_rows(group, month):
        writer.writerow(row)
    return response


# --- flags and settings -----------------------------------------------------------------------

@require_POST
@group_view("money.decide")
def flag(request, group, pk):
    item = get_object_or_404(Flag, group=group, pk=pk)
    _decide(request, f.OutcomeForm(request.POST),
            lambda data: services.review_flag(item, actor=request.user, outcome=data["outcome"]),
            done=_("Noted. Thank you for looking at it."), invalid=_("Say what you decided."))
    return redirect("money:queue", group.slug)


@require_http_methods(["GET", "POST"])
@group_view("money.settings")
def settings_page(request, group):
    current = MoneySettings.for_group(group)
    initial = {name: getattr(current, name) for name in services.SETTINGS_FIELDS}
    initial["task_limit"] = f"{current.task_limit:.2f}"
    form = f.SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_settings(group, actor=request.user, **form.cleaned_data)
        except MoneyError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("money:settings", group.slug)
    return render(request, "money/settings.html", {"group": group, "form": form},
                  status=400 if form.errors else 200)
