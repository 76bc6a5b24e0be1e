"""The sweep's money steps: old receipt photos deleted (counted in the trail), and repeated
non-payment sent to a coordinator's review once, never an exclusion."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.money import receipts, services
from kith.money.models import Claim, Flag, PaymentPlan, Receipt
from kith.money.sweeps import delete_old_receipts, flag_non_payment
from kith.requests.models import Exclusion
from kith.requests.sweeps import tick
from tests.factories import ResidentFactory
from tests.money.conftest import make_task, receipt_upload

pytestmark = pytest.mark.django_db


def _claim(req, volunteer, amount="5.00", days_ago=0):
    claim = services.record_claim(req, volunteer=volunteer, shop="Tesco",
                                  spent_at=timezone.now() - timedelta(days=days_ago),
                                  lines=[("Bread", Decimal(amount))],
                                  upload=receipt_upload((days_ago * 7 % 255, 1, 2)))
    Claim.objects.filter(pk=claim.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    Receipt.objects.filter(claim=claim).update(
        created_at=timezone.now() - timedelta(days=days_ago))
    return claim


def test_old_receipt_photos_are_deleted_and_counted(shopping, tom,
                                                    django_capture_on_commit_callbacks):
    old, new = _claim(shopping, tom, days_ago=400), _claim(shopping, tom, "2.00")
    old_file = old.receipt.file_name
    with django_capture_on_commit_callbacks(execute=True):
        assert delete_old_receipts(timezone.now()) == 1
    assert not (receipts.receipts_dir() / old_file).exists()
    assert (receipts.receipts_dir() / new.receipt.file_name).exists()
    old.receipt.refresh_from_db()
    assert old.receipt.deleted_at is not None and Claim.objects.count() == 2
    event = AuditEvent.objects.get(action="kith.money.receipts_deleted")
    assert event.new == {"receipts": 1}
    assert delete_old_receipts(timezone.now()) == 0  # idempotent


def test_two_unpaid_tasks_flag_the_resident_once_and_never_exclude(street, tom, priya):
    a, b = (ResidentFactory(group=street, name=n) for n in ("Mr Ash", "Mr Birch"))
    first, second = make_task(street, a, tom, priya), make_task(street, b, tom, priya)
    _claim(first, tom, days_ago=20)
    _claim(second, tom, days_ago=17)
    assert flag_non_payment(timezone.now()) == 0  # one unpaid each
    services.record_cash(first, volunteer=tom, amount=Decimal("5.00"))
    from kith.requests.services import complete

    complete(first, actor=tom)
    complete(second, actor=tom)
    third = make_task(street, a, tom, priya, service="prescriptions")
    _claim(third, tom, days_ago=15)
    assert flag_non_payment(timezone.now()) == 0  # Mr Ash paid the first
    fourth = make_task(street, b, tom, priya, service="prescriptions")
    _claim(fourth, tom, days_ago=15)
    PaymentPlan.objects.create(request=fourth, until=timezone.localdate() + timedelta(days=9))
    assert flag_non_payment(timezone.now()) == 0  # Mr Birch agreed to pay later
    check = first.journal_entries.get(kind="cash").cash_check
    services.confirm_cash(check, actor=priya, paid=False)  # ...or said he had not
    assert flag_non_payment(timezone.now()) == 1
    assert flag_non_payment(timezone.now()) == 0  # once while the review is open
    flag = Flag.objects.get(kind="non_payment")
    assert flag.resident == a and not Exclusion.objects.exists()
    assert "non_payment_flagged" in tick()
