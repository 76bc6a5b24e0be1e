"""A group's navigation, built from one table of pages and the permissions they need.

The template only draws what `navigation()` returns, so a page is added here once: its label,
its URL name, the permission that opens it, the section it sits in, and the other views that
belong to it (so the right item is marked current on a detail page). The first section is
drawn as links (the pages used every day); the others fold into menus, so a phone shows a
line or two, not sixteen tabs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kith.groups.models import Group


@dataclass(frozen=True)
class Page:
    label: str
    url_name: str
    permission: str
    section: str
    # View names (or "app:" prefixes) that count as being on this page.
    also: tuple[str, ...] = ()
    shown: Callable[[Group], bool] = lambda group: True


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    current: bool


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    links: tuple[Link, ...]

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


SECTIONS = [("main", ""), ("work", _("More work")), ("people", _("People")),
            ("group", _("Group"))]

PAGES = [
    Page(_("Today"), "groups:dashboard", "group.view", "main"),
    Page(_("Callbacks"), "requests:queue", "callbacks.work", "main",
         also=("requests:callback", "requests:missed_call")),
    Page(_("Requests"), "requests:list", "requests.view", "main",
         also=("requests:detail", "requests:move", "requests:assign", "requests:intake",
               "matching:")),
    Page(_("Regular help"), "requests:series_list", "requests.view", "work",
         also=("requests:series",)),
    Page(_("Runs"), "runs:list", "runs.manage", "work", also=("runs:",)),
    Page(_("Local services"), "signposting:list", "services.view", "work",
         also=("signposting:list", "signposting:detail", "signposting:new", "signposting:edit",
               "signposting:find", "signposting:refer", "signposting:import")),
    Page(_("Referrals"), "signposting:referrals", "referrals.send", "work",
         also=("signposting:referral",)),
    Page(_("Safeguarding"), "safeguarding:cases", "safeguarding.cases", "work",
         also=("safeguarding:case",)),
    Page(_("Report a concern"), "safeguarding:report", "safeguarding.report", "work",
         also=("safeguarding:reported",)),
    Page(_("Money"), "money:queue", "money.view", "main",
         also=("money:claim", "money:balances", "money:reimburse", "money:ledger",
               "money:fund", "money:task")),
    Page(_("Out on tasks"), "safety:check_ins", "safety.check_ins", "work"),
    Page(_("Risk assessments"), "safety:risks", "safety.risk_view", "work",
         also=("safety:risk_edit",)),
    Page(_("Residents"), "residents:list", "residents.view", "people", also=("residents:",)),
    Page(_("Volunteers"), "volunteers:list", "volunteers.view", "people",
         also=("volunteers:", "volunteers_import:")),
    Page(_("Members"), "groups:members", "members.view", "people", also=("groups:member_edit",)),
    Page(_("Invitations"), "groups:invitations", "members.manage", "people"),
    Page(_("Exclusions"), "requests:exclusions", "exclusions.manage", "people"),
    Page(_("Group details"), "groups:settings", "group.edit", "group"),
    Page(_("Request settings"), "requests:policy", "requests.settings", "group"),
    Page(_("Partners"), "partners:list", "partners.manage", "group", also=("partners:",)),
    Page(_("Money settings"), "money:settings", "money.settings", "group"),
    Page(_("Safety settings"), "safety:settings", "safety.settings", "group"),
    Page(_("How long data is kept"), "retention:settings", "retention.settings", "group",
         also=("retention:preview", "retention:processing")),
    Page(_("Public listing"), "directory:group", "group.view", "group"),
    Page(_("Listing reports"), "listings:reports", "listings.moderate", "group"),
    Page(_("New groups to approve"), "listings:registrations", "listings.moderate", "group",
         shown=lambda group: group.kind == "network"),
    Page(_("Coverage gaps"), "directory:gaps", "gaps.view", "group",
         shown=lambda group: group.kind != "street"),
    Page(_("Messages"), "messaging:group_log", "members.view", "group"),
    Page(_("Audit trail"), "groups:audit", "audit.view", "group"),
    Page(_("Data access log"), "groups:access_log", "access_log.view", "group"),
]


def _is_current(page: Page, view_name: str) -> bool:
    names = (page.url_name, *page.also)
    return any(view_name == n or (n.endswith(":") and view_name.startswith(n)) for n in names)


def navigation(group: Group, permissions: frozenset[str], view_name: str) -> list[Section]:
    """The sections this person sees in `group`, each with the pages their roles open."""
    sections = []
    for key, label in SECTIONS:
        links = tuple(
            Link(page.label, reverse(page.url_name, args=[group.slug]),
                 _is_current(page, view_name))
            for page in PAGES
            if page.section == key and page.permission in permissions and page.shown(group))
        if links:
            sections.append(Section(key, label, links))
    return sections
