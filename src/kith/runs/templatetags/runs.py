"""{% load runs %}{% my_routes %}: the volunteer's current routes, for their home page."""

from __future__ import annotations

from django import template
from django.db.models import Count, Q

from kith.runs.models import Route, Run, Stop

register = template.Library()


@register.inclusion_tag("runs/_my_routes.html", takes_context=True)
def my_routes(context):
    """Routes of runs that are out now, or finished but still open (a day after), newest first;
    only those the route page would open (they still stand in the role the run needs)."""
    from kith.volunteers.policy import may_hold

    request = context.get("request")
    user = getattr(request, "user", None)
    routes = []
    if getattr(user, "is_authenticated", False):
        candidates = (Route.objects.filter(volunteer=user,
                                           run__state__in=[Run.State.OUT, Run.State.FINISHED])
                      .select_related("run__group")
                      .annotate(n_stops=Count("stops"),
                                n_done=Count("stops", filter=~Q(stops__outcome=Stop.Outcome.PENDING)))
                      .order_by("-run__date", "-run_id")[:10])
        routes = [r for r in candidates
                  if r.run.addresses_open() and may_hold(user, r.run.group, r.run.service)]
    return {"routes": routes}
