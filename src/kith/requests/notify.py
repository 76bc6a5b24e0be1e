"""Who is told what. Each message is written to the outbox in the change's own transaction
and sent once it commits (a rolled-back change sends nothing), by email, text or WhatsApp as
each person chose (messaging/channels.py).

Messages carry no resident contact details: they say there is something to look at and
link to the page, where reveal() decides who may see what.
"""

from __future__ import annotations

from django.urls import reverse

from kith.core.mail import site_url


def people_with_roles(group, *roles: str):
    from django.db.models import Q

    match = Q()
    for role in roles:
        match |= Q(**{f"is_{role}": True})
    return [m.person for m in group.memberships.filter(match).select_related("person")]


def send_later(people, *, subject: str, template: str, context: dict, group=None,
               urgent: bool = False, expires_at=None) -> None:
    """`urgent` texts go even in the group's quiet hours; one not sent by `expires_at` never is."""
    from kith.messaging import channels

    channels.send(people, subject=subject, template=template, context=context, group=group,
                  urgent=urgent, expires_at=expires_at)


def needed_today(req, now=None) -> bool:
    """A request that cannot wait for the morning: asked for today, or needed by a time that
    falls today (London). Its texts skip quiet hours (offers, "a task for you")."""
    from django.utils import timezone

    if req.urgency == req.Urgency.TODAY:
        return True
    if req.needed_by is None:
        return False
    today = timezone.localdate(now or timezone.now())
    return timezone.localdate(req.needed_by) <= today


def task_due_today(assignment, now=None) -> bool:
    """The task is for today, by its due time or its request's: texts about it (a volunteer's
    relayed to the resident) skip quiet hours."""
    from django.utils import timezone

    now = now or timezone.now()
    due = assignment.due_by
    return needed_today(assignment.request, now) or (
        due is not None and timezone.localdate(due) <= timezone.localdate(now))


def request_link(req) -> str:
    return site_url(req.get_absolute_url())


def assigned(assignment) -> None:
    from django.urls import reverse

    req = assignment.request
    send_later([assignment.volunteer], group=req.group, urgent=needed_today(req),
                subject=f"A task for you: {req.get_service_display()}",
                template="requests/email/assigned.txt",
                context={"req": req, "assignment": assignment,
                         "link": site_url(reverse("requests:task", args=[req.reference]))})


def reminder(assignment) -> None:
    from django.urls import reverse

    req = assignment.request
    send_later([assignment.volunteer], group=req.group,
                subject=f"Reminder: {req.get_service_display()}",
                template="requests/email/reminder.txt",
                context={"req": req, "assignment": assignment,
                         "link": site_url(reverse("requests:task", args=[req.reference]))})


def released(req, why: str) -> None:
    """A held task went back to matching; `why` finishes the sentence "Request X ... ".
    The sweep's release and a volunteer's role ending (handover.py) both send it."""
    send_later(people_with_roles(req.group, "coordinator"), group=req.group,
                subject=f"{req.reference} needs a volunteer again",
                template="requests/email/released.txt",
                context={"req": req, "link": request_link(req), "why": why})


def escalated(req, note: str) -> None:
    """The coordinators hear of it here; the safeguarding leads (the group's, or the nearest
    group's above) get the case it opens (safeguarding.services.alert_leads)."""
    send_later(people_with_roles(req.group, "coordinator"), group=req.group,
                subject=f"Safeguarding: {req.reference} was escalated", urgent=True,
                template="requests/email/escalated.txt", context={"req": req, "link": request_link(req)})


def exclusion_match(req, exclusion) -> None:
    send_later(people_with_roles(req.group, "coordinator", "safeguarding_lead"), group=req.group,
                subject=f"{req.reference} matched your exclusion list",
                template="requests/email/exclusion_match.txt",
                context={"req": req, "exclusion": exclusion, "link": request_link(req)})


def callback_escalated(callback, why: str) -> None:
    send_later(people_with_roles(callback.group, "coordinator"), group=callback.group,
                subject=f"{callback.get_kind_display()} needs a coordinator",
                template="requests/email/callback_escalated.txt",
                context={"callback": callback, "why": why,
                         "link": site_url(callback.get_absolute_url())})


def outside_area(req, check, nearby, *, distance_m: float | None = None) -> None:
    """`nearby` nearest first, as the asker's thank-you page lists them; `distance_m` how far
    the asker is from the group's own area."""
    from kith.directory.distance import in_miles

    send_later(people_with_roles(req.group, "coordinator"), group=req.group,
                subject=f"{req.reference} was asked from outside your area",
                template="requests/email/outside_area.txt",
                context={"req": req, "check": check, "link": request_link(req),
                         "away": in_miles(distance_m) if distance_m is not None else "",
                         "nearby": [(m.group.name, in_miles(m.distance_m),
                                     site_url(reverse("directory:group", args=[m.group.slug])))
                                    for m in nearby]})
