"""The privacy notice and the record of processing, built from a group's settings.

Both read the same table (`CATEGORIES`), so what the public is told and what the
coordinators' record says cannot drift apart; how long each is kept comes from the group's
schedule in force (schedule.effective), and receipt photos from money's own setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from kith.retention import schedule

if TYPE_CHECKING:  # django-stubs is a dev dependency: types only
    from django_stubs_ext import StrOrPromise

@dataclass(frozen=True)
class Category:
    key: str
    people: StrOrPromise
    what: StrOrPromise
    why: StrOrPromise
    basis: StrOrPromise
    who_sees: StrOrPromise
    kept: tuple[str, ...]  # schedule fields (or "receipts") that say how long


CATEGORIES = [
    Category(
        "residents", _lazy("People who ask for help"),
        _lazy("Your name, how to reach you (phone, email), your address and postcode when help "
              "comes to your door, the language you prefer, what you need and when, and notes "
              "we make about the help you need, which may include your health."),
        _lazy("To arrange the help you asked for, to check it reached you, and to call you "
              "back."),
        _lazy("Your consent, given when you ask; for notes about your health, your explicit "
              "consent. To protect someone at risk of harm: vital interests and safeguarding "
              "duties."),
        _lazy("The group's coordinators and call handlers, who see your phone number or "
              "address only when they need it for your help, and each look is recorded. The "
              "volunteer helping you sees only what your task needs; calls and texts between "
              "you can go through Kith so neither sees the other's number."),
        ("request_details_days", "resident_months")),
    Category(
        "volunteers", _lazy("Volunteers"),
        _lazy("Your name, email, phone, postcode, what you offer and when, how you travel, "
              "the checks made with you (such as a DBS check's level, never the certificate), "
              "the tasks you took and the consents you gave."),
        _lazy("To offer you tasks near you that you can do, to keep you and the people you "
              "help safe, and to reach you about your tasks."),
        _lazy("Your consent, given when you sign up; the checks: the group's legitimate "
              "interest in keeping people safe."),
        _lazy("The group's coordinators and safeguarding leads. Residents see your first name "
              "only."),
        ("volunteer_days",)),
    Category(
        "concerns", _lazy("People named in a safeguarding concern"),
        _lazy("What happened, who was hurt if they agreed to be named, and how to reach the "
              "person who reported it, only if they asked to be contacted."),
        _lazy("To keep people safe and to act on concerns, including telling the police, the "
              "council or the Information Commissioner when the law says so."),
        _lazy("Vital interests and the group's safeguarding duties; substantial public "
              "interest (safeguarding) for details about health or harm."),
        _lazy("The safeguarding leads only (of this group, or of the group above when this "
              "one has none). Coordinators see that a case exists, never its details."),
        ("safeguarding_years",)),
    Category(
        "money", _lazy("People who pay or are paid back"),
        _lazy("What was spent on a task, receipt photos, what a resident paid back and how, "
              "and what a volunteer was paid back."),
        _lazy("To pay volunteers back, to ask residents for what they owe, and to keep the "
              "group's accounts."),
        _lazy("Legal obligation (keeping accounts) and the group's legitimate interest."),
        _lazy("The group's treasurers and coordinators, and the volunteer who did the task."),
        ("money_years", "receipts")),
    Category(
        "access", _lazy("Everyone whose details are looked at"),
        _lazy("Who looked at which piece of your personal data, when, and the reason they "
              "gave."),
        _lazy("So you, and the group, can check nobody looked without a reason."),
        _lazy("The group's legitimate interest in keeping personal data safe."),
        _lazy("The group's coordinators and safeguarding leads; you can ask for your own."),
        ("access_log_months",)),
]

# Who outside the group may receive someone's details, and when: the notice's "Who else"
# and the record of processing's recipients read this one list.
RECIPIENTS = [
    _lazy("A local service we refer you to (such as a food bank or advice centre), only when "
          "you agree, and only what the referral needs. We tell you who, and why, first."),
    _lazy("The organisation that referred you to us (a pharmacy, food bank or council) hears "
          "how your request is going, never more than that."),
    _lazy("A pharmacy or food bank whose deliveries we share out: the names and addresses of "
          "the people on that round, for the volunteers carrying them."),
    _lazy("The companies that carry our texts, calls and emails see your number or email "
          "address and the message, only to deliver it."),
    _lazy("The police, the council's safeguarding team or the Information Commissioner, only "
          "when the law or someone's safety requires it."),
]

SECURITY = [
    _lazy("Phone numbers, addresses, notes and anything about health are encrypted where they "
          "are stored."),
    _lazy("Anyone who can see them must sign in with a second step (a passkey or an "
          "authenticator app)."),
    _lazy("Each look at a phone number or address needs a reason and is recorded."),
    _lazy("People see only what their role needs; when someone's role ends, their access ends "
          "at once."),
    _lazy("Pages with personal data are never kept by the browser or anywhere on the way."),
    _lazy("Backups are encrypted with a passphrase."),
]


def kept_words(group, periods, keys: tuple[str, ...]) -> list[str]:
    """How long, in plain words, for the schedule fields `keys`."""
    out = []
    for key in keys:
        if key == "receipts":
            months = schedule.receipt_months(group)
            out.append(ngettext("Receipt photos: %(n)s month.", "Receipt photos: %(n)s months.",
                                months) % {"n": months})
            continue
        period = periods[key]
        out.append(_("After %(period)s: %(what)s") % {"period": period.words,
                                                        "what": period.rule.what})
    return out


def rows(group) -> list[tuple[Category, list[str]]]:
    periods = schedule.effective(group) if group is not None else {
        rule.field: schedule.Period(rule, rule.default, None) for rule in schedule.RULES}
    out = []
    for category in CATEGORIES:
        out.append((category, kept_words(group, periods, category.kept) if group is not None
                    else kept_words_default(periods, category.kept)))
    return out


def kept_words_default(periods, keys) -> list[str]:
    """Kith's defaults, for the notice that is not yet any one group's (volunteer sign-up)."""
    from kith.money.models import MoneySettings

    months = MoneySettings._meta.get_field("receipt_months").default
    out = [_("After %(period)s: %(what)s") % {"period": periods[k].words,
                                               "what": periods[k].rule.what}
           for k in keys if k != "receipts"]
    if "receipts" in keys:
        out.append(ngettext("Receipt photos: %(n)s month.", "Receipt photos: %(n)s months.",
                            months) % {"n": months})
    return out


def short(group) -> dict[str, str]:
    """The two periods the notice's summary names."""
    periods = schedule.effective(group) if group is not None else {
        rule.field: schedule.Period(rule, rule.default, None) for rule in schedule.RULES}
    return {"details": periods["request_details_days"].words,
            "resident": periods["resident_months"].words}


def contact_group(group):
    """The group a resident can ask: this one if it gives a phone or email, else the nearest
    group above it that does (a street may list only its WhatsApp group). None if none does."""
    while group is not None:
        if group.phone or group.email:
            return group
        group = group.parent
    return None
