"""The periods in force for a group, its own or inherited, and the bounds a group may choose in.

Pure lookups: reading never writes. A period a group left empty comes from the nearest group
above that set it, else from Kith's default, so a borough can set a policy once for its wards
and streets while a street that must keep something longer says so itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # django-stubs is a dev dependency: types only
    from django_stubs_ext import StrOrPromise

@dataclass(frozen=True)
class Rule:
    field: str
    label: StrOrPromise
    unit: str  # "days", "months" or "years"
    default: int
    low: int
    high: int
    what: StrOrPromise  # what goes, in words
    why_low: StrOrPromise  # why nobody may go below `low`


DAYS, MONTHS, YEARS = "days", "months", "years"

RULES = [
    Rule("request_details_days", _("A closed request's details"),
         DAYS, 90, 30, 365,
         _("A closed request's details (what was needed, notes, numbers used for it) are "
           "blanked; the request stays, without them, so the group's figures stay right."),
         _("A month at least, so a complaint or a question about the help can be answered.")),
    Rule("resident_months", _("A resident with nothing open"),
         MONTHS, 12, 3, 36,
         _("A resident with nothing open is erased: their name, contact details and notes."),
         _("Three months at least, so someone who asks again soon is not asked everything "
           "twice.")),
    Rule("volunteer_days", _("A volunteer who left"),
         DAYS, 30, 7, 365,
         _("A volunteer who left is erased: their account, contact details and what they "
           "offered."),
         _("A week at least, so someone who left by mistake can come back.")),
    Rule("money_years", _("Money records"),
         YEARS, 6, 6, 10,
         _("Money records (the books, claims and payments) are kept for the accounts; Kith "
           "deletes nothing from them before this."),
         _("UK accounts must be kept for six years.")),
    Rule("safeguarding_years", _("A closed safeguarding case's details"),
         YEARS, 6, 1, 25,
         _("A closed safeguarding case's details (what happened, who was hurt, how to reach "
           "the person who reported it, notes) are blanked; the case's dates stay."),
         _("A year at least, so a pattern of concerns can still be seen.")),
    Rule("access_log_months", _("The record of who looked at personal data"),
         MONTHS, 24, 12, 72,
         _("Lines of the record of who looked at someone's personal data are deleted."),
         _("A year at least, so a person asking who looked at their data gets an answer.")),
]
BY_FIELD = {rule.field: rule for rule in RULES}
FIELDS = tuple(BY_FIELD)
UNIT_LABELS = {DAYS: _("days"), MONTHS: _("months"), YEARS: _("years")}


def as_timedelta(rule: Rule, value: int) -> timedelta:
    """Months as 31 days and years as 366, as money's receipt retention counts: never early."""
    return timedelta(days=value * {DAYS: 1, MONTHS: 31, YEARS: 366}[rule.unit])


@dataclass(frozen=True)
class Period:
    rule: Rule
    value: int
    source: object | None  # the group that set it, or None for Kith's default

    @property
    def length(self) -> timedelta:
        return as_timedelta(self.rule, self.value)

    @property
    def words(self) -> str:
        return f"{self.value} {UNIT_LABELS[self.rule.unit]}"


def own(group):
    from kith.retention.models import RetentionSchedule

    return RetentionSchedule.objects.filter(group=group).first()


def effective(group) -> dict[str, Period]:
    """{field: Period} in force for `group`: its own, else the nearest group above, else the
    default."""
    chain = [group, *group.ancestors()]
    from kith.retention.models import RetentionSchedule

    saved = {s.group_id: s for s in RetentionSchedule.objects.filter(group__in=chain)}
    out = {}
    for rule in RULES:
        found = Period(rule, rule.default, None)
        for node in chain:
            value = getattr(saved.get(node.pk), rule.field, None)
            if value is not None:
                found = Period(rule, value, node)
                break
        out[rule.field] = found
    return out


def inherited(group) -> dict[str, Period]:
    """What `group` would have if it set nothing itself (its parent's, or the defaults)."""
    if group.parent_id is None:
        return {rule.field: Period(rule, rule.default, None) for rule in RULES}
    return effective(group.parent)


def receipt_months(group) -> int:
    """Receipt photos: money's own setting, not a second copy of it."""
    from kith.money.models import MoneySettings

    return MoneySettings.for_group(group).receipt_months


class Cache:
    """effective() once per group in a sweep over many records."""

    def __init__(self) -> None:
        self._seen: dict[int, dict[str, Period]] = {}

    def __call__(self, group) -> dict[str, Period]:
        if group.pk not in self._seen:
            self._seen[group.pk] = effective(group)
        return self._seen[group.pk]
