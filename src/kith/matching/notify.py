"""Messages for offers, by each volunteer's channel, queued in the change's transaction
(requests/notify.py does the sending).

An offer email says what and roughly where, never the address: that opens on the task page
only for the volunteer who accepts.
"""

from __future__ import annotations

from kith.core.mail import site_url
from kith.requests.notify import people_with_roles, request_link, send_later


def offered(offers) -> None:
    for offer in offers:
        req = offer.request
        send_later([offer.volunteer], group=req.group,
                    subject=f"Can you help? {req.get_service_display()}",
                    template="matching/email/offered.txt", urgent=req.urgency == "today",
                    context={"req": req, "offer": offer,
                             "link": site_url(offer.get_absolute_url())})


def needs_coordinator(req, why: str) -> None:
    send_later(people_with_roles(req.group, "coordinator"), group=req.group,
                subject=f"{req.reference} needs a coordinator to find a volunteer",
                template="matching/email/needs_coordinator.txt",
                context={"req": req, "why": why, "link": request_link(req)})
