"""The today page's safeguarding lines (groups/today.py draws them): for the leads, the cases
they handle that are new or open, and any data breach whose 72 hours to tell the ICO are
running; for coordinators, only how many of the group's own cases are open. Counts only."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import ngettext

from kith.safeguarding.models import Case
from kith.safeguarding.routing import handled_groups


def case_lines(group, access, now) -> list[tuple]:
    """(key, words, count, href, urgent) for groups.today.Item."""
    href = reverse("safeguarding:cases", args=[group.slug])
    if not access.can("safeguarding.case_details"):
        count = Case.objects.filter(group=group).exclude(state=Case.State.CLOSED).count()
        return [("cases_open", ngettext("safeguarding case open", "safeguarding cases open",
                                        count), count, href, False)]
    cases = Case.objects.filter(group__in=handled_groups(group)).exclude(
        state=Case.State.CLOSED)
    new = cases.filter(state=Case.State.NEW).count()
    going = cases.filter(state=Case.State.OPEN).count()
    breaches = cases.filter(kind=Case.Kind.DATA_BREACH, ico_told_at__isnull=True).count()
    return [
        ("cases_new", ngettext("new safeguarding case to triage",
                               "new safeguarding cases to triage", new), new, href, True),
        ("cases_open", ngettext("safeguarding case being looked at",
                                "safeguarding cases being looked at", going), going, href, False),
        ("breach_clock", ngettext("data breach with the 72-hour ICO clock running",
                                  "data breaches with the 72-hour ICO clock running", breaches),
         breaches, href, True),
    ]
