"""A group's money in the shape a funder report asks for: spent on residents' shopping,
repaid by residents, covered by the hardship fund, still outstanding, reimbursed to
volunteers, money in (donations, grants) and the fund's balance. Sums of the ledger's lines,
one query per period; a reversal counts against the kind of entry it undoes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import F, Sum
from django.db.models.functions import Coalesce

from kith.money.models import Account, JournalEntry, JournalLine, to_pounds

K, E = Account.Kind, JournalEntry.Kind
REPAID = {E.CASH, E.BANK, E.LINK}


@dataclass
class MoneyFigures:
    spent: Decimal = Decimal("0.00")
    repaid: Decimal = Decimal("0.00")
    hardship: Decimal = Decimal("0.00")
    reimbursed: Decimal = Decimal("0.00")
    donations: Decimal = Decimal("0.00")
    grants: Decimal = Decimal("0.00")
    fund_spent: Decimal = Decimal("0.00")
    # Balances at the end of the period.
    outstanding: Decimal = Decimal("0.00")
    fund_balance: Decimal = Decimal("0.00")


def money_figures(group, since: datetime | None = None, until: datetime | None = None) -> \
        MoneyFigures:
    lines = JournalLine.objects.filter(account__group=group)
    if until is not None:
        lines = lines.filter(entry__created_at__lt=until)
    moved = lines.filter(entry__created_at__gte=since) if since is not None else lines
    sums: dict[tuple[str, str], int] = {
        (row["account__kind"], row["effective"]): row["t"] for row in
        moved.annotate(effective=Coalesce(F("entry__reverses__kind"), F("entry__kind")))
        .values("account__kind", "effective").annotate(t=Sum("pence"))}

    def total(account_kind: str, kinds, sign: int = 1) -> Decimal:
        return to_pounds(sign * sum(sums.get((account_kind, k), 0) for k in kinds))

    balances = {row["account__kind"]: row["t"] for row in
                lines.values("account__kind").annotate(t=Sum("pence"))}
    return MoneyFigures(
        spent=total(K.OWED_BY_RESIDENT, [E.CLAIM]),
        repaid=total(K.OWED_BY_RESIDENT, REPAID, -1),
        hardship=total(K.OWED_BY_RESIDENT, [E.HARDSHIP], -1),
        reimbursed=total(K.OWED_TO_VOLUNTEER, [E.REIMBURSE]),
        donations=total(K.DONATIONS, [E.DONATION], -1),
        grants=total(K.GRANTS, [E.GRANT], -1),
        fund_spent=total(K.FUND_SPENDING, [E.FUND_OUT]),
        outstanding=to_pounds(balances.get(K.OWED_BY_RESIDENT, 0)),
        fund_balance=to_pounds(balances.get(K.BANK, 0)),
    )
