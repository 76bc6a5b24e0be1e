"""Each volunteer's recent load, kept on their match cards so a search runs no aggregate query.

The core's fairness facts (tasks this week, tasks in 30 days, days since the last task,
offers declined in 30 days) are windows over Assignment and Offer rows. Counting them per
search cost one aggregate query per ring of a million-volunteer group; instead every change
that alters them rewrites the facts onto the person's cards, in the change's own transaction
(signals.py and offers._close call `refresh_load`). The card keeps the raw times of the last
few weeks, not counts, so any `now` reads exact windows from it without a rewrite as days pass.

Continuity ("helped this resident before") depends on the resident, so it is not on the card:
`helped_by` reads the few finished tasks of that one resident (an indexed read, however many
volunteers the group has).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from django.utils import timezone

WINDOW = timedelta(days=30)  # the core's "recent": tasks_30_days, declined_recently
# Times older than this are dropped when the card is rewritten: a little over the window, so
# a search run with a slightly earlier `now` than the last write still counts exactly.
KEEP = WINDOW + timedelta(days=7)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICRO = timedelta(microseconds=1)
DAY_MICROS = 86_400_000_000


def micros(moment: datetime) -> int:
    """A moment as whole microseconds since 1970: exact, so window edges compare exactly."""
    return (moment - EPOCH) // MICRO


def times_text(moments) -> str:
    return " ".join(str(micros(m)) for m in sorted(moments))


def start_of_week(now: datetime) -> datetime:
    """Monday 00:00, local time: weekly caps count from here."""
    local = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return local - timedelta(days=local.weekday())


def facts_for(person_id: int, now: datetime | None = None) -> dict:
    """The card's load fields for this person, recomputed from their assignments and offers."""
    from kith.matching.models import Offer
    from kith.requests.models import Assignment

    since = (now or timezone.now()) - KEEP
    tasks = Assignment.objects.filter(volunteer_id=person_id)
    last = tasks.order_by("-assigned_at").values_list("assigned_at", flat=True).first()
    recent = tasks.filter(assigned_at__gte=since).values_list("assigned_at", flat=True)
    declines = Offer.objects.filter(volunteer_id=person_id, state=Offer.State.DECLINED,
                                    answered_at__gte=since).values_list("answered_at", flat=True)
    return {"task_times": times_text(recent), "last_task": None if last is None else micros(last),
            "decline_times": times_text(declines)}


def refresh_load(person_id: int | None, now: datetime | None = None) -> None:
    """Rewrite this person's load facts onto every card they have (one per group)."""
    from kith.matching.models import MatchCard

    if person_id is None:
        return
    cards = MatchCard.objects.filter(person_id=person_id)
    if cards.exists():
        cards.update(**facts_for(person_id, now))


def _count_since(text: str, start: int) -> int:
    if not text:
        return 0
    return sum(1 for t in text.split() if int(t) >= start)


class Window:
    """The edges of one search's windows, worked out once and applied to every card read."""

    def __init__(self, now: datetime):
        self.now_micros = micros(now)
        self.week = micros(start_of_week(now))
        self.month = micros(now - WINDOW)

    def history(self, task_times: str, last_task: int | None, decline_times: str,
                helped: int, resident_id: int | None) -> dict:
        """The core's fairness and continuity facts from a card's load fields."""
        return {
            "tasks_this_week": _count_since(task_times, self.week),
            "tasks_30_days": _count_since(task_times, self.month),
            "days_since_last_task": None if last_task is None
            else (self.now_micros - last_task) / DAY_MICROS,
            "helped": {resident_id: helped} if resident_id and helped else {},
            "declined_recently": _count_since(decline_times, self.month),
        }


def helped_by(resident_id: int | None) -> Counter:
    """Volunteer id -> tasks they finished for this resident (continuity). Plain SQL: it runs
    on every search, and the ORM took longer to build it than the database to answer it."""
    from django.db import connection

    from kith.requests.models import Assignment, HelpRequest

    if not resident_id:
        return Counter()
    tasks, requests = Assignment._meta.db_table, HelpRequest._meta.db_table
    sql = (f"SELECT t.volunteer_id FROM {tasks} t JOIN {requests} r ON r.id = t.request_id "  # noqa: S608
           "WHERE r.resident_id = %s AND t.\"end\" = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [resident_id, Assignment.End.DONE])
        return Counter(row[0] for row in cursor.fetchall())
