"""The money steps of the scheduled sweep (requests/sweeps.tick): both idempotent.

- `flag_non_payment`: a resident with the group's number of unpaid tasks within 30 days goes
  to a coordinator to review, once while a review is open. Never an exclusion by itself:
  people fall on hard times, and the coordinator decides (seed 000, "unless otherwise agreed").
- `delete_old_receipts`: receipt photos older than the group's retention months are deleted;
  the claim and its figures stay. Audited as a count per group, never as a list of names.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core.audit import log_action
from kith.money import ledger, receipts
from kith.money.models import CashCheck, Claim, Flag, MoneySettings, PaymentPlan, Receipt

WINDOW = timedelta(days=30)


def unpaid_requests(group, now) -> dict[int, set[int]]:
    """{resident id: request ids} unpaid within the window: shopping still owed after the
    group's days to pay (unless a coordinator agreed a later date), or cash the resident said
    at the check-up they had not paid."""
    rules = MoneySettings.for_group(group)
    due_before = now - timedelta(days=rules.days_to_pay)
    out: dict[int, set[int]] = defaultdict(set)
    claims = (Claim.objects.filter(group=group, created_at__gte=now - WINDOW - timedelta(
        days=rules.days_to_pay), created_at__lt=due_before)
        .exclude(state=Claim.State.REJECTED).select_related("request"))
    agreed = set(PaymentPlan.objects.filter(request__group=group,
                                            until__gte=timezone.localdate(now))
                 .values_list("request_id", flat=True))
    for claim in claims:
        req = claim.request
        if req.pk not in agreed and ledger.owed_on_request(req) > 0:
            out[req.resident_id].add(req.pk)
    disputed = CashCheck.objects.filter(entry__group=group, outcome=CashCheck.Outcome.DISPUTED,
                                        checked_at__gte=now - WINDOW).select_related(
        "entry__request")
    for check in disputed:
        asked = check.entry.request
        if asked is not None:
            out[asked.resident_id].add(asked.pk)
    return out


def flag_non_payment(now) -> int:
    from kith.groups.models import Group

    made = 0
    for group in Group.objects.filter(claims__isnull=False).distinct():
        threshold = MoneySettings.for_group(group).non_payment_threshold
        for resident_id, reqs in unpaid_requests(group, now).items():
            if len(reqs) < max(threshold, 1):
                continue
            with transaction.atomic():
                if Flag.objects.select_for_update().filter(
                        group=group, kind=Flag.Kind.NON_PAYMENT, resident_id=resident_id,
                        reviewed_at__isnull=True).exists():
                    continue
                flag = Flag.objects.create(
                    group=group, kind=Flag.Kind.NON_PAYMENT, resident_id=resident_id,
                    why=_("%(n)s tasks not paid back within 30 days. Talk to them before "
                          "deciding anything: it may be agreed, or they may need the "
                          "hardship fund.") % {"n": len(reqs)})
                log_action("kith.money.flagged", actor=None, group=group, obj=flag,
                           new={"kind": flag.kind, "unpaid": len(reqs)})
                made += 1
    return made


def delete_old_receipts(now) -> int:
    deleted = 0
    per_group: dict[int, int] = defaultdict(int)
    groups = {}
    for receipt in Receipt.objects.filter(deleted_at__isnull=True).select_related(
            "claim__group"):
        group = receipt.claim.group
        months = MoneySettings.for_group(group).receipt_months
        if receipt.created_at > now - timedelta(days=31 * months):
            continue
        with transaction.atomic():
            if Receipt.objects.filter(pk=receipt.pk, deleted_at__isnull=True).update(
                    deleted_at=now):
                transaction.on_commit(partial(receipts.remove, receipt.file_name))
                per_group[group.pk] += 1
                groups[group.pk] = group
    for gid, n in per_group.items():
        with transaction.atomic():
            log_action("kith.money.receipts_deleted", actor=None, group=groups[gid],
                       new={"receipts": n})
        deleted += n
    return deleted
