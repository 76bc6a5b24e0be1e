"""Every change to a group's retention schedule: one transaction with its audit row."""

from __future__ import annotations

from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kith.core.audit import log_action
from kith.retention.models import RetentionSchedule
from kith.retention.schedule import BY_FIELD, FIELDS, UNIT_LABELS


def check_bounds(values: dict[str, int | None]) -> None:
    """The form says the same; the service refuses too, so no other path can set a period
    below what the law or the group's work needs."""
    errors = {}
    for field, value in values.items():
        rule = BY_FIELD[field]
        if value is not None and not rule.low <= value <= rule.high:
            errors[field] = _("Choose from %(low)s to %(high)s %(unit)s.") % {
                "low": rule.low, "high": rule.high, "unit": UNIT_LABELS[rule.unit]}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_schedule(group, *, acting_user, **values) -> RetentionSchedule:
    """Coordinators only (the page asks retention.settings). An empty period follows the group
    above. Nothing changed writes nothing."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"Not retention periods: {sorted(unknown)}")
    check_bounds(values)
    schedule = (RetentionSchedule.objects.select_for_update().filter(group=group).first()
                or RetentionSchedule(group=group))
    changed = {f: v for f, v in values.items() if getattr(schedule, f) != v}
    if not changed:
        return schedule
    old = {f: getattr(schedule, f) for f in changed}  # the audit row names only what changed
    for name, value in changed.items():
        setattr(schedule, name, value)
    schedule.save()
    log_action("kith.retention.schedule_changed", actor=acting_user, group=group, obj=schedule,
               old=old, new=changed)
    return schedule


def _due_now(group_ids: list[int]) -> Counter:
    from django.utils import timezone

    from kith.retention import plan
    from kith.retention.schedule import Cache

    now, periods = timezone.now(), Cache()
    return Counter({
        "requests": len(plan.requests_due(now, periods, group_ids)),
        "residents": len(plan.residents_due(now, periods, group_ids)),
        "volunteers": len(plan.volunteers_due(now, periods, group_ids)),
        "cases": len(plan.cases_due(now, periods, group_ids)),
        "access_lines": sum(n for n, _why in plan.access_log_due(now, periods,
                                                                   group_ids).values()),
    })


def newly_due(group, **values) -> Counter:
    """What the next sweep would remove, were these periods saved, that it would not remove
    today: counted with the change made and undone inside a savepoint, so the plan the sweep
    follows answers (the groups below that inherit the period included)."""
    ids = [group.pk, *group.descendant_ids()]
    before = _due_now(ids)
    with transaction.atomic():
        schedule = RetentionSchedule.objects.filter(group=group).first() or RetentionSchedule(
            group=group)
        for name, value in values.items():
            setattr(schedule, name, value)
        schedule.save()
        after = _due_now(ids)
        transaction.set_rollback(True)
    return after - before  # Counter subtraction keeps only what grew
