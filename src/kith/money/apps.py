from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The audit trail's names for this app's actions (core.audit.ACTION_LABELS).
ACTION_LABELS = {
    "kith.money.claim_recorded": _("Spending recorded on a task, with its receipt"),
    "kith.money.claim_approved": _("Spending claim approved"),
    "kith.money.claim_queried": _("Spending claim queried"),
    "kith.money.claim_answered": _("Volunteer answered a query on a claim"),
    "kith.money.claim_rejected": _("Spending claim rejected"),
    "kith.money.limit_agreed": _("Coordinator agreed spending above the group's limit"),
    "kith.money.repaid": _("Repayment recorded"),
    "kith.money.cash_confirmed": _("Cash repayment confirmed at the check-up"),
    "kith.money.cash_disputed": _("Resident said they had not paid the cash recorded"),
    "kith.money.plan_agreed": _("Coordinator agreed a later date to pay back"),
    "kith.money.hardship": _("Covered by the hardship fund"),
    "kith.money.reimbursed": _("Volunteer reimbursed"),
    "kith.money.cash_paid_in": _("Cash paid in by a volunteer"),
    "kith.money.fund_in": _("Money into the fund"),
    "kith.money.fund_out": _("Money out of the fund"),
    "kith.money.reversed": _("Ledger entry reversed"),
    "kith.money.flagged": _("Flagged for a coordinator to review"),
    "kith.money.flag_reviewed": _("Flag reviewed by a coordinator"),
    "kith.money.settings_changed": _("Money settings changed"),
    "kith.money.receipts_deleted": _("Old receipt photos deleted (retention)"),
}


class MoneyConfig(AppConfig):
    name = "kith.money"
    label = "money"
    verbose_name = "Money: spending, repayments and the books"

    def ready(self) -> None:
        from kith.core.audit import ACTION_LABELS as labels

        labels.update(ACTION_LABELS)  # type: ignore[arg-type]  # lazy, shown translated
