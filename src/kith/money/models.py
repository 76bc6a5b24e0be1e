"""Money: spending claims with receipts, repayments, the fund, and double-entry books.

The books: every movement is a `JournalEntry` whose `JournalLine`s sum to zero (a positive
amount is a debit, a negative one a credit). Entries and lines are append-only: a mistake is
put right by a reversing entry, never by an edit. Balances are sums of lines, never stored.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kith.core.models import AppendOnlyRecord

Person = settings.AUTH_USER_MODEL
PENNY = Decimal("0.01")


def to_pence(amount: Decimal) -> int:
    return int((amount / PENNY).to_integral_value())


def to_pounds(pence: int | None) -> Decimal:
    return (Decimal(pence or 0) * PENNY).quantize(PENNY)


def money_field(*args, **kwargs) -> models.DecimalField:
    """Pounds and pence, up to £9,999,999,999.99."""
    kwargs.setdefault("max_digits", 12)
    kwargs.setdefault("decimal_places", 2)
    return models.DecimalField(*args, **kwargs)


class MoneySettings(models.Model):
    """A group's money rules; the defaults until someone saves them."""

    group = models.OneToOneField("groups.Group", on_delete=models.CASCADE,
                                 related_name="money_settings")
    task_limit = money_field(_("Most a volunteer spends on one task without asking"),
                             default=Decimal("30.00"))
    bank_account_name = models.CharField(_("Bank account name"), max_length=100, blank=True)
    bank_sort_code = models.CharField(_("Sort code"), max_length=8, blank=True)
    bank_account_number = models.CharField(_("Account number"), max_length=8, blank=True)
    payment_link = models.URLField(_("Payment link (optional)"), blank=True)
    non_payment_threshold = models.PositiveSmallIntegerField(
        _("Unpaid tasks in 30 days before a coordinator reviews"), default=2)
    days_to_pay = models.PositiveSmallIntegerField(_("Days a resident has to pay back"),
                                                   default=14)
    receipt_months = models.PositiveSmallIntegerField(_("Months receipt photos are kept"),
                                                      default=12)

    def __str__(self) -> str:
        return f"Money settings of {self.group}"

    @classmethod
    def for_group(cls, group) -> MoneySettings:
        """The group's settings, or the defaults (unsaved: reading never writes)."""
        return cls.objects.filter(group=group).first() or cls(group=group)


class Account(models.Model):
    """One account in a group's books. Asset and expense accounts grow by debits; the rest by
    credits. `resident` or `volunteer` is set on the accounts that belong to one person."""

    class Kind(models.TextChoices):
        BANK = "bank", _("The group's bank account")
        OWED_BY_RESIDENT = "resident", _("Owed by a resident")
        OWED_TO_VOLUNTEER = "volunteer", _("Owed to a volunteer")
        CASH_HELD = "cash", _("Cash a volunteer holds for the group")
        DONATIONS = "donations", _("Donations")
        GRANTS = "grants", _("Grants")
        HARDSHIP = "hardship", _("Hardship fund: shopping covered")
        FUND_SPENDING = "spending", _("Other spending from the fund")

    group = models.ForeignKey("groups.Group", on_delete=models.PROTECT,
                              related_name="money_accounts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    resident = models.ForeignKey("residents.Resident", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    volunteer = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["group", "kind", "resident", "volunteer"], name="money_one_account",
            nulls_distinct=False)]

    DEBIT_NORMAL = frozenset({Kind.BANK, Kind.OWED_BY_RESIDENT, Kind.CASH_HELD, Kind.HARDSHIP,
                              Kind.FUND_SPENDING})

    def __str__(self) -> str:
        who = self.resident or self.volunteer
        return f"{self.get_kind_display()}: {who}" if who else str(self.get_kind_display())

    @property
    def sign(self) -> int:
        """+1 if debits make the balance grow, -1 if credits do."""
        return 1 if self.kind in self.DEBIT_NORMAL else -1


class JournalEntry(AppendOnlyRecord):
    """One movement of money, balanced, audited, never edited. A reversal points at what it
    undoes; an entry is reversed at most once (the unique constraint)."""

    class Kind(models.TextChoices):
        CLAIM = "claim", _("Shopping bought for a resident")
        CASH = "cash", _("Paid back in cash on the doorstep")
        BANK = "bank", _("Paid back by bank transfer")
        LINK = "link", _("Paid back through the payment link")
        HARDSHIP = "hardship", _("Covered by the hardship fund")
        REIMBURSE = "reimburse", _("Volunteer reimbursed")
        PAID_IN = "paid_in", _("Cash paid in by a volunteer")
        DONATION = "donation", _("Donation received")
        GRANT = "grant", _("Grant received")
        FUND_OUT = "fund_out", _("Spent from the fund")
        REVERSAL = "reversal", _("Reversal")

    group = models.ForeignKey("groups.Group", on_delete=models.PROTECT,
                              related_name="journal_entries")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    description = models.CharField(max_length=200)
    # The Kith reference a resident quotes on a bank transfer, or the bank's reference for a
    # reimbursement: what the treasurer matches against the bank statement.
    bank_reference = models.CharField(max_length=40, blank=True)
    request = models.ForeignKey("requests.HelpRequest", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="journal_entries")
    claim = models.ForeignKey("money.Claim", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="entries")
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    reason = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    occurred_on = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"


class JournalLine(AppendOnlyRecord):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    # Whole pence, + debit, - credit: SQLite sums decimals as floats, integers exactly.
    pence = models.BigIntegerField()

    class Meta:
        ordering = ["pk"]

    @property
    def amount(self) -> Decimal:
        return to_pounds(self.pence)

    def __str__(self) -> str:
        return f"{self.account}: {self.amount}"


class Claim(models.Model):
    """A volunteer's spending on one task. Made whole (lines and receipt) in one transaction,
    with its ledger entry; a claim that fails half way leaves nothing behind."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for the treasurer")
        QUERIED = "queried", _("Queried: waiting for the volunteer")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    group = models.ForeignKey("groups.Group", on_delete=models.PROTECT, related_name="claims")
    request = models.ForeignKey("requests.HelpRequest", on_delete=models.PROTECT,
                                related_name="claims")
    volunteer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="claims")
    shop = models.CharField(max_length=100)
    spent_at = models.DateTimeField()
    amount = money_field()
    state = models.CharField(max_length=10, choices=State.choices, default=State.SUBMITTED)
    question = models.CharField(max_length=300, blank=True)
    answer = models.CharField(max_length=300, blank=True)
    # Earlier questions and their answers, oldest first ({"question", "answer"}): a claim
    # queried again keeps the whole exchange (services._keep_exchange).
    earlier = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"£{self.amount} at {self.shop} ({self.request.reference})"


class ClaimLine(models.Model):
    """One thing bought: goods only, never time, tips or fees."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    item = models.CharField(max_length=100)
    amount = money_field()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.item}: £{self.amount}"


class Receipt(models.Model):
    """The photo of a claim's receipt: downscaled, EXIF and location stripped, encrypted, in a
    file under var/receipts. Deleted (file gone, row kept) after the group's retention months."""

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, related_name="receipt")
    file_name = models.CharField(max_length=80)
    # Two fingerprints: the bytes as uploaded, and the pixels once downscaled, so the same
    # photo sent again (or re-saved) is recognised as a possible duplicate.
    upload_sha256 = models.CharField(max_length=64, db_index=True)
    pixels_sha256 = models.CharField(max_length=64, db_index=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Receipt for claim {self.claim_id}"


class AgreedLimit(models.Model):
    """A coordinator's agreement, before the shopping, to spend more than the group's limit."""

    request = models.OneToOneField("requests.HelpRequest", on_delete=models.CASCADE,
                                   related_name="agreed_limit")
    amount = money_field()
    agreed_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    agreed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Up to £{self.amount} on request {self.request_id}"


class CashCheck(models.Model):
    """A cash repayment the volunteer recorded, waiting for the check-up call to confirm it."""

    class Outcome(models.TextChoices):
        WAITING = "waiting", _("Not asked yet")
        CONFIRMED = "confirmed", _("Resident confirms paying")
        DISPUTED = "disputed", _("Resident says they did not pay this")

    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="cash_check")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.WAITING)
    checked_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Cash check {self.pk}: {self.outcome}"


class PaymentPlan(models.Model):
    """"Unless otherwise agreed": a coordinator agreed this request may be paid back later, so
    it does not count as unpaid until `until`."""

    request = models.OneToOneField("requests.HelpRequest", on_delete=models.CASCADE,
                                   related_name="payment_plan")
    until = models.DateField()
    agreed_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"Pay by {self.until} for request {self.request_id}"


class Flag(models.Model):
    """Something for a coordinator to look at. Never an exclusion by itself."""

    class Kind(models.TextChoices):
        NON_PAYMENT = "non_payment", _("Repeated non-payment")
        DUPLICATE = "duplicate", _("Possible duplicate receipt")

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="money_flags")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    resident = models.ForeignKey("residents.Resident", null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+")
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="flags")
    earlier = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    why = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    outcome = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.pk})"
