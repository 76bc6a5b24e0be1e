"""Regular help: a weekly shop or a fortnightly call. Each occurrence is its own request,
made a week ahead by the sweep, and goes to the series' volunteer when they are still free to
take it (the same face each week), else to matching like any other request."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from kith.core.audit import log_action
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import HelpRequest, Series

LOOKAHEAD = timedelta(days=7)


@transaction.atomic
def start_series(group, *, resident, service: str, cadence: str, first_date, when: str = "",
                 details: str = "", volunteer=None, actor) -> Series:
    if resident.group_id != group.pk:
        raise IllegalMove("That resident belongs to another group.")
    series = Series.objects.create(group=group, resident=resident, service=service, cadence=cadence,
                                   next_date=first_date, when=when, details=details or None,
                                   volunteer=volunteer, created_by=actor)
    log_action("kith.series.started", actor=actor, group=group, obj=series,
               new={"service": service, "cadence": cadence, "first": first_date.isoformat(),
                    "volunteer": getattr(volunteer, "pk", None)})
    return series


_NEXT_STATE = {"pause": (Series.State.ACTIVE, Series.State.PAUSED),
               "resume": (Series.State.PAUSED, Series.State.ACTIVE),
               "end": (None, Series.State.ENDED)}


@transaction.atomic
def change_series(series: Series, action: str, *, actor, note: str = "") -> Series:
    """Pause, resume or end. Ending is for good; the occurrences already made stay."""
    source, target = _NEXT_STATE[action]
    series = Series.objects.select_for_update().get(pk=series.pk)
    if series.state == Series.State.ENDED or (source and series.state != source):
        raise IllegalMove(f"This series is {series.get_state_display().lower()}, so it cannot "
                          f"be {'ended' if action == 'end' else action + 'd'} now.")
    old = series.state
    series.state = target
    if action == "resume":
        # Catch up: the next visit is the first one still ahead, not one missed while paused.
        today = timezone.localdate()
        while series.next_date < today:
            series.next_date += series.step
    series.save(update_fields=["state", "next_date"])
    log_action(f"kith.series.{action}d" if action != "end" else "kith.series.ended", actor=actor,
               group=series.group, obj=series, old={"state": old},
               new={"state": target, "reason": note})
    return series


def _free_to_take(volunteer, series: Series) -> bool:
    from kith.requests.services import refusals

    return volunteer is not None and not refusals(volunteer, series.group, series.service)


@transaction.atomic
def make_occurrence(series: Series, horizon=None) -> HelpRequest | None:
    """The next visit as a request: triaged (the series was agreed), then assigned to the
    series' volunteer if they are still free to take it, else sent to matching.

    Re-checked under the lock: a series paused, ended or already made (by an overlapping
    sweep) since it was listed gets nothing, and None comes back."""
    from kith.requests import services
    from kith.requests.intake import new_reference
    from kith.requests.moves import add_event, make_move
    from kith.requests.visits import missing_for_visit

    series = (Series.objects.select_for_update(of=("self",))
              .select_related("group", "resident").get(pk=series.pk))
    if series.state != Series.State.ACTIVE or (horizon is not None and series.next_date > horizon):
        return None
    day = series.next_date
    due = timezone.make_aware(datetime.combine(day, time(20, 0)))
    req = HelpRequest.objects.create(
        group=series.group, resident=series.resident, reference=new_reference(),
        service=series.service, details=series.details,  # still sealed: copied, never opened
        urgency=HelpRequest.Urgency.FLEXIBLE, when=f"{day:%A %-d %B} {series.when}".strip(),
        needed_by=due, channel=HelpRequest.Channel.SERIES, series=series,
        consent_at=series.created_at,
    )
    add_event(req, "created", actor=None, from_state="", state="new", note=f"From the series: {series}")
    log_action("kith.request.created", actor=None, group=series.group, obj=req,
               new={"channel": req.channel, "series": series.pk, "service": req.service})
    make_move(req, "triage", actor=None, note="Regular help already agreed")
    # No address for help at the door: matching says so and tells the coordinators.
    if _free_to_take(series.volunteer, series) and not missing_for_visit(req):
        services.assign(req, series.volunteer, actor=None, reason="Their regular volunteer",
                        due_by=due)
    else:
        make_move(req, "start_matching", actor=None)
    series.next_date = day + series.step
    series.save(update_fields=["next_date"])
    return req


def make_due_occurrences(now=None) -> int:
    """Every active series whose next visit is within a week gets its request."""
    horizon = timezone.localdate(now or timezone.now()) + LOOKAHEAD
    made = 0
    for series in Series.objects.filter(state=Series.State.ACTIVE, next_date__lte=horizon):
        if make_occurrence(series, horizon) is not None:
            made += 1
    return made
