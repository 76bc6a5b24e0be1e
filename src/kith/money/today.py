"""The today page's money lines (groups/today.py draws them): claims waiting for a treasurer,
cash waiting for its check-up question, and flags waiting for a coordinator's review."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import ngettext

from kith.money.models import CashCheck, Claim, Flag


def money_lines(group, access) -> list[tuple[str, str, int, str, bool]]:
    """(key, words, count, link, urgent) for groups.today.Item."""
    queue = reverse("money:queue", args=[group.slug])
    lines = []
    if access.can("money.manage"):
        n = Claim.objects.filter(group=group, state=Claim.State.SUBMITTED).count()
        lines.append(("claims_waiting", ngettext("spending claim waiting for the treasurer",
                                                 "spending claims waiting for the treasurer", n),
                      n, queue, False))
    if access.can("money.decide"):
        n = Flag.objects.filter(group=group, reviewed_at__isnull=True).count()
        lines.append(("money_flags", ngettext("money flag to review", "money flags to review",
                                              n), n, queue, False))
    if access.can("money.confirm") and access.can("money.view"):
        n = CashCheck.objects.filter(entry__group=group,
                                     outcome=CashCheck.Outcome.WAITING).count()
        lines.append(("cash_to_confirm", ngettext(
            "cash payment to confirm at a check-up call",
            "cash payments to confirm at check-up calls", n), n, queue, False))
    return lines
