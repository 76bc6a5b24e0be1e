"""Who money tells what, through the outbox like every Kith message (requests/notify.py):
written in the change's transaction, sent once it commits, by each person's chosen channel.

Messages name no resident and carry no question, reason or bank detail: they say there is
something to look at and link to the page that shows it to those allowed to see it."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kith.core.mail import site_url
from kith.money.ledger import pounds
from kith.requests.notify import people_with_roles, send_later


def _task_link(claim) -> str:
    return site_url(reverse("money:task", args=[claim.group.slug, claim.request.reference]))


def _about(claim) -> dict:
    return {"claim": claim, "req": claim.request, "group": claim.group,
            "amount": pounds(claim.amount), "link": _task_link(claim)}


def queried(claim) -> None:
    """The treasurer asked the volunteer something about their claim: it waits for them."""
    send_later([claim.volunteer], group=claim.group,
               subject=_("A question about your spending on task %(ref)s")
               % {"ref": claim.request.reference},
               template="money/email/queried.txt", context=_about(claim))


def rejected(claim) -> None:
    send_later([claim.volunteer], group=claim.group,
               subject=_("Your spending on task %(ref)s was not accepted")
               % {"ref": claim.request.reference},
               template="money/email/rejected.txt", context=_about(claim))


def answered(claim) -> None:
    """Back in the queue: the treasurer who asked hears the answer is there (all the group's
    treasurers if that one is gone)."""
    asked = claim.decided_by
    treasurers = people_with_roles(claim.group, "treasurer")
    people = [asked] if asked is not None and asked in treasurers else treasurers
    send_later(people, group=claim.group,
               subject=_("The volunteer answered your question on a claim"),
               template="money/email/answered.txt",
               context={**_about(claim), "link": site_url(reverse(
                   "money:claim", args=[claim.group.slug, claim.pk]))})


FIELD_WORDS = {
    "bank_account_name": gettext_lazy("the bank account name"),
    "bank_sort_code": gettext_lazy("the sort code"),
    "bank_account_number": gettext_lazy("the account number"),
    "payment_link": gettext_lazy("the payment link"),
}


def bank_details_changed(group, actor, fields: list[str]) -> None:
    """Where residents are told to pay changed: the coordinators and the other treasurers
    hear of it at once, so a change nobody expected is caught before money goes astray."""
    people = [p for p in people_with_roles(group, "coordinator", "treasurer")
              if p.pk != getattr(actor, "pk", None)]
    send_later(people, group=group,
               subject=_("The bank details residents pay into were changed"),
               template="money/email/bank_details_changed.txt",
               context={"group": group, "actor": actor,
                        "what": [str(FIELD_WORDS[f]) for f in fields],
                        "link": site_url(reverse("money:settings", args=[group.slug]))})
