"""Messages for offers, by each volunteer's channel, queued in the change's transaction
(requests/notify.py does the sending).

An offer email says what and roughly where, never the address: that opens on the task page
only for the volunteer who accepts.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kith.core.mail import site_url
from kith.requests.notify import needed_today, people_with_roles, request_link, send_later


def offered(offers) -> None:
    from kith.messaging import quiet

    for offer in offers:
        req = offer.request
        zone = quiet.hours_for(req.group).time_zone
        # A text held for quiet hours past the offer's end is dropped: "Reply YES" for an
        # offer that has closed would only confuse.
        send_later([offer.volunteer], group=req.group,
                    subject=f"Can you help? {req.get_service_display()}",
                    template="matching/email/offered.txt", urgent=needed_today(req),
                    expires_at=offer.expires_at,
                    context={"req": req, "offer": offer, "closes": closes(offer.expires_at, zone),
                             "link": site_url(offer.get_absolute_url())})


def closes(when, zone: str, now=None) -> str:
    """When an offer closes, with its day: "21:09 today", "09:10 tomorrow", "10:00 on Sat 5
    Dec" (the group's clock): a text read the next morning must not look still open."""
    tz = ZoneInfo(zone)
    local, today = when.astimezone(tz), (now or timezone.now()).astimezone(tz).date()
    at = f"{local:%H:%M}"
    if local.date() == today:
        return _("%(time)s today") % {"time": at}
    if local.date() == today + timedelta(days=1):
        return _("%(time)s tomorrow") % {"time": at}
    return _("%(time)s on %(day)s") % {"time": at, "day": formats.date_format(local, "D j M")}


def needs_coordinator(req, why: str) -> None:
    send_later(people_with_roles(req.group, "coordinator"), group=req.group,
                subject=f"{req.reference} needs a coordinator to find a volunteer",
                template="matching/email/needs_coordinator.txt",
                context={"req": req, "why": why, "link": request_link(req)})
