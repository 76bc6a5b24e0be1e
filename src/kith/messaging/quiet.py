"""Quiet hours: a group sends no texts or WhatsApp messages at night unless they are urgent.

A message queued inside a group's quiet hours waits in the outbox (its `next_attempt_at`, and a
task due then) until the hours end; an urgent one (an offer for an urgent request, a
safeguarding alert) goes at once. Emails are never held: nobody's phone buzzes for one. The
hours are wall-clock times in the group's time zone, so they stay 21:00 to 08:00 across the
clock change, and a span that crosses midnight ends on the next morning.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from kith.core.audit import log_action
from kith.messaging.models import QuietHours

DEFAULT_ZONE = "Europe/London"


def default_hours() -> tuple[time, time]:
    """KITH_QUIET_HOURS ("21:00-08:00"; empty for none): a group's until it sets its own."""
    text = settings.KITH_QUIET_HOURS.strip()
    if not text:
        return time(0, 0), time(0, 0)
    starts, ends = (time.fromisoformat(part.strip()) for part in text.split("-", 1))
    return starts, ends


def hours_for(group) -> QuietHours:
    """The group's quiet hours: its own, else those of the nearest group above that set them (a
    borough's nights are its streets' too), else the default (unsaved)."""
    if group is not None:
        chain = [group, *group.ancestors()]
        found = {hours.group_id: hours
                 for hours in QuietHours.objects.filter(group__in=[g.pk for g in chain])}
        for link in chain:
            if link.pk in found:
                return found[link.pk]
    starts, ends = default_hours()
    return QuietHours(group=group, starts=starts, ends=ends, time_zone=DEFAULT_ZONE)


def hold_until(hours: QuietHours, now: datetime) -> datetime | None:
    """When the quiet hours that `now` falls in end, or None if `now` is outside them."""
    if hours.starts == hours.ends:  # no quiet hours at all
        return None
    zone = ZoneInfo(hours.time_zone)
    local = now.astimezone(zone)
    at = local.time()
    if hours.starts < hours.ends:  # inside one day, like 13:00 to 14:00
        inside, ends_on = hours.starts <= at < hours.ends, local.date()
    else:  # across midnight: the evening part ends tomorrow morning
        inside = at >= hours.starts or at < hours.ends
        ends_on = local.date() + timedelta(days=1) if at >= hours.starts else local.date()
    if not inside:
        return None
    return datetime.combine(ends_on, hours.ends, tzinfo=zone)


def set_hours(group, *, starts: time, ends: time, acting_user) -> QuietHours:
    """Change a group's quiet hours (the caller holds `group.edit`); audited."""
    with transaction.atomic():
        current = hours_for(group)
        old = {"starts": f"{current.starts:%H:%M}", "ends": f"{current.ends:%H:%M}"}
        new = {"starts": f"{starts:%H:%M}", "ends": f"{ends:%H:%M}"}
        if old == new:  # saving the page unchanged keeps inheriting from the group above
            return current
        # Its own row from now on: never the row of the group above it was inheriting.
        hours = (QuietHours.objects.filter(group=group).first()
                 or QuietHours(group=group, time_zone=current.time_zone))
        hours.starts, hours.ends = starts, ends
        hours.save()
        log_action("kith.group.quiet_hours_changed", actor=acting_user, group=group, obj=hours,
                   old=old, new=new)
    return hours
