"""The safeguarding step of the sweep (requests/sweeps.py, `kith tick`): a data breach not yet
reported to the ICO with a day or less of its 72 hours left gets one urgent reminder to the
leads who handle it. Idempotent: the conditional update claims each case once."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import ngettext

from kith.core.audit import log_action
from kith.core.mail import site_url
from kith.safeguarding.models import ICO_DEADLINE, ICO_REMINDER_BEFORE, Case
from kith.safeguarding.routing import handling_group, leads_for


def remind_breaches(now) -> int:
    due = Case.objects.filter(kind=Case.Kind.DATA_BREACH, ico_told_at__isnull=True,
                              breach_reminded_at__isnull=True,
                              opened_at__lte=now - (ICO_DEADLINE - ICO_REMINDER_BEFORE))
    reminded = 0
    for case in due.select_related("group"):
        with transaction.atomic():
            if not Case.objects.filter(pk=case.pk, breach_reminded_at__isnull=True).update(
                    breach_reminded_at=now):
                continue  # another sweep got there first
            _remind(case, now)
            reminded += 1
    return reminded


def _remind(case: Case, now) -> None:
    """To the leads who handle the case; with no lead anywhere up the tree, to the group's
    coordinators, who cannot open the case but can name a lead before the clock runs out."""
    from kith.requests.notify import people_with_roles, send_later

    hours = max(0, case.ico_hours_left(now) or 0)
    leads = leads_for(case.group)
    people = leads or people_with_roles(case.group, "coordinator")
    link = (reverse("safeguarding:case", args=[case.group.slug, case.pk]) if leads
            else reverse("groups:members", args=[case.group.slug]))
    send_later(people, group=handling_group(case.group), urgent=True,
               subject=ngettext("Data breach: %(hours)s hour left to tell the ICO",
                                "Data breach: %(hours)s hours left to tell the ICO",
                                hours) % {"hours": hours},
               template="safeguarding/email/breach_clock.txt",
               context={"group": case.group.name, "number": case.number, "hours": hours,
                        "no_lead": not leads, "link": site_url(link)})
    log_action("kith.case.breach_reminder", actor=None, group=case.group, obj=case,
               new={"hours_left": hours, "to": "leads" if leads else "coordinators"})
