"""{% public_services_near place %}: the public services near a place no group covers, for
the public directory's results (directory/_results.html). {% refer_link group req %}: the way
from a call or a request to finding a service to refer the resident to."""

from __future__ import annotations

from django import template

from kith.signposting.finding import PUBLIC_WITHIN_M, public_services_near

register = template.Library()


@register.inclusion_tag("signposting/_public_near.html", takes_context=True)
def public_services_near_place(context, place):
    from kith.directory.distance import in_miles

    return {"found": public_services_near(place) if place is not None else [],
            "area": getattr(place, "label", ""), "within": in_miles(PUBLIC_WITHIN_M),
            "target": context.get("target", "")}


@register.inclusion_tag("signposting/_refer_link.html", takes_context=True)
def refer_link(context, group, req):
    """"Find a local service to refer them to", carrying the request, for those who may both
    find services and send referrals in this group (nothing for anyone else), while the
    request is not closed or cancelled (a referral then is nobody's call to make; after
    "could not help" it may well be the next step)."""
    from kith.requests.lifecycle import CANCELLED, CLOSED

    access = getattr(context.get("request"), "access", None)
    show = (req is not None and req.state not in (CLOSED, CANCELLED) and access is not None
            and access.group == group and access.can("referrals.send")
            and access.can("services.view"))
    return {"show": show, "group": group, "reference": getattr(req, "reference", "")}
