"""The books' own rules: entries never edited, reversed once, claims undone by rejecting;
amounts in pounds and pence only; another group's accounts never in an entry."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from kith.core.models import AuditEvent
from kith.money import ledger, services
from kith.money.ledger import MoneyError, check_amount
from kith.money.models import JournalEntry, JournalLine
from tests.money.conftest import receipt_upload, spent_at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1.00"), Decimal("0.001"),
                                    Decimal("NaN"), Decimal("Infinity"), 12.5, "12.50"])
def test_only_pounds_and_pence_above_nothing(amount):
    with pytest.raises(MoneyError):
        check_amount(amount)


def test_entries_are_never_edited_only_reversed(street, tess):
    with transaction.atomic():
        entry = services.fund_in(street, kind="grant", amount=Decimal("20.00"),
                                 description="Council", actor=tess)
    line = entry.lines.first()
    with pytest.raises(PermissionError):
        line.save()
    with pytest.raises(PermissionError):
        JournalLine.objects.filter(pk=line.pk).update(pence=1)
    with pytest.raises(PermissionError):
        entry.delete()
    undo = services.reverse(entry, actor=tess, reason="Counted twice")
    assert ledger.totals_by_kind(street)["bank"] == 0
    with pytest.raises(MoneyError, match="already been reversed"):
        services.reverse(entry, actor=tess, reason="Again")
    with pytest.raises(MoneyError, match="can't itself be reversed"):
        services.reverse(undo, actor=tess, reason="Undo the undo")
    assert AuditEvent.objects.filter(action="kith.money.reversed").count() == 1


def test_a_claim_is_undone_by_rejecting_it(shopping, tom, tess):
    claim = services.record_claim(shopping, volunteer=tom, shop="Tesco", spent_at=spent_at(),
                                  lines=[("Bread", Decimal("3.00"))], upload=receipt_upload())
    with pytest.raises(MoneyError, match="reject it"):
        services.reverse(claim.entries.get(), actor=tess, reason="Wrong")
    services.record_cash(shopping, volunteer=tom, amount=Decimal("3.00"))
    with pytest.raises(MoneyError, match="reverse the payment first"):
        services.reject(claim, actor=tess, reason="Not goods")
    claim.refresh_from_db()
    assert claim.state == "submitted"  # the refusal rolled everything back


def test_no_entry_mixes_groups(street, other_street, tess):
    with transaction.atomic(), pytest.raises(RuntimeError):
        ledger.post(street, JournalEntry.Kind.DONATION, [
            (ledger.account(street, "bank"), Decimal("5.00")),
            (ledger.account(other_street, "donations"), Decimal("-5.00"))],
            description="x", actor=tess)
