"""The safeguarding step of the sweep (requests/sweeps.py, `kith tick`): a data breach not yet
reported to the ICO with a day or less of its 72 hours left gets one urgent reminder to the
leads who handle it. Idempotent: the conditional update claims each case once."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

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
    from kith.requests.notify import send_later

    hours = max(0, case.ico_hours_left(now) or 0)
    send_later(leads_for(case.group), group=handling_group(case.group), urgent=True,
               subject=_("Data breach: %(hours)s hours left to tell the ICO") % {"hours": hours},
               template="safeguarding/email/breach_clock.txt",
               context={"group": case.group.name, "number": case.number, "hours": hours,
                        "link": site_url(reverse("safeguarding:case",
                                                 args=[case.group.slug, case.pk]))})
    log_action("kith.case.breach_reminder", actor=None, group=case.group, obj=case,
               new={"hours_left": hours})
