"""Tenancy in one place: who may see which group, and the decorator every group page uses.

Outsiders get 404 (nothing leaks that a group's page exists); members who lack a
permission get 403 with a plain explanation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from kith.groups.models import Group, Membership
from kith.groups.roles import (
    COORDINATOR,
    PARENT_PERMISSIONS,
    PARENT_SHARED_PERMISSIONS,
    SAFEGUARDING_FROM_ABOVE,
    SAFEGUARDING_FROM_ABOVE_SHARED,
    SAFEGUARDING_LEAD,
    permissions_for,
)


@dataclass(frozen=True)
class GroupAccess:
    group: Group
    roles: frozenset[str] = frozenset()
    permissions: frozenset[str] = field(default_factory=frozenset)
    via_parent: Group | None = None

    @property
    def is_member(self) -> bool:
        return bool(self.roles)

    @property
    def can_enter(self) -> bool:
        return bool(self.permissions)

    def can(self, permission: str) -> bool:
        return permission in self.permissions


def resolve_access(user, group: Group) -> GroupAccess:
    """What `user` may do in `group`: their own roles there, plus a coordinator's view from above."""
    if not getattr(user, "is_authenticated", False):
        return GroupAccess(group)
    membership = Membership.objects.filter(person=user, group=group).first()
    roles = membership.roles if membership else frozenset()
    via_parent, from_above = _view_from_above(user, group)
    if SAFEGUARDING_LEAD not in roles and group.parent_id is not None:
        lead_above = _lead_from_above(user, group)
        if lead_above is not None:
            from_above |= (SAFEGUARDING_FROM_ABOVE_SHARED if _shares_up_to(group, lead_above)
                           else SAFEGUARDING_FROM_ABOVE)
            via_parent = via_parent or lead_above
    return GroupAccess(group, roles, permissions_for(roles) | from_above, via_parent=via_parent)


def _lead_from_above(user, group: Group) -> Group | None:
    """The ancestor whose safeguarding leads stand in for `group`'s (it has none, nor has any
    group between), if `user` is one of those leads. One query for the whole chain."""
    chain = [group, *group.ancestors()]
    leads = set(Membership.objects.filter(group__in=chain, is_safeguarding_lead=True)
                .values_list("group_id", "person_id"))
    handler = next((g for g in chain if any(gid == g.pk for gid, _ in leads)), None)
    if handler is None or handler == group or (handler.pk, user.pk) not in leads:
        return None
    return handler


def _shares_up_to(group: Group, ancestor: Group) -> bool:
    """Does every group from `group` up to (not including) `ancestor` share personal data
    with its parent?"""
    node: Group | None = group
    while node is not None and node.pk != ancestor.pk:
        if not node.shares_personal_data_with_parent:
            return False
        node = node.parent
    return node is not None


def _view_from_above(user, group: Group) -> tuple[Group | None, frozenset[str]]:
    """The nearest ancestor `user` coordinates, and what that lets them see in `group`."""
    chain = group.ancestors()
    if not chain:
        return None, frozenset()
    # One query for the whole chain (every group page asks this, often more than once).
    coordinated = set(Membership.objects.with_role(COORDINATOR).filter(
        person=user, group__in=chain).values_list("group_id", flat=True))
    sharing = group.shares_personal_data_with_parent
    for ancestor in chain:
        if ancestor.pk in coordinated:
            return ancestor, frozenset(PARENT_SHARED_PERMISSIONS if sharing else PARENT_PERMISSIONS)
        sharing = sharing and ancestor.shares_personal_data_with_parent
    return None, frozenset()


def has_permission(user, group: Group, permission: str) -> bool:
    return resolve_access(user, group).can(permission)


def group_view(permission: str):
    """Resolve `group_slug` from the URL, check `permission`, pass (request, group, ...) on.

    Sets request.group and request.access for templates.
    """

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, group_slug: str, *args, **kwargs):
            group = get_object_or_404(Group.objects.select_related("parent"), slug=group_slug)
            access = resolve_access(request.user, group)
            if not access.can_enter:
                raise Http404("No such group")
            if not access.can(permission):
                raise PermissionDenied(
                    "Your role in this group does not include this page. "
                    "Ask one of the group's coordinators if you need it."
                )
            request.group = group
            request.access = access
            return view(request, group, *args, **kwargs)

        wrapper.kith_permission = permission  # read by the permission matrix test
        return wrapper

    return decorate


def groups_for(user):
    """The groups a person belongs to, for scoping lists."""
    return Group.objects.filter(memberships__person=user).distinct()
