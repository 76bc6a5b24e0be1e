"""Every change to a group's money, each one transaction with its audit row and, where money
moves, its balanced journal entry (ledger.post). Nothing here is ever edited afterwards: a
mistake is reversed (`reverse`), and a claim turned down is reversed by `reject`."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core.audit import log_action
from kith.money import ledger, notify, receipts
from kith.money.ledger import MoneyError, check_amount, pounds
from kith.money.models import (
    Account,
    AgreedLimit,
    CashCheck,
    Claim,
    ClaimLine,
    Flag,
    JournalEntry,
    MoneySettings,
    PaymentPlan,
    Receipt,
    to_pence,
)
from kith.requests.models import Assignment, HelpRequest

Kind = ledger.Kind
Entry = JournalEntry.Kind
# Tasks where a volunteer buys something for the resident: shopping and prescription charges.
SPENDING_SERVICES = frozenset({"shopping", "prescriptions"})
# Lines are goods: a volunteer's time, a tip or a fee is never charged to a resident (seed 000).
NOT_GOODS = re.compile(r"\b(tips?|gratuity|time|hours?|labour|labor|my fee|service charge|"
                       r"delivery charge|petrol|mileage|parking)\b", re.IGNORECASE)


def kith_reference(req: HelpRequest) -> str:
    """What a resident writes as the reference on a bank transfer."""
    return f"KITH {req.reference}"


def limit_for(req: HelpRequest) -> Decimal:
    agreed = AgreedLimit.objects.filter(request=req).first()
    return agreed.amount if agreed else MoneySettings.for_group(req.group).task_limit


def spent_on(req: HelpRequest) -> Decimal:
    return sum((c.amount for c in req.claims.exclude(state=Claim.State.REJECTED)), Decimal("0"))


def _check_lines(lines: list[tuple[str, Decimal]]) -> Decimal:
    if not lines:
        raise MoneyError(_("Add at least one thing you bought, with its price."), "lines")
    for item, amount in lines:
        if not item.strip():
            raise MoneyError(_("Say what each price was for."), "lines")
        if NOT_GOODS.search(item):
            raise MoneyError(_("Only the goods you bought can be paid back, never your time, "
                               "a tip, fees or travel. Take “%(item)s” out.") % {"item": item},
                             "lines")
        check_amount(amount, "lines")
    return sum((amount for _i, amount in lines), Decimal("0"))


# A second identical entry within this long is taken for the same form sent twice.
REPEAT_WINDOW = timedelta(minutes=10)


def _lock(*accounts: Account) -> None:
    """Lock the accounts a change reads before it writes (in post()'s order: by id)."""
    list(Account.objects.select_for_update().filter(pk__in=sorted(a.pk for a in accounts))
         .order_by("pk"))


def _refuse_repeat(kind: str, acct: Account, amount: Decimal, message: str, *,
                   bank_reference: str | None = None, request=None,
                   description: str | None = None) -> None:
    """The same money on the same account in the last few minutes, not reversed: a double
    submit (a second tap, a reloaded page). Call with `acct` locked."""
    pence = to_pence(amount)
    same = JournalEntry.objects.filter(
        group=acct.group_id, kind=kind, created_at__gte=timezone.now() - REPEAT_WINDOW,
        lines__account=acct, lines__pence__in=[pence, -pence], reversed_by__isnull=True)
    if bank_reference is not None:
        same = same.filter(bank_reference__iexact=bank_reference)
    if request is not None:
        same = same.filter(request=request)
    if description is not None:
        same = same.filter(description__iexact=description)
    if same.exists():
        raise MoneyError(message, "amount")


def holds(req: HelpRequest, volunteer) -> bool:
    """The task is theirs to spend on: their latest assignment to it is open or was done.
    Given back, taken off or released, they can still see (and answer for) what they recorded,
    but add nothing more."""
    latest = (Assignment.objects.filter(request=req, volunteer=volunteer)
              .order_by("-assigned_at").first())
    return latest is not None and (latest.ended_at is None
                                   or latest.end == Assignment.End.DONE)


def _assigned(req: HelpRequest, volunteer) -> None:
    if not Assignment.objects.filter(request=req, volunteer=volunteer).exists():
        raise MoneyError(_("Only the volunteer who did this task can record its spending."))
    if not holds(req, volunteer):
        raise MoneyError(_("This task is no longer yours, so nothing more can be recorded on "
                           "it. What you recorded before still goes to the treasurer."))


def record_claim(req: HelpRequest, *, volunteer, shop: str, spent_at: datetime,
                 lines: list[tuple[str, Decimal]], upload) -> Claim:
    """The volunteer's spending on a task, with its receipt: checked whole before anything is
    written, then the claim, its lines, its receipt and its ledger entry in one transaction
    (the receipt's file is removed again if that transaction fails)."""
    if req.service not in SPENDING_SERVICES:
        raise MoneyError(_("Spending is recorded only on shopping and prescription tasks."))
    _assigned(req, volunteer)
    total = _check_lines(lines)
    if not shop.strip():
        raise MoneyError(_("Say which shop or pharmacy it was."), "shop")
    if spent_at > timezone.now() + timedelta(minutes=5):
        raise MoneyError(_("The time on the receipt can't be in the future."), "spent_at")
    _refuse_repeat_claim(req, volunteer, shop.strip(), spent_at, total)  # again under the lock
    _check_limit(req, total)  # early, before the photo is worked on; again under the lock
    image = receipts.clean(upload)
    name = receipts.store(image)
    try:
        return _save_claim(req, volunteer, shop.strip(), spent_at, lines, total, image, name)
    except BaseException:
        receipts.remove(name)
        raise


def _refuse_repeat_claim(req: HelpRequest, volunteer, shop: str, spent_at: datetime,
                         total: Decimal) -> None:
    """The same shop, receipt time and amount on the same task from the same volunteer in the
    last few minutes, not rejected: the form sent twice (a retry on a flaky connection), so
    the resident is not asked to pay for it twice."""
    same = Claim.objects.filter(
        request=req, volunteer=volunteer, shop__iexact=shop, spent_at=spent_at, amount=total,
        created_at__gte=timezone.now() - REPEAT_WINDOW).exclude(state=Claim.State.REJECTED)
    if same.exists():
        raise MoneyError(_("You sent %(amount)s at %(shop)s for this task a few minutes ago. It "
                           "has gone to the treasurer already: there is no need to send it "
                           "again.") % {"amount": pounds(total), "shop": shop}, "lines")


def _check_limit(req: HelpRequest, total: Decimal) -> None:
    limit = limit_for(req)
    if spent_on(req) + total > limit:
        raise MoneyError(_("That takes this task over %(limit)s, the most that can be spent on "
                           "one task without a coordinator agreeing first. Ring a coordinator: "
                           "they can agree a higher amount on this task.")
                         % {"limit": pounds(limit)}, "lines")


@transaction.atomic
def _save_claim(req, volunteer, shop, spent_at, lines, total, image, name) -> Claim:
    # The task's row is locked while its limit is checked, so two claims sent at once cannot
    # both pass it.
    HelpRequest.objects.select_for_update().filter(pk=req.pk).first()
    _refuse_repeat_claim(req, volunteer, shop, spent_at, total)
    _check_limit(req, total)
    claim = Claim.objects.create(group=req.group, request=req, volunteer=volunteer, shop=shop,
                                 spent_at=spent_at, amount=total)
    ClaimLine.objects.bulk_create([ClaimLine(claim=claim, item=item.strip()[:100], amount=amount)
                                   for item, amount in lines])
    receipt = Receipt.objects.create(claim=claim, file_name=name,
                                     upload_sha256=image.upload_sha256,
                                     pixels_sha256=image.pixels_sha256, width=image.width,
                                     height=image.height)
    group = req.group
    # The resident now owes the group, and the group owes the volunteer.
    ledger.post(group, Entry.CLAIM, [
        (ledger.account(group, Kind.OWED_BY_RESIDENT, resident=req.resident), total),
        (ledger.account(group, Kind.OWED_TO_VOLUNTEER, volunteer=volunteer), -total),
    ], description=_("%(shop)s for %(ref)s") % {"shop": shop, "ref": req.reference},
        actor=volunteer, request=req, claim=claim)
    log_action("kith.money.claim_recorded", actor=volunteer, group=group, obj=claim,
               new={"amount": str(total), "shop": shop, "request": req.reference,
                    "lines": len(lines)})
    _flag_duplicates(claim, receipt)
    return claim


def _flag_duplicates(claim: Claim, receipt: Receipt) -> None:
    from django.db.models import Q

    same_image = Receipt.objects.filter(
        Q(upload_sha256=receipt.upload_sha256) | Q(pixels_sha256=receipt.pixels_sha256),
        claim__group=claim.group).exclude(pk=receipt.pk).select_related("claim").first()
    earlier = same_image.claim if same_image else None
    why = _("The same receipt photo was sent with an earlier claim.")
    if earlier is None:
        minute = claim.spent_at.replace(second=0, microsecond=0)
        earlier = (Claim.objects.filter(group=claim.group, shop__iexact=claim.shop,
                                        amount=claim.amount, spent_at__gte=minute,
                                        spent_at__lt=minute + timedelta(minutes=1))
                   .exclude(pk=claim.pk).first())
        why = _("An earlier claim has the same shop, amount and time.")
    if earlier is not None:
        flag = Flag.objects.create(group=claim.group, kind=Flag.Kind.DUPLICATE, claim=claim,
                                   earlier=earlier, why=why)
        log_action("kith.money.flagged", actor=None, group=claim.group, obj=flag,
                   new={"kind": flag.kind, "claim": claim.pk, "earlier": earlier.pk})


@transaction.atomic
def agree_limit(req: HelpRequest, *, amount: Decimal, actor) -> AgreedLimit:
    check_amount(amount)
    spent = spent_on(req)
    if amount < spent:
        raise MoneyError(_("%(spent)s has already been spent on this task, so the most that can "
                           "be spent can't be less than that. Agree at least %(spent)s.")
                         % {"spent": pounds(spent)}, "amount")
    old = limit_for(req)
    agreed, _made = AgreedLimit.objects.update_or_create(
        request=req, defaults={"amount": amount, "agreed_by": actor, "agreed_at": timezone.now()})
    log_action("kith.money.limit_agreed", actor=actor, group=req.group, obj=req,
               old={"limit": str(old)}, new={"limit": str(amount)})
    return agreed


def _locked_claim(claim: Claim) -> Claim:
    return (Claim.objects.select_for_update(of=("self",)).select_related("group", "request")
            .get(pk=claim.pk))


@transaction.atomic
def approve(claim: Claim, *, actor) -> Claim:
    claim = _locked_claim(claim)
    if claim.state not in (Claim.State.SUBMITTED, Claim.State.QUERIED):
        raise MoneyError(_("This claim has already been decided."))
    return _decide(claim, Claim.State.APPROVED, actor, "kith.money.claim_approved")


@transaction.atomic
def query(claim: Claim, *, actor, question: str) -> Claim:
    claim = _locked_claim(claim)
    if not question.strip():
        raise MoneyError(_("Say what you need to know."), "question")
    if claim.state != Claim.State.SUBMITTED:
        raise MoneyError(_("Only a claim waiting for the treasurer can be queried."))
    _keep_exchange(claim)
    claim.question = question.strip()[:300]
    claim = _decide(claim, Claim.State.QUERIED, actor, "kith.money.claim_queried")
    notify.queried(claim)  # else the question waits for ever, unseen
    return claim


@transaction.atomic
def answer(claim: Claim, *, actor, text: str) -> Claim:
    claim = _locked_claim(claim)
    if claim.state != Claim.State.QUERIED or claim.volunteer_id != actor.pk:
        raise MoneyError(_("There is no question waiting for you on this claim."))
    if not text.strip():
        raise MoneyError(_("Write your answer."), "answer")
    claim.answer, claim.state = text.strip()[:300], Claim.State.SUBMITTED
    claim.save(update_fields=["answer", "state"])
    log_action("kith.money.claim_answered", actor=actor, group=claim.group, obj=claim,
               new={"state": claim.state})
    notify.answered(claim)  # back in the queue: the treasurer who asked is told
    return claim


@transaction.atomic
def reject(claim: Claim, *, actor, reason: str) -> Claim:
    """Turned down: its ledger entry is reversed, so the resident no longer owes it and the
    group no longer owes the volunteer (refused if the resident has already paid it back:
    that repayment is reversed first)."""
    claim = _locked_claim(claim)
    if not reason.strip():
        raise MoneyError(_("Say why, so the volunteer understands."), "reason")
    if claim.state not in (Claim.State.SUBMITTED, Claim.State.QUERIED):
        raise MoneyError(_("This claim has already been decided."))
    entry = claim.entries.get(kind=Entry.CLAIM)
    try:
        _reverse(entry, actor=actor, reason=reason)
    except MoneyError:
        raise MoneyError(_why_not_rejected(claim)) from None
    # The ledger guards the resident's whole account; this task's own figure must not go below
    # nothing either, or a cover or payment on it would silently pay for another task.
    if ledger.owed_on_request(claim.request) < 0:
        raise MoneyError(_why_not_rejected(claim))
    _keep_exchange(claim)
    claim.question = reason.strip()[:300]
    claim = _decide(claim, Claim.State.REJECTED, actor, "kith.money.claim_rejected")
    notify.rejected(claim)
    return claim


def _why_not_rejected(claim: Claim) -> str:
    """What stands in the way, and who can move it: a hardship cover is a coordinator's
    decision (pages.may_reverse), so a treasurer is not told to reverse what she can't."""
    covered = JournalEntry.objects.filter(request=claim.request, kind=Entry.HARDSHIP,
                                          reversed_by__isnull=True).exists()
    if covered:
        return _("The hardship fund has covered some of this task, so rejecting this claim "
                 "would leave the resident owing less than nothing on it. Only a coordinator "
                 "can undo a cover: ask a coordinator to reverse the hardship cover first (on "
                 "the ledger), then reject the claim.")
    return _("Some of this task has been paid back already, so rejecting this claim would "
             "leave the resident owing less than nothing on it: reverse the payment first on the "
             "ledger, then reject the claim (and give the resident their money back).")


def _keep_exchange(claim: Claim) -> None:
    """Before a new question (or a rejection's reason) takes its place, the earlier question
    and its answer move to the claim's history, so the treasurer still reads the whole
    exchange and an old answer never sits under a new question."""
    if claim.question:
        claim.earlier = [*claim.earlier, {"question": claim.question, "answer": claim.answer}]
    claim.answer = ""


def _decide(claim: Claim, state: str, actor, action: str) -> Claim:
    old = claim.state
    claim.state, claim.decided_by, claim.decided_at = state, actor, timezone.now()
    claim.save(update_fields=["state", "decided_by", "decided_at", "question", "answer",
                              "earlier"])
    log_action(action, actor=actor, group=claim.group, obj=claim, old={"state": old},
               new={"state": state})
    return claim


def _resident_account(req: HelpRequest) -> Account:
    return ledger.account(req.group, Kind.OWED_BY_RESIDENT, resident=req.resident)


def _repaid(req: HelpRequest, kind: str, debit, amount: Decimal, *, actor, reference: str = "",
            reason: str = "") -> JournalEntry:
    check_amount(amount)
    group = req.group
    entry = ledger.post(group, kind, [
        (debit, amount),
        (ledger.account(group, Kind.OWED_BY_RESIDENT, resident=req.resident), -amount),
    ], description=_("For task %(ref)s") % {"ref": req.reference},
        actor=actor, request=req, bank_reference=reference, reason=reason)
    log_action("kith.money.hardship" if kind == Entry.HARDSHIP else "kith.money.repaid",
               actor=actor, group=group, obj=entry,
               new={"amount": str(amount), "how": kind, "request": req.reference})
    return entry


@transaction.atomic
def record_cash(req: HelpRequest, *, volunteer, amount: Decimal) -> CashCheck:
    """The resident paid the volunteer in cash at the door: the volunteer now holds that cash
    for the group, until the check-up call confirms it and the treasurer settles up."""
    _assigned(req, volunteer)
    held = ledger.account(req.group, Kind.CASH_HELD, volunteer=volunteer)
    _lock(held, _resident_account(req))
    _refuse_repeat(Entry.CASH, held, amount, _(
        "You recorded %(amount)s in cash on this task a few minutes ago. It is recorded "
        "already: there is no need to do it again.") % {"amount": pounds(amount)}, request=req)
    entry = _repaid(req, Entry.CASH, held, amount, actor=volunteer)
    return CashCheck.objects.create(entry=entry)


@transaction.atomic
def confirm_cash(check: CashCheck, *, actor, paid: bool) -> CashCheck:
    """The check-up call's answer. If the resident says they did not pay, the cash entry is
    reversed (they owe it again) and the non-payment rule is looked at."""
    check = CashCheck.objects.select_for_update(of=("self",)).select_related("entry__group",
                                                                  "entry__request").get(
        pk=check.pk)
    if check.outcome != CashCheck.Outcome.WAITING:
        raise MoneyError(_("This cash payment has already been checked."))
    check.outcome = CashCheck.Outcome.CONFIRMED if paid else CashCheck.Outcome.DISPUTED
    check.checked_by, check.checked_at = actor, timezone.now()
    check.save()
    if not paid:
        _undo_disputed_cash(check, actor)
    log_action("kith.money.cash_confirmed" if paid else "kith.money.cash_disputed", actor=actor,
               group=check.entry.group, obj=check.entry, new={"outcome": check.outcome})
    return check


def _undo_disputed_cash(check: CashCheck, actor) -> None:
    """They owe it again. If the cash was paid in before this guard existed, the books can't
    take it back from the volunteer: the answer still stands, and the money people get a flag
    to sort it out with the volunteer."""
    entry = check.entry
    try:
        with transaction.atomic():
            _reverse(entry, actor=actor, reason=_("Resident said at the check-up call that "
                                                  "they had not paid this."))
    except MoneyError:
        amount = entry.lines.get(account__kind=Kind.CASH_HELD).amount
        req = entry.request
        assert req is not None  # a cash entry is always for a task (record_cash)
        flag = Flag.objects.create(
            group=entry.group, kind=Flag.Kind.NON_PAYMENT, resident=req.resident,
            why=_("At the check-up call the resident said they had not paid %(amount)s in "
                  "cash on task %(ref)s, but that cash has already been paid in to the bank. "
                  "Talk to the volunteer, then put the books right on the ledger.")
            % {"amount": pounds(amount), "ref": req.reference})
        log_action("kith.money.flagged", actor=None, group=entry.group, obj=flag,
                   new={"kind": flag.kind, "cash_entry": entry.pk})


@transaction.atomic
def record_payment(req: HelpRequest, *, amount: Decimal, method: str, reference: str,
                   actor) -> JournalEntry:
    """A repayment into the group's bank account, by transfer or the payment link, matched
    by the treasurer against the statement."""
    if method not in (Entry.BANK, Entry.LINK):
        raise MoneyError(_("Choose how it was paid."), "method")
    bank = ledger.account(req.group, Kind.BANK)
    reference = reference.strip()[:40]
    _lock(bank, _resident_account(req))
    _refuse_repeat(method, bank, amount, _(
        "A payment of %(amount)s with this reference was recorded on this task a few minutes "
        "ago. It is in the books already: there is no need to record it again.")
        % {"amount": pounds(amount)}, bank_reference=reference, request=req)
    return _repaid(req, method, bank, amount, actor=actor, reference=reference)


@transaction.atomic
def cover_from_hardship(req: HelpRequest, *, amount: Decimal, actor, reason: str = "") -> \
        JournalEntry:
    """A coordinator's decision: the group's hardship fund pays for it. Nobody is asked to
    prove need (seed 003); the reason is optional and never about the resident's means."""
    fund = ledger.account(req.group, Kind.HARDSHIP)
    return _repaid(req, Entry.HARDSHIP, fund, amount, actor=actor, reason=reason)


# A later date to pay back is at most this far off: a date years away is a typing slip.
PLAN_AT_MOST = timedelta(days=365)


@transaction.atomic
def agree_payment_plan(req: HelpRequest, *, until, actor) -> PaymentPlan:
    """"Unless otherwise agreed": paying back later does not count as non-payment."""
    today = timezone.localdate()
    if until < today:
        raise MoneyError(_("Choose a date from today on."), "until")
    if until > today + PLAN_AT_MOST:
        raise MoneyError(_("Choose a date within a year from today. If they need longer, "
                           "agree a new date nearer the time."), "until")
    if ledger.owed_on_request(req) <= 0:
        raise MoneyError(_("They owe nothing on this task, so there is nothing to agree."))
    plan, _made = PaymentPlan.objects.update_or_create(
        request=req, defaults={"until": until, "agreed_by": actor})
    log_action("kith.money.plan_agreed", actor=actor, group=req.group, obj=req,
               new={"until": until.isoformat()})
    return plan


def waiting_for_volunteer(group, volunteer) -> Decimal:
    """Claims still waiting for the treasurer (or for the volunteer's answer): in the books,
    but not yet owed to the volunteer."""
    return sum((c.amount for c in Claim.objects.filter(
        group=group, volunteer=volunteer,
        state__in=[Claim.State.SUBMITTED, Claim.State.QUERIED])), Decimal("0.00"))


def approved_owed(group, volunteer) -> Decimal:
    """What the group owes the volunteer for approved claims, less what it has paid them: the
    most a reimbursement may be. (The account also carries claims still waiting.)"""
    owed = ledger.balance(ledger.account(group, Kind.OWED_TO_VOLUNTEER, volunteer=volunteer))
    return max(owed - waiting_for_volunteer(group, volunteer), Decimal("0.00"))


@transaction.atomic
def reimburse(group, volunteer, *, amount: Decimal, bank_reference: str, actor) -> JournalEntry:
    """The treasurer paid the volunteer back from the group's bank account: approved claims
    only, so a claim still waiting (perhaps a duplicate) is never paid out."""
    check_amount(amount)
    reference = bank_reference.strip()[:40]
    if not reference:
        raise MoneyError(_("Enter the bank's reference for the payment, so it can be found on "
                           "the statement."), "bank_reference")
    owed_acct = ledger.account(group, Kind.OWED_TO_VOLUNTEER, volunteer=volunteer)
    _lock(owed_acct, ledger.account(group, Kind.BANK))
    _refuse_repeat(Entry.REIMBURSE, owed_acct, amount, _(
        "A reimbursement of %(amount)s with this bank reference was recorded for them a few "
        "minutes ago. It is in the ledger already: there is no need to record it again.")
        % {"amount": pounds(amount)}, bank_reference=reference)
    approved = approved_owed(group, volunteer)
    if amount > approved:
        raise MoneyError(_("Their approved claims come to %(approved)s still owed. Claims still "
                           "waiting for a decision can't be paid yet: approve them first.")
                         % {"approved": pounds(approved)}, "amount")
    entry = ledger.post(group, Entry.REIMBURSE, [
        (owed_acct, amount), (ledger.account(group, Kind.BANK), -amount),
    ], description=_("To %(name)s") % {"name": volunteer}, actor=actor,
        bank_reference=reference)
    log_action("kith.money.reimbursed", actor=actor, group=group, obj=entry,
               new={"amount": str(amount), "volunteer": volunteer.pk,
                    "bank_reference": entry.bank_reference})
    return entry


def waiting_cash(group, volunteer) -> Decimal:
    """Cash the volunteer recorded that the check-up call has not confirmed yet."""
    return sum((check.entry.lines.get(account__kind=Kind.CASH_HELD).amount for check in
                CashCheck.objects.filter(entry__group=group, outcome=CashCheck.Outcome.WAITING,
                                         entry__lines__account__volunteer=volunteer,
                                         entry__lines__account__kind=Kind.CASH_HELD)
                .select_related("entry")), Decimal("0.00"))


def _keep_waiting_cash(group, volunteer) -> None:
    """Cash still waiting for its check-up must stay in the volunteer's hands in the books: if
    the resident says "No, I didn't pay", that entry is reversed out of it."""
    held = ledger.balance(ledger.account(group, Kind.CASH_HELD, volunteer=volunteer))
    waiting = waiting_cash(group, volunteer)
    if held < waiting:
        raise MoneyError(_("%(waiting)s of the cash they hold is waiting for its check-up call. "
                           "It can be paid in once the resident has confirmed paying it.")
                         % {"waiting": pounds(waiting)}, "amount")


@transaction.atomic
def pay_in_cash(group, volunteer, *, amount: Decimal, actor) -> JournalEntry:
    """Cash a volunteer collected from residents, handed to the group's bank account. Only
    cash the check-up call has confirmed."""
    check_amount(amount)
    held = ledger.account(group, Kind.CASH_HELD, volunteer=volunteer)
    _lock(held, ledger.account(group, Kind.BANK))
    _refuse_repeat(Entry.PAID_IN, held, amount, _(
        "%(amount)s paid in by them was recorded a few minutes ago. It is in the ledger already: "
        "there is no need to record it again.") % {"amount": pounds(amount)})
    entry = ledger.post(group, Entry.PAID_IN, [
        (ledger.account(group, Kind.BANK), amount), (held, -amount),
    ], description=_("From %(name)s") % {"name": volunteer}, actor=actor)
    _keep_waiting_cash(group, volunteer)
    log_action("kith.money.cash_paid_in", actor=actor, group=group, obj=entry,
               new={"amount": str(amount), "volunteer": volunteer.pk})
    return entry


FUND_IN: dict[str, str] = {Entry.DONATION: Kind.DONATIONS, Entry.GRANT: Kind.GRANTS}


def _refuse_fund_repeat(group, kind: str, other: str, amount: Decimal, description: str) -> None:
    acct = ledger.account(group, other)
    _lock(acct, ledger.account(group, Kind.BANK))
    _refuse_repeat(kind, acct, amount, _(
        "%(amount)s for “%(what)s” was recorded a few minutes ago. It is in the ledger already: "
        "there is no need to record it again.") % {"amount": pounds(amount),
                                                    "what": description.strip()},
        description=description.strip()[:200])


@transaction.atomic
def fund_in(group, *, kind: str, amount: Decimal, description: str, actor) -> JournalEntry:
    if kind not in FUND_IN:
        raise MoneyError(_("Choose a donation or a grant."), "kind")
    check_amount(amount)
    if not description.strip():
        raise MoneyError(_("Say who it came from or what it is for."), "description")
    _refuse_fund_repeat(group, kind, FUND_IN[kind], amount, description)
    entry = ledger.post(group, kind, [
        (ledger.account(group, Kind.BANK), amount),
        (ledger.account(group, FUND_IN[kind]), -amount),
    ], description=description.strip(), actor=actor)
    log_action("kith.money.fund_in", actor=actor, group=group, obj=entry,
               new={"amount": str(amount), "kind": kind})
    return entry


@transaction.atomic
def fund_out(group, *, amount: Decimal, description: str, actor) -> JournalEntry:
    check_amount(amount)
    if not description.strip():
        raise MoneyError(_("Say what the money was spent on."), "description")
    _refuse_fund_repeat(group, Entry.FUND_OUT, Kind.FUND_SPENDING, amount, description)
    entry = ledger.post(group, Entry.FUND_OUT, [
        (ledger.account(group, Kind.FUND_SPENDING), amount),
        (ledger.account(group, Kind.BANK), -amount),
    ], description=description.strip(), actor=actor)
    log_action("kith.money.fund_out", actor=actor, group=group, obj=entry,
               new={"amount": str(amount)})
    return entry


def _reverse(entry: JournalEntry, *, actor, reason: str) -> JournalEntry:
    if entry.kind == Entry.REVERSAL:
        raise MoneyError(_("A reversal can't itself be reversed: record the movement again."))
    if JournalEntry.objects.filter(reverses=entry).exists():
        raise MoneyError(_("This entry has already been reversed."))
    undo = ledger.post(entry.group, Entry.REVERSAL, ledger.reverse_lines(entry),
                       description=_("Reversal of #%(n)s: %(what)s") % {
                           "n": entry.pk, "what": entry.description},
                       actor=actor, request=entry.request, claim=entry.claim, reverses=entry,
                       reason=reason.strip())
    log_action("kith.money.reversed", actor=actor, group=entry.group, obj=undo,
               new={"reverses": entry.pk, "reason": reason.strip()[:200]})
    return undo


@transaction.atomic
def reverse(entry: JournalEntry, *, actor, reason: str) -> JournalEntry:
    """Undo a mistaken entry with an equal and opposite one. A claim is undone by rejecting
    it, and a cash payment by its check-up, so their state stays true."""
    entry = JournalEntry.objects.select_related("group").get(pk=entry.pk)
    if not reason.strip():
        raise MoneyError(_("Say why it is being reversed."), "reason")
    if entry.kind == Entry.CLAIM:
        raise MoneyError(_("To undo a claim, reject it from the claim's page."))
    if entry.kind == Entry.CASH and CashCheck.objects.filter(
            entry=entry, outcome=CashCheck.Outcome.WAITING).exists():
        raise MoneyError(_("This cash payment is waiting for its check-up call: record the "
                           "resident's answer there."))
    undo = _reverse(entry, actor=actor, reason=reason)
    for line in entry.lines.select_related("account"):
        if line.account.kind == Kind.CASH_HELD and line.pence > 0:
            _keep_waiting_cash(entry.group, line.account.volunteer)
    return undo


@transaction.atomic
def review_flag(flag: Flag, *, actor, outcome: str) -> Flag:
    flag = Flag.objects.select_for_update().get(pk=flag.pk)
    if flag.reviewed_at:
        raise MoneyError(_("This has already been reviewed."))
    if not outcome.strip():
        raise MoneyError(_("Say what you decided."), "outcome")
    flag.reviewed_at, flag.reviewed_by, flag.outcome = timezone.now(), actor, outcome.strip()[:300]
    flag.save()
    log_action("kith.money.flag_reviewed", actor=actor, group=flag.group, obj=flag,
               new={"kind": flag.kind})
    return flag


# The settings that say where residents pay: a change is told to the other money people.
PAYING_FIELDS = ("bank_account_name", "bank_sort_code", "bank_account_number", "payment_link")
SETTINGS_FIELDS = ("task_limit", "bank_account_name", "bank_sort_code", "bank_account_number",
                   "payment_link", "non_payment_threshold", "days_to_pay", "receipt_months")


@transaction.atomic
def update_settings(group, *, actor, **fields) -> MoneySettings:
    current = MoneySettings.for_group(group)
    changed = {k: (getattr(current, k), v) for k, v in fields.items()
               if k in SETTINGS_FIELDS and getattr(current, k) != v}
    if "task_limit" in fields:
        check_amount(fields["task_limit"], "task_limit")
    link = fields.get("payment_link") or ""
    if link and not link.lower().startswith("https://"):
        raise MoneyError(_("The payment link must start with https:// so card details are "
                           "sent safely."), "payment_link")
    if changed:
        for key, (_old, new) in changed.items():
            setattr(current, key, new)
        current.save()
        log_action("kith.money.settings_changed", actor=actor, group=group, obj=current,
                   old={k: str(o) for k, (o, _n) in changed.items()},
                   new={k: str(n) for k, (_o, n) in changed.items()})
        paying = [k for k in PAYING_FIELDS if k in changed]
        if paying:
            # Where residents send money: one person must not change it unseen (fraud).
            notify.bank_details_changed(group, actor, paying)
    return current
