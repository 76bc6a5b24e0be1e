"""The group's message log: what went to whom, and what did not arrive."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from kith.groups.access import group_view
from kith.messaging import log


@require_GET
@group_view("members.view")
def group_log(request, group):
    return render(request, "messaging/group_log.html", {
        "group": group, "rows": log.for_group(group),
        "failures": log.failure_lines(log.recent_failures(group).select_related("person", "resident")),
    })
