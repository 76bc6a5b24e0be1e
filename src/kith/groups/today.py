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
from django.utils.translation import gettext_noop, ngettext

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
    from kith.requests.callbacks import CHECKUP_KINDS, waiting

    # The queue's own rows, narrowed by the same filters its links ask for.
    due = waiting(group, now)
    overdue = due.filter(due_at__lt=now).count()
    checkups = due.filter(kind__in=CHECKUP_KINDS).count()
    return [
        Item("overdue_callbacks", ngettext("callback overdue", "callbacks overdue",
                                           overdue), overdue,
             _url("requests:queue", group, due="overdue"), urgent=True),
        Item("checkups_due", ngettext("check-up call due", "check-up calls due",
                                      checkups), checkups,
             _url("requests:queue", group, kind="checkup")),
    ]


# What the today page says of the requests Kith has stopped offering, by why (listing.stalled).
STALLED_WORDS = {
    "ran_out": (gettext_noop("request nobody took when offered: assign by hand"),
                gettext_noop("requests nobody took when offered: assign by hand")),
    "no_address": (gettext_noop("request needs an address before it can be offered"),
                   gettext_noop("requests need an address before they can be offered")),
    "nobody": (gettext_noop("request had nobody suitable to offer it to: assign by hand"),
               gettext_noop("requests had nobody suitable to offer them to: assign by hand")),
}


def _requests(group: Group, access: GroupAccess) -> list[Item]:
    from kith.requests import lifecycle
    from kith.requests.listing import stalled
    from kith.requests.models import HelpRequest

    mine = HelpRequest.objects.filter(group=group)
    # Offered is still nobody's: an offer can run out. The link's filter is the same set.
    urgent = mine.filter(state__in=lifecycle.UNASSIGNED, urgency=HelpRequest.Urgency.TODAY).count()
    items = [Item("urgent_unassigned",
                  ngettext("request for today has nobody yet",
                           "requests for today have nobody yet", urgent),
                  urgent, _url("requests:list", group, state="open", urgency="today",
                       holder="nobody"),
                  urgent=True)]
    if access.can("requests.assign"):
        # Kith has stopped offering these by itself; each line says why, and what to do.
        for why, words in STALLED_WORDS.items():
            count = mine.filter(stalled(why)).count()
            items.append(Item(f"offers_{why}", ngettext(*words, count), count,
                              _url("requests:list", group, state="needs_volunteer",
                                   offers=why)))
    if access.can("requests.safeguard"):
        concerns = mine.filter(state=lifecycle.ESCALATED).count()
        items.append(Item("escalated",
                          ngettext("concern escalated to safeguarding to look at",
                                   "concerns escalated to safeguarding to look at",
                                   concerns),
                          concerns, _url("requests:list", group, state="escalated"), urgent=True))
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
    if access.can("services.manage"):
        from kith.signposting.today import stale_services

        items += [Item("services_stale", *stale_services(group))]
    if access.can("safety.check_ins"):
        from kith.safety.today import check_in_items

        items += [Item(*line) for line in check_in_items(group, now)]
    if access.can("members.view"):
        items += _messages(group, now)
    if access.can("safeguarding.cases"):
        from kith.safeguarding.today import case_lines

        items += [Item(*line) for line in case_lines(group, access, now)]
    if any(access.can(p) for p in ("money.manage", "money.decide")):
        from kith.money.today import money_lines

        items += [Item(*line) for line in money_lines(group, access)]
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


@dataclass(frozen=True)
class Workplace:
    """A group where someone has work beyond volunteering, and how much of it is waiting."""

    group: Group
    href: str  # its today page (a coordinator) or its callback queue (only calls)
    urgent: int  # the urgent lines' counts on its today page
    waiting: int  # every line's count


def workplaces(person, now=None, *, besides: Group | None = None) -> list[Workplace]:
    """The groups where `person` coordinates, leads safeguarding or handles calls, the one with
    the most urgent work first (then the most work, then the one they joined first); `besides`
    leaves out the group whose page is being shown (its counts are there already)."""
    from kith.groups.access import resolve_access
    from kith.groups.models import Membership
    from kith.groups.roles import CALL_HANDLER, VOLUNTEER

    found = []
    for m in Membership.objects.filter(person=person).select_related("group").order_by("pk"):
        if not m.roles - {VOLUNTEER} or m.group == besides:
            continue
        page = "groups:dashboard" if m.roles - {VOLUNTEER, CALL_HANDLER} else "requests:queue"
        items = needs_now(m.group, resolve_access(person, m.group), now)
        found.append(Workplace(m.group, reverse(page, args=[m.group.slug]),
                               urgent=sum(i.count for i in items if i.urgent),
                               waiting=sum(i.count for i in items)))
    # sorted() keeps the order joined among equals: "the first" when nothing is waiting.
    return sorted(found, key=lambda w: (-w.urgent, -w.waiting))


def landing(person) -> str:
    """Where a person lands after signing in: the place where their work is.

    Where they coordinate (or lead safeguarding): that group's today page; where they only
    handle calls: its callback queue. In several groups, the one with the most urgent work
    waiting (its today page has a line to the others). Only volunteering: their offers and
    tasks. No group yet: the list of their groups.
    """
    from kith.groups.models import Membership
    from kith.groups.roles import VOLUNTEER

    places = workplaces(person)
    if places:
        return places[0].href
    if any(VOLUNTEER in m.roles for m in Membership.objects.filter(person=person)):
        return reverse("volunteers:home")
    return reverse("groups:mine")


def can_see_today(access: GroupAccess) -> bool:
    """Roles with work to list; a volunteer's today is their own home page."""
    return any(access.can(p) for p in ("callbacks.work", "requests.view", "volunteers.vet",
                                       "runs.manage", "money.manage"))

