"""What the money pages show and what their forms do, kept out of the views so they stay thin."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Prefetch, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.money import ledger, services
from kith.money.ledger import pounds
from kith.money.models import (
    Account,
    CashCheck,
    Claim,
    Flag,
    JournalEntry,
    JournalLine,
    MoneySettings,
    PaymentPlan,
    to_pounds,
)
from kith.requests import lifecycle

STAFF = ("money.view", "money.confirm", "money.decide", "money.manage")


def may_reverse(kind: str) -> str:
    """The permission that undoes an entry: a hardship entry is a coordinator's decision
    (money.decide), so a treasurer cannot quietly make the resident owe it again; the rest
    are the treasurer's bookkeeping."""
    return "money.decide" if kind == JournalEntry.Kind.HARDSHIP else "money.manage"


def is_money_staff(access) -> bool:
    return any(access.can(p) for p in STAFF)


def volunteer_grant(person, req):
    """The volunteer's grant over this task (requests.views_tasks): 404 unless it is theirs
    and they still stand in the role it needs."""
    from kith.requests.views_tasks import grant_for

    return grant_for(person, req.reference)


# --- a task's money: what each form does ------------------------------------------------------

def spend(request, req, form) -> str:
    data = form.cleaned_data
    services.record_claim(req, volunteer=request.user, shop=data["shop"],
                          spent_at=data["spent_at"], lines=form.lines(), upload=data["receipt"])
    return _("Thank you. Your spending is recorded and has gone to the treasurer.")


def cash(request, req, form) -> str:
    services.record_cash(req, volunteer=request.user, amount=form.cleaned_data["amount"])
    return _("Thank you. The cash is recorded; someone will check it with them at the "
             "check-up call.")


def answer(request, req, form) -> str:
    # Each question has its own box, which names its claim: the answer goes to that one only,
    # and only if it is this volunteer's and still waiting for them.
    pk = request.POST.get("claim", "")
    claim = Claim.objects.filter(pk=pk, request=req, volunteer=request.user,
                                 state=Claim.State.QUERIED).first() if pk.isdigit() else None
    if claim is None:
        raise ledger.MoneyError(_("There is no question waiting for you on this claim."))
    services.answer(claim, actor=request.user, text=form.cleaned_data["answer"])
    return _("Thank you. Your answer has gone to the treasurer.")


def confirm(request, req, form) -> str:
    check = CashCheck.objects.filter(pk=request.POST.get("check") or 0, entry__request=req).first()
    if check is None:
        raise ledger.MoneyError(_("That cash payment is not on this task."))
    paid = request.POST.get("paid") == "yes"
    services.confirm_cash(check, actor=request.user, paid=paid)
    return (_("Confirmed: they paid.") if paid
            else _("Noted: they say they did not pay. It is owed again."))


def pay(request, req, form) -> str:
    data = form.cleaned_data
    services.record_payment(req, amount=data["amount"], method=data["method"],
                            reference=data["reference"] or services.kith_reference(req),
                            actor=request.user)
    return _("Payment recorded.")


def hardship(request, req, form) -> str:
    data = form.cleaned_data
    services.cover_from_hardship(req, amount=data["amount"], actor=request.user,
                                 reason=data["reason"])
    return _("Covered by the hardship fund. They owe nothing for it.")


def plan(request, req, form) -> str:
    services.agree_payment_plan(req, until=form.cleaned_data["until"], actor=request.user)
    return _("Agreed. Until then it does not count as unpaid.")


def limit(request, req, form) -> str:
    services.agree_limit(req, amount=form.cleaned_data["amount"], actor=request.user)
    return _("Agreed. The volunteer can spend up to %(amount)s on this task.") % {
        "amount": pounds(form.cleaned_data["amount"])}


def task_context(request, req, bound: dict) -> dict:
    from kith.money import forms as f

    access = request.access
    group = req.group
    claims = list(req.claims.select_related("volunteer", "receipt").prefetch_related("lines"))
    mine = [c for c in claims if c.volunteer_id == request.user.pk]
    is_volunteer = req.assignments.filter(volunteer=request.user).exists()
    # Given back or taken off: what they recorded stays in view (and a question can still be
    # answered) so they can be paid, but nothing new is added.
    holds = is_volunteer and services.holds(req, request.user)
    owed = ledger.owed_on_request(req)

    def form(name, cls, **initial):
        return bound.get(name) or cls(prefix=name, initial=initial or None)

    return {
        "group": group, "req": req, "owed": owed, "limit": services.limit_for(req),
        "spent": services.spent_on(req),
        # Money people and the call handler confirming cash see every claim's amount; the
        # lines and the receipt only money people and the claim's own volunteer.
        "claims": claims if access.can("money.view") or access.can("money.confirm") else mine,
        "see_detail": access.can("money.view"),
        "back_to_call": back_to_call(request, req),
        "is_volunteer": is_volunteer, "holds": holds,
        "spends": req.service in services.SPENDING_SERVICES,
        "reference": services.kith_reference(req),
        "cash_checks": CashCheck.objects.filter(entry__request=req).select_related("entry"),
        # Repayments and their reversals; a rejected claim's reversal is not a payment (the
        # claim shows "Rejected" and why).
        "payments": [(entry, _paid_back(entry)) for entry in JournalEntry.objects.filter(
            request=req).exclude(kind=JournalEntry.Kind.CLAIM).exclude(
            kind=JournalEntry.Kind.REVERSAL, reverses__kind=JournalEntry.Kind.CLAIM)
            .select_related("reverses").prefetch_related("lines__account")],
        "spend_form": form("spend", f.SpendForm, spent_at=timezone.localtime().strftime(
            "%Y-%m-%dT%H:%M")) if holds and access.can("money.claim") else None,
        "cash_form": form("cash", f.AmountForm, amount=f"{owed:.2f}" if owed > 0 else "")
        if holds and access.can("money.claim") and owed > 0 else None,
        **_answer_forms(request, mine, bound.get("answer")),
        "can_confirm": access.can("money.confirm"),
        "pay_form": form("pay", f.PaymentForm) if access.can("money.manage") and owed > 0 else None,
        "hardship_form": form("hardship", f.HardshipForm, amount=f"{owed:.2f}")
        if access.can("money.decide") and owed > 0 else None,
        "limit_form": form("limit", f.AmountForm) if access.can("money.decide") else None,
        "plan_form": form("plan", f.PlanForm) if access.can("money.decide") and owed > 0
        else None,
        "plan": PaymentPlan.objects.filter(request=req).first(),
    }


def _answer_forms(request, mine: list[Claim], bound) -> dict:
    """One answer box per queried claim of theirs (its own ids); a box sent back with an error
    stays beside its own question, and an error about no claim at all shows above them."""
    from kith.money import forms as f

    posted = request.POST.get("claim", "")
    pairs, placed = [], False
    for claim in mine:
        if claim.state != Claim.State.QUERIED:
            continue
        mine_posted = bound is not None and posted == str(claim.pk)
        form = bound if mine_posted else f.AnswerForm(prefix="answer")
        form.auto_id = f"id_%s_{claim.pk}"
        placed = placed or mine_posted
        pairs.append((claim, form))
    return {"answer_forms": pairs, "answer_error": bound if bound is not None and not placed
            else None}


def _paid_back(entry) -> Decimal:
    """How much an entry took off what the resident owes (negative for a reversal that put it
    back)."""
    return -sum((line.amount for line in entry.lines.all()
                 if line.account.kind == Account.Kind.OWED_BY_RESIDENT), Decimal("0.00"))


def back_to_call(request, req) -> str | None:
    """The check-up call this page was opened from (?call=), so the call handler can go back
    to it; only a call about this same task."""
    from django.urls import reverse

    from kith.requests.models import Callback

    pk = request.GET.get("call", "")
    if not pk.isdigit() or not Callback.objects.filter(pk=pk, group=req.group,
                                                       request=req).exists():
        return None
    return reverse("requests:callback", args=[req.group.slug, pk])


# --- the treasurer's pages --------------------------------------------------------------------

def volunteer_gone(claim: Claim) -> bool:
    """A queried claim whose volunteer can no longer open the task's money page to answer
    (their role in the group ended): the treasurer rings them, then decides."""
    from django.http import Http404

    if claim.state != Claim.State.QUERIED:
        return False
    try:
        volunteer_grant(claim.volunteer, claim.request)
    except Http404:
        return True
    return False


def queue_context(request, group) -> dict:
    waiting = list(Claim.objects.filter(group=group, state__in=[
        Claim.State.SUBMITTED, Claim.State.QUERIED]).select_related(
        "request__resident", "volunteer").prefetch_related("flags"))
    return {
        "group": group, "waiting": waiting,
        "gone": {claim.pk for claim in waiting if volunteer_gone(claim)},
        "flags": Flag.objects.filter(group=group, reviewed_at__isnull=True).select_related(
            "resident", "claim__request"),
        "cash_waiting": CashCheck.objects.filter(
            entry__group=group, outcome=CashCheck.Outcome.WAITING).select_related(
            "entry__request__resident"),
        "can_decide": request.access.can("money.decide"),
        "can_manage": request.access.can("money.manage"),
        "totals": ledger.totals_by_kind(group),
    }


def decide(request, claim, data) -> str:
    action, text = data["action"], data.get("text", "")
    if action == "approve":
        services.approve(claim, actor=request.user)
        return _("Approved.")
    if action == "query":
        services.query(claim, actor=request.user, question=text)
        return _("Your question has gone to the volunteer.")
    services.reject(claim, actor=request.user, reason=text)
    return _("Rejected. The resident no longer owes it.")


def settle(request, group, person, action, data) -> str:
    if action == "reimburse":
        services.reimburse(group, person, amount=data["amount"],
                           bank_reference=data["bank_reference"], actor=request.user)
        return _("Reimbursement recorded.")
    services.pay_in_cash(group, person, amount=data["amount"], actor=request.user)
    return _("Cash paid in recorded.")


def _per_person(group, kind: str, field: str) -> list[tuple[object, Decimal]]:
    rows = (JournalLine.objects.filter(account__group=group, account__kind=kind)
            .values(f"account__{field}").annotate(t=Sum("pence")))
    sign = 1 if kind in Account.DEBIT_NORMAL else -1
    return [(row[f"account__{field}"], to_pounds(row["t"]) * sign) for row in rows if row["t"]]


def balances_context(request, group) -> dict:
    from django.contrib.auth import get_user_model

    from kith.residents.models import Resident

    owed_to = dict(_per_person(group, Account.Kind.OWED_TO_VOLUNTEER, "volunteer"))
    held = dict(_per_person(group, Account.Kind.CASH_HELD, "volunteer"))
    # The account carries claims still waiting too; only approved ones are owed yet.
    waiting: dict[int, Decimal] = {}
    for volunteer, amount in Claim.objects.filter(group=group, state__in=[
            Claim.State.SUBMITTED, Claim.State.QUERIED]).values_list("volunteer", "amount"):
        waiting[volunteer] = waiting.get(volunteer, Decimal("0.00")) + amount
    people = get_user_model().objects.in_bulk(set(owed_to) | set(held))
    zero = Decimal("0.00")
    volunteers = sorted(((people[pk],
                          max(owed_to.get(pk, zero) - (waiting.get(pk) or zero), zero),
                          waiting.get(pk) or zero, held.get(pk, zero))
                         for pk in people), key=lambda row: str(row[0]))
    owed_by = dict(_per_person(group, Account.Kind.OWED_BY_RESIDENT, "resident"))
    residents = Resident.objects.in_bulk(set(owed_by))
    return {
        "group": group, "volunteers": volunteers,
        "residents": sorted(((residents[pk], owed_by[pk]) for pk in residents),
                            key=lambda row: str(row[0].name)),
        "totals": ledger.totals_by_kind(group),
    }


def ledger_context(request, group) -> dict:
    """Every entry, oldest first, with the bank account's running balance after it."""
    bank = Account.Kind.BANK
    entries = list(JournalEntry.objects.filter(group=group).select_related(
        "recorded_by", "request", "reverses").prefetch_related(
        Prefetch("lines", queryset=JournalLine.objects.select_related(
            "account__resident", "account__volunteer")), "reversed_by"))
    # Cash waiting for its check-up is undone by the call's answer, not from the ledger.
    waiting = set(CashCheck.objects.filter(entry__group=group, outcome=CashCheck.Outcome.WAITING)
                  .values_list("entry_id", flat=True))
    running, rows = Decimal("0.00"), []
    for entry in entries:
        moved = sum((line.amount for line in entry.lines.all() if line.account.kind == bank),
                    Decimal("0.00"))
        running += moved
        reversed_ = _reversed(entry)
        rows.append({"entry": entry, "bank": moved, "running": running, "reversed": reversed_,
                     "can_reverse": not reversed_ and entry.kind not in (
                         JournalEntry.Kind.REVERSAL, JournalEntry.Kind.CLAIM)
                     and entry.pk not in waiting
                     and request.access.can(may_reverse(entry.kind))})
    rows.reverse()  # newest first on the page; the running balance was counted oldest first
    return {"group": group, "rows": rows, "can_manage": request.access.can("money.manage"),
            "months": _months(entries), "totals": ledger.totals_by_kind(group)}


def _reversed(entry) -> bool:
    try:
        return entry.reversed_by is not None
    except JournalEntry.DoesNotExist:
        return False


def _months(entries) -> list[date]:
    seen = sorted({e.occurred_on.replace(day=1) for e in entries}, reverse=True)
    return seen or [timezone.localdate().replace(day=1)]


# Months the books can be asked for: a year outside these is a typing slip (and 9999-12 has
# no month after it to end on).
BOOK_YEARS = range(2000, 2101)


def month_from(text: str) -> date | None:
    if not text:
        return timezone.localdate().replace(day=1)
    try:
        month = datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        return None
    return month if month.year in BOOK_YEARS else None


CSV_HEADER = ["entry", "date", "kind", "description", "account", "debit", "credit",
              "bank reference", "request", "reverses", "recorded by"]


def csv_rows(group, month: date):
    """One row per line of every entry dated in `month`: what an accountant reads."""
    end = (month + timedelta(days=32)).replace(day=1)
    yield CSV_HEADER
    lines = (JournalLine.objects.filter(entry__group=group, entry__occurred_on__gte=month,
                                        entry__occurred_on__lt=end)
             .select_related("entry__request", "entry__recorded_by", "account__volunteer",
                             "account__resident").order_by("entry__pk", "pk"))
    for line in lines:
        entry = line.entry
        yield [entry.pk, entry.occurred_on.isoformat(), entry.get_kind_display(),
               _safe(entry.description), _safe(str(line.account)),
               f"{line.amount:.2f}" if line.pence > 0 else "",
               f"{-line.amount:.2f}" if line.pence < 0 else "", _safe(entry.bank_reference),
               entry.request.reference if entry.request else "", entry.reverses_id or "",
               _safe(str(entry.recorded_by or ""))]


def _safe(text: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: not ours."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def status_money(req) -> dict | None:
    """For the resident's status page: what they owe for this request and how to pay, or
    None if they owe nothing and never did."""
    if not req.claims.exists():
        return None
    rules = MoneySettings.for_group(req.group)
    owed = ledger.owed_on_request(req)
    spent = services.spent_on(req)
    pay_by = (max(c.created_at for c in req.claims.all())
              + timedelta(days=rules.days_to_pay)).date()
    plan = PaymentPlan.objects.filter(request=req).first()
    # Owed from when the shopping is recorded, as the ledger says: they have the shopping and
    # its receipt, and usually pay at the door. What the treasurer has not checked yet is said
    # plainly, with what happens if it turns out wrong (a repeat is refused at source).
    checking = sum((c.amount for c in req.claims.filter(state__in=[
        Claim.State.SUBMITTED, Claim.State.QUERIED])), Decimal("0.00"))
    return {"owed": owed, "spent": spent, "reference": services.kith_reference(req),
            "checking": min(checking, owed),
            "rules": rules, "bank": bool(rules.bank_account_number and rules.bank_sort_code),
            # A later date a coordinator agreed with them wins over the usual one.
            "pay_by": plan.until if plan else pay_by, "agreed": plan is not None,
            # A link saved before https was required is not offered to residents.
            "link": rules.payment_link if rules.payment_link.lower().startswith("https://")
            else "",
            # The shopping has reached them: cash "when they bring it" no longer fits.
            "done": req.state in (lifecycle.DONE, lifecycle.CHECKED_UP, lifecycle.CLOSED)}


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(month, time.min))
    end = timezone.make_aware(datetime.combine((month + timedelta(days=32)).replace(day=1),
                                               time.min))
    return start, end
