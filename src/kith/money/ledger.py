"""Double entry: the one place that writes to the books.

`post()` takes (account, amount) pairs, refuses any that do not sum to zero or would leave a
balance wrong (a resident owing less than nothing, the group owing a volunteer less than
nothing, a volunteer holding negative cash, the bank overdrawn), and writes the entry and its
lines. It runs inside the caller's transaction, so a refusal rolls the whole change back.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from kith.money.models import PENNY, Account, JournalEntry, JournalLine, to_pence, to_pounds

Kind = Account.Kind
# Accounts whose balance (in their own direction) can never go below zero.
NEVER_NEGATIVE = frozenset({Kind.BANK, Kind.OWED_BY_RESIDENT, Kind.OWED_TO_VOLUNTEER,
                            Kind.CASH_HELD})


class MoneyError(ValueError):
    """A change Kith refuses, in words to show beside the field (`field`)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def pounds(value: Decimal) -> str:
    return f"£{value:,.2f}"


def check_amount(amount: Decimal, field: str = "amount") -> Decimal:
    """Pounds and pence, more than nothing: never a float, never a fraction of a penny."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise MoneyError(_("Enter an amount in pounds and pence, like 12.50."), field)
    if amount <= 0:
        raise MoneyError(_("Enter an amount more than £0.00."), field)
    if amount != amount.quantize(PENNY):
        raise MoneyError(_("Enter pounds and pence only, like 12.50."), field)
    if amount >= Decimal("1000000"):
        raise MoneyError(_("That is more than Kith can record in one go."), field)
    return amount


def account(group, kind: str, *, resident=None, volunteer=None) -> Account:
    return Account.objects.get_or_create(group=group, kind=kind, resident=resident,
                                         volunteer=volunteer)[0]


def balance(acct: Account) -> Decimal:
    """The account's balance in its own direction (what is owed, held or spent)."""
    return to_pounds(acct.lines.aggregate(t=Sum("pence"))["t"]) * acct.sign


def post(group, kind: str, lines: Iterable[tuple[Account, Decimal]], *, description: str,
         actor, request=None, claim=None, bank_reference: str = "", reverses=None,
         reason: str = "", occurred_on=None) -> JournalEntry:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("post() must run inside the change's transaction")
    lines = [(acct, amount) for acct, amount in lines if amount]
    if not lines or sum((amount for _a, amount in lines), Decimal("0")) != 0:
        raise RuntimeError("a journal entry's lines must sum to zero")
    if any(acct.group_id != group.pk for acct, _a in lines):
        raise RuntimeError("every line must be in the entry's group")
    # Lock the accounts touched (in a fixed order) so two changes cannot both pass the check.
    ids = sorted({acct.pk for acct, _a in lines})
    list(Account.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    entry = JournalEntry.objects.create(
        group=group, kind=kind, description=description[:200], request=request, claim=claim,
        bank_reference=bank_reference, reverses=reverses, reason=reason[:200],
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        **({"occurred_on": occurred_on} if occurred_on else {}))
    JournalLine.objects.bulk_create([JournalLine(entry=entry, account=acct, pence=to_pence(amount))
                                     for acct, amount in lines])
    for acct in {acct.pk: acct for acct, _a in lines}.values():
        if acct.kind in NEVER_NEGATIVE and balance(acct) < 0:
            raise MoneyError(_too_far(acct))
    return entry


def _too_far(acct: Account) -> str:
    messages: dict[str, str] = {
        Kind.BANK: _("The group's bank account does not hold that much."),
        Kind.OWED_BY_RESIDENT: _("That is more than the resident owes."),
        Kind.OWED_TO_VOLUNTEER: _("That is more than the group owes the volunteer."),
        Kind.CASH_HELD: _("That is more cash than the volunteer holds."),
    }
    return messages[acct.kind]


def reverse_lines(entry: JournalEntry) -> list[tuple[Account, Decimal]]:
    return [(line.account, -line.amount) for line in entry.lines.select_related("account")]


def owed_on_request(req) -> Decimal:
    """What the resident still owes for this request's shopping."""
    return to_pounds(JournalLine.objects.filter(
        entry__request=req, account__kind=Kind.OWED_BY_RESIDENT).aggregate(t=Sum("pence"))["t"])


def totals_by_kind(group) -> dict[str, Decimal]:
    """Each kind of account's balance (in its own direction), summed over the group."""
    rows = (JournalLine.objects.filter(account__group=group).values("account__kind")
            .annotate(t=Sum("pence")))
    out = dict.fromkeys(Kind.values, Decimal("0.00"))
    for row in rows:
        kind = row["account__kind"]
        out[kind] = to_pounds(row["t"]) * (1 if kind in Account.DEBIT_NORMAL else -1)
    return out
