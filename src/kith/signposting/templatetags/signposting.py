"""{% public_services_near place %}: the public services near a place no group covers, for
the public directory's results (directory/_results.html)."""

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
