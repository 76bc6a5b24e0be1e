"""Who may erase a person's whole account.

Erasing a volunteer ends every role they hold, in every group. A coordinator of one group may
do that only when they answer for every group the person is in: they coordinate it, or a
group above it. Otherwise the person's other groups must be asked (their coordinators decide
about their own members), and this group can only remove them from itself.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kith.groups.models import Group, Membership
from kith.groups.roles import COORDINATOR


def groups_beyond_reach(acting, person) -> list[Group]:
    """The groups where `person` holds a role that `acting` coordinates neither there nor
    from a group above it."""
    coordinated = set(Membership.objects.with_role(COORDINATOR).filter(person=acting)
                      .values_list("group_id", flat=True))
    beyond = []
    for membership in (Membership.objects.filter(person=person).select_related("group")
                       .order_by("group__name")):
        chain = [membership.group, *membership.group.ancestors()]
        if not any(group.pk in coordinated for group in chain):
            beyond.append(membership.group)
    return beyond


def beyond_reach_reasons(groups: list[Group]) -> list[str]:
    """One sentence per group: that they have roles there, and whom to ask."""
    reasons = []
    for group in groups:
        names = [str(m.person) for m in group.memberships.with_role(COORDINATOR)
                 .filter(person__is_active=True).select_related("person").order_by("pk")]
        if names:
            reasons.append(ngettext(
                "They also have a role in %(group)s. Only someone who coordinates every group "
                "they belong to can erase their whole account: ask its coordinator, "
                "%(names)s.",
                "They also have a role in %(group)s. Only someone who coordinates every group "
                "they belong to can erase their whole account: ask its coordinators, "
                "%(names)s.", len(names)) % {"group": group.name, "names": ", ".join(names)})
        else:
            reasons.append(_(
                "They also have a role in %(group)s. Only someone who coordinates every group "
                "they belong to can erase their whole account: ask the coordinators of the "
                "group above it.") % {"group": group.name})
    return reasons
