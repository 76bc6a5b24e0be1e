"""Every change to a group's retention schedule: one transaction with its audit row."""

from __future__ import annotations

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
    old = {f: getattr(schedule, f) for f in values}
    if old == values:
        return schedule
    for name, value in values.items():
        setattr(schedule, name, value)
    schedule.save()
    log_action("kith.retention.schedule_changed", actor=acting_user, group=group, obj=schedule,
               old=old, new=values)
    return schedule
