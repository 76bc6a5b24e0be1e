"""What needs someone now in a group, for its "today" page: one line per kind of work, each
with its count and a link to where the work is done.

Each line is shown only to people whose role can act on it (a call handler sees the queue,
not the vetting backlog), and only when its count is above zero, so an empty page means a
quiet day. Counts only: nobody's name or details appear here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from kith.groups.access import GroupAccess
from kith.groups.models import Group


@dataclass(frozen=True)
class Item:
    key: str
    words: str  # "callbacks overdue", shown after the count
    count: int
    href: str
    urgent: bool = False


@dataclass(frozen=True)
class Week:
    """The last seven days, for the figures under the list."""

    asked: int
    helped: int
    calls_made: int
    volunteers_active: int


def _url(name: str, group: Group, **query: str) -> str:
    url = reverse(name, args=[group.slug])
    return f"{url}?{urlencode(query)}" if query else url


def _callbacks(group: Group, now) -> list[Item]:
    from kith.requests.models import Callback

    due = Callback.objects.filter(group=group, outcome="", not_before__lte=now)
    overdue = due.filter(due_at__lt=now).count()
    checkups = due.filter(kind__in=[Callback.Kind.CHECK_UP, Callback.Kind.CHECK_IN]).count()
    queue = _url("requests:queue", group)
    return [
        Item("overdue_callbacks", ngettext("callback overdue", "callbacks overdue",
                                           overdue), overdue, queue, urgent=True),
        Item("checkups_due", ngettext("check-up call due", "check-up calls due",
                                      checkups), checkups, queue),
    ]


def _requests(group: Group, access: GroupAccess) -> list[Item]:
    from kith.matching.offers import ROUNDS
    from kith.requests import lifecycle
    from kith.requests.models import HelpRequest

    mine = HelpRequest.objects.filter(group=group)
    # Offered is still nobody's: an offer can run out. The link's filter is the same set.
    urgent = mine.filter(state__in=lifecycle.UNASSIGNED, urgency=HelpRequest.Urgency.TODAY).count()
    stalled = mine.filter(state=lifecycle.MATCHING, offer_rounds__gte=ROUNDS).count()
    items = [Item("urgent_unassigned",
                  ngettext("request for today has nobody yet",
                           "requests for today have nobody yet", urgent),
                  urgent, _url("requests:list", group, state="open", urgency="today",
                       holder="nobody"),
                  urgent=True)]
    if access.can("requests.assign"):
        items.append(Item("offers_ran_out",
                          ngettext("request nobody took when offered: assign by hand",
                                   "requests nobody took when offered: assign by hand",
                                   stalled),
                          stalled, _url("requests:list", group, state="needs_volunteer",
                                        offers="ran_out")))
    if access.can("requests.safeguard"):
        concerns = mine.filter(state=lifecycle.ESCALATED).count()
        items.append(Item("escalated",
                          ngettext("concern or escalation to look at",
                                   "concerns or escalations to look at",
                                   concerns),
                          concerns, _url("requests:list", group, state="attention"), urgent=True))
    return items


def _vetting(group: Group) -> list[Item]:
    from kith.groups.models import Membership
    from kith.volunteers.models import VolunteerProfile

    waiting = (Membership.objects.filter(group=group, is_volunteer=True,
                                         person__volunteer__status=VolunteerProfile.Status.ACTIVE)
               .exclude(person__vettings__group=group, person__vettings__approved_at__isnull=False)
               .count())
    return [Item("checks_waiting",
                 ngettext("volunteer waiting for checks", "volunteers waiting for checks",
                          waiting),
                 waiting, _url("volunteers:list", group, vetting="waiting", status="active"))]


def _runs(group: Group, today) -> list[Item]:
    from kith.runs.models import Run

    runs = group.runs.filter(date__lte=today).exclude(state=Run.State.FINISHED).count()
    return [Item("runs_today", ngettext("run today or not yet finished",
                                        "runs today or not yet finished", runs),
                 runs, _url("runs:list", group))]


def _messages(group: Group, now) -> list[Item]:
    from kith.messaging.log import recent_failures

    failed = recent_failures(group, now).count()
    return [Item("messages_failed",
                 ngettext("message that did not arrive this week",
                          "messages that did not arrive this week", failed),
                 failed, _url("messaging:group_log", group), urgent=True)]


def needs_now(group: Group, access: GroupAccess, now=None) -> list[Item]:
    """The lines of the today page this person can act on, most urgent first, none at zero."""
    now = now or timezone.now()
    items: list[Item] = []
    if access.can("callbacks.work"):
        items += _callbacks(group, now)
    if access.can("requests.view"):
        items += _requests(group, access)
    if access.can("volunteers.vet"):
        items += _vetting(group)
    if access.can("runs.manage"):
        items += _runs(group, timezone.localdate(now))
    if access.can("members.view"):
        items += _messages(group, now)
    return sorted((i for i in items if i.count), key=lambda i: not i.urgent)


def week(group: Group, now=None) -> Week:
    from kith.requests.models import Assignment, Callback, HelpRequest

    since = (now or timezone.now()) - timedelta(days=7)
    done = Assignment.objects.filter(request__group=group, end=Assignment.End.DONE,
                                     ended_at__gte=since)
    return Week(
        asked=HelpRequest.objects.filter(group=group, created_at__gte=since).count(),
        helped=done.count(),
        calls_made=Callback.objects.filter(group=group, closed_at__gte=since)
        .exclude(outcome__in=["", Callback.Outcome.WITHDRAWN]).count(),
        volunteers_active=done.values("volunteer").distinct().count(),
    )


def landing(person) -> str:
    """Where a person lands after signing in: the place where their work is.

    One group where they coordinate (or lead safeguarding): its today page. One group where
    they only handle calls: the callback queue. Only volunteering: their offers and tasks.
    Anything else (several groups, no group yet): the list of their groups.
    """
    from kith.groups.models import Membership
    from kith.groups.roles import CALL_HANDLER, VOLUNTEER

    memberships = list(Membership.objects.filter(person=person).select_related("group"))
    workplaces = [m for m in memberships if m.roles - {VOLUNTEER}]
    if len(workplaces) == 1:
        (m,) = workplaces
        if m.roles - {VOLUNTEER, CALL_HANDLER}:
            return reverse("groups:dashboard", args=[m.group.slug])
        return reverse("requests:queue", args=[m.group.slug])
    if not workplaces and any(VOLUNTEER in m.roles for m in memberships):
        return reverse("volunteers:home")
    return reverse("groups:mine")


def can_see_today(access: GroupAccess) -> bool:
    """Roles with work to list; a volunteer's today is their own home page."""
    return any(access.can(p) for p in ("callbacks.work", "requests.view", "volunteers.vet",
                                       "runs.manage"))

