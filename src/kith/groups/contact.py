"""Who a volunteer out helping rings when something worries them (the task page, a run's
route): a group's public line, never anyone's own number."""

from __future__ import annotations


def worried_contact(group) -> dict:
    """Who a volunteer worried about the resident rings or tells: the group's own line, else
    the nearest group above it with one; its coordinators by name. Never anyone's own number:
    the lines are the groups' public ones (their settings and directory listing)."""
    line = next((g for g in (group, *group.ancestors()) if g.phone), None)
    names = [m.person.display_name for m in group.memberships.filter(is_coordinator=True)
             .select_related("person").order_by("person__display_name")]
    return {"line": line, "coordinators": [n for n in names if n][:3]}
