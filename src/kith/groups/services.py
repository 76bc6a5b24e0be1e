"""Every change to groups, memberships and invitations. Each writes its audit row in the same transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kith.core.audit import log_action, snapshot
from kith.core.mail import send_templated, site_url
from kith.groups.models import Group, Invitation, Membership
from kith.groups.roles import COORDINATOR, ROLE_NAMES, VOLUNTEER

GROUP_FIELDS = [
    "name", "kind", "parent", "description", "whatsapp_url", "facebook_url", "phone", "email",
    "services", "coverage", "shares_personal_data_with_parent",
]


def _check_roles(roles) -> frozenset[str]:
    roles = frozenset(roles)
    unknown = roles - set(ROLE_NAMES)
    if unknown:
        raise ValidationError(f"Unknown role: {', '.join(sorted(unknown))}")
    if not roles:
        raise ValidationError("Choose at least one role.")
    return roles


def _check_not_last_coordinator(membership: Membership, new_roles: frozenset[str]) -> None:
    if not membership.is_coordinator or COORDINATOR in new_roles:
        return
    others = (
        Membership.objects.with_role(COORDINATOR)
        .filter(group=membership.group)
        .exclude(pk=membership.pk)
        .select_for_update()
    )
    if not others.exists():
        raise ValidationError(
            "A group needs at least one coordinator. Make someone else a coordinator first."
        )


@transaction.atomic
def create_group(*, acting_user, **fields) -> Group:
    """Create a group. Callers: the demo loader, superusers, network coordinators (later: approvals)."""
    group = Group(**fields)
    group.full_clean()
    group.save()
    log_action("kith.group.created", actor=acting_user, group=group, obj=group,
               new=snapshot(group, GROUP_FIELDS))
    return group


def free_slug(name: str) -> str:
    base = slugify(name)[:70] or "group"
    slug, n = base, 2
    while Group.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def create_subgroup(parent: Group, *, acting_user, name: str, kind: str,
                    coverage: list[str]) -> Group:
    """A coordinator (`group.edit` on `parent`) starts a group inside theirs and coordinates it.

    Both rows and both audit events land together or not at all.
    """
    group = create_group(acting_user=acting_user, parent=parent, name=name, kind=kind,
                         slug=free_slug(name), coverage=coverage,
                         services=list(parent.services))
    add_member(group, acting_user, roles={COORDINATOR}, acting_user=acting_user)
    return group


@transaction.atomic
def update_group(group: Group, *, acting_user, **changes) -> Group:
    """Change a group's public profile. Caller must hold `group.edit`."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    old = snapshot(group, list(changes))
    for name, value in changes.items():
        setattr(group, name, value)
    new = snapshot(group, list(changes))
    changed = {k for k in new if new[k] != old[k]}
    if not changed:  # saved unchanged: not even updated_at moves
        return group
    group.full_clean()
    group.save()
    log_action("kith.group.updated", actor=acting_user, group=group, obj=group,
               old={k: old[k] for k in changed}, new={k: new[k] for k in changed})
    return group


def _check_not_excluded(group: Group, person) -> None:
    """Zero tolerance: someone an exclusion in force names (here or in a group above) is not
    let back in by an invitation, a sign-up or a coordinator's hand."""
    from kith.volunteers.policy import excluded_here

    if excluded_here(person, group):
        raise ValidationError(_("%(person)s is on the exclusion list of %(group)s or a group "
                                "above it, so they can't join it. A coordinator can lift the "
                                "exclusion first.") % {"person": person, "group": group.name})


def _take_back(membership: Membership, *, why: str, acting_user):
    """A volunteer role has just ended here: what they held goes back (handover.py)."""
    from kith.requests.handover import take_back_work

    return take_back_work(membership.person, membership.group, why=why, acting_user=acting_user)


@transaction.atomic
def add_member(group: Group, person, *, roles, acting_user) -> Membership:
    """Give `person` these roles in `group`, adding to any they already hold there."""
    roles = _check_roles(roles)
    _check_not_excluded(group, person)
    membership, created = Membership.objects.select_for_update().get_or_create(
        person=person, group=group
    )
    old_roles = membership.roles
    if not created and roles <= old_roles:
        return membership
    membership.set_roles(old_roles | roles)
    membership.save()
    action = "kith.group.member_added" if created else "kith.group.roles_changed"
    log_action(action, actor=acting_user, group=group, obj=membership,
               old={"roles": sorted(old_roles)} if not created else {},
               new={"person": person.pk, "roles": sorted(membership.roles)})
    return membership


@transaction.atomic
def change_roles(membership: Membership, *, roles, acting_user, why: str = "") -> Membership:
    """Replace a member's roles. Caller must hold `members.manage`.

    Dropping the volunteer role takes back, in this transaction, the tasks, offers and
    routes they held here; `why` is the sentence for the timeline (a default otherwise)."""
    roles = _check_roles(roles)
    membership = (Membership.objects.select_for_update(of=("self",))
                  .select_related("person", "group").get(pk=membership.pk))
    _check_not_last_coordinator(membership, roles)
    old_roles = membership.roles
    if old_roles == roles:
        return membership
    if roles - old_roles:
        _check_not_excluded(membership.group, membership.person)
    membership.set_roles(roles)
    membership.save()
    log_action("kith.group.roles_changed", actor=acting_user, group=membership.group,
               obj=membership, old={"roles": sorted(old_roles)}, new={"roles": sorted(roles)})
    if VOLUNTEER in old_roles - roles:
        _take_back(membership, acting_user=acting_user, why=why or _(
            "%(person)s is no longer a volunteer in %(group)s.") % {
            "person": membership.person, "group": membership.group.name})
    return membership


@transaction.atomic
def remove_member(membership: Membership, *, acting_user, why: str = ""):
    """Take someone out of a group. Caller must hold `members.manage`.

    Whatever they held here as a volunteer goes back in this transaction (handover.py);
    `why` is the sentence for the timeline (a default otherwise). Returns what went back
    (handover.TakenBack), so the coordinator can be told."""
    membership = (Membership.objects.select_for_update(of=("self",))
                  .select_related("person", "group").get(pk=membership.pk))
    _check_not_last_coordinator(membership, frozenset())
    log_action("kith.group.member_removed", actor=acting_user, group=membership.group,
               obj=membership, old={"person": membership.person_id,
                                    "roles": sorted(membership.roles)})
    membership.delete()
    return _take_back(membership, acting_user=acting_user, why=why or _(
        "%(person)s was removed from %(group)s.") % {
        "person": membership.person, "group": membership.group.name})


@transaction.atomic
def create_invitation(group: Group, *, roles, acting_user, email: str = "") -> Invitation:
    """Make an invitation link; if an email is given, send it once the transaction commits."""
    roles = _check_roles(roles)
    invitation = Invitation.objects.create(
        group=group, email=email.strip().lower(), roles=sorted(roles), created_by=acting_user
    )
    log_action("kith.group.invitation_created", actor=acting_user, group=group, obj=invitation,
               new={"email": invitation.email, "roles": invitation.roles})
    if invitation.email:
        _send_invitation(invitation, acting_user)  # queued in this transaction
    return invitation


def _send_invitation(invitation: Invitation, inviter) -> None:
    send_templated(
        to=invitation.email, subject=f"You're invited to join {invitation.group.name}",
        template="groups/email/invitation.txt",
        context={"invitation": invitation, "inviter": inviter,
                 "url": site_url(invitation.get_absolute_url())},
        group=invitation.group,
    )


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, acting_user) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise ValidationError(f"This invitation is already {invitation.status}.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    log_action("kith.group.invitation_revoked", actor=acting_user, group=invitation.group,
               obj=invitation, old={"status": "open"}, new={"status": "revoked"})
    return invitation


@transaction.atomic
def accept_invitation(invitation: Invitation, *, person) -> Membership:
    """The invited person joins, once. A shared link works for whoever holds it; an emailed
    invitation only for the account with that address, since it may carry a coordinator's roles."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise ValidationError(f"This invitation is {invitation.status}.")
    if invitation.email and invitation.email != (person.email or "").lower():
        raise ValidationError(
            "This invitation was sent to a different email address. Sign in with that "
            "address to accept it, or ask the coordinator for a new invitation."
        )
    invitation.accepted_by = person
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    log_action("kith.group.invitation_accepted", actor=person, group=invitation.group,
               obj=invitation, new={"person": person.pk, "roles": invitation.roles})
    return add_member(invitation.group, person, roles=invitation.roles, acting_user=person)
