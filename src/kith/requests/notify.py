"""Who is told what, by email, once the change has committed (a rolled-back change sends nothing).

Messages carry no resident contact details: they say there is something to look at and
link to the page, where reveal() decides who may see what.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from kith.core.mail import send_templated, site_url


def _people(group, *roles: str):
    from django.db.models import Q

    match = Q()
    for role in roles:
        match |= Q(**{f"is_{role}": True})
    return [m.person for m in group.memberships.filter(match).select_related("person")]


def _send_later(people, *, subject: str, template: str, context: dict) -> None:
    addresses = sorted({p.email for p in people if p.email})

    def send() -> None:
        for address in addresses:
            send_templated(to=address, subject=subject, template=template, context=context)

    transaction.on_commit(send)


def _link(req) -> str:
    return site_url(req.get_absolute_url())


def assigned(assignment) -> None:
    from django.urls import reverse

    req = assignment.request
    _send_later([assignment.volunteer], subject=f"A task for you: {req.get_service_display()}",
                template="requests/email/assigned.txt",
                context={"req": req, "assignment": assignment,
                         "link": site_url(reverse("requests:task", args=[req.reference]))})


def reminder(assignment) -> None:
    from django.urls import reverse

    req = assignment.request
    _send_later([assignment.volunteer], subject=f"Reminder: {req.get_service_display()}",
                template="requests/email/reminder.txt",
                context={"req": req, "assignment": assignment,
                         "link": site_url(reverse("requests:task", args=[req.reference]))})


def released(req, why: str) -> None:
    """A held task went back to matching; `why` finishes the sentence "Request X ... ".
    The sweep's release and a volunteer's role ending (handover.py) both send it."""
    _send_later(_people(req.group, "coordinator"), subject=f"{req.reference} needs a volunteer again",
                template="requests/email/released.txt",
                context={"req": req, "link": _link(req), "why": why})


def escalated(req, note: str) -> None:
    _send_later(_people(req.group, "safeguarding_lead", "coordinator"),
                subject=f"Safeguarding: {req.reference} was escalated",
                template="requests/email/escalated.txt", context={"req": req, "link": _link(req)})


def exclusion_match(req, exclusion) -> None:
    _send_later(_people(req.group, "coordinator", "safeguarding_lead"),
                subject=f"{req.reference} matched your exclusion list",
                template="requests/email/exclusion_match.txt",
                context={"req": req, "exclusion": exclusion, "link": _link(req)})


def callback_escalated(callback, why: str) -> None:
    _send_later(_people(callback.group, "coordinator"),
                subject=f"{callback.get_kind_display()} needs a coordinator",
                template="requests/email/callback_escalated.txt",
                context={"callback": callback, "why": why,
                         "link": site_url(callback.get_absolute_url())})


def outside_area(req, check, nearby, *, distance_m: float | None = None) -> None:
    """`nearby` nearest first, as the asker's thank-you page lists them; `distance_m` how far
    the asker is from the group's own area."""
    from kith.directory.distance import in_miles

    _send_later(_people(req.group, "coordinator"),
                subject=f"{req.reference} was asked from outside your area",
                template="requests/email/outside_area.txt",
                context={"req": req, "check": check, "link": _link(req),
                         "away": in_miles(distance_m) if distance_m is not None else "",
                         "nearby": [(m.group.name, in_miles(m.distance_m),
                                     site_url(reverse("directory:group", args=[m.group.slug])))
                                    for m in nearby]})
