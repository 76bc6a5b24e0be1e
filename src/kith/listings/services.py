"""Every change to the directory's listings. Each writes its audit row in the same transaction,
and mail goes out only once that transaction has committed."""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from kith.core.audit import log_action
from kith.core.mail import send_templated, site_url
from kith.groups.models import Group, Membership
from kith.groups.roles import COORDINATOR
from kith.groups.services import create_group, create_invitation, free_slug
from kith.listings.models import (
    REMIND_EVERY,
    VERIFY_AFTER,
    GroupRegistration,
    ListingReport,
    VerificationReminder,
    needs_verification,
)

log = logging.getLogger(__name__)

# Kinds a registered group may sit under.
PARENT_KINDS = [Group.Kind.NETWORK, Group.Kind.BOROUGH, Group.Kind.WARD]


# --- reading the tree


def network_of(group: Group) -> Group | None:
    """The network at the top of `group`'s tree (the group itself if it is one), or None."""
    for node in [group, *group.ancestors()]:
        if node.kind == Group.Kind.NETWORK:
            return node
    return None


def network_group_ids(network: Group) -> list[int]:
    """The network and every group below it: the parents whose registrations it approves."""
    return [network.pk, *network.descendant_ids()]


def parent_options() -> list[tuple[Group, list[tuple[Group, int]]]]:
    """Groups a new group may sit under, network by network, in tree order with their depth.

    Only networks, boroughs and wards inside a network: a group outside any network has no
    one to approve registrations under it. One query, however many groups.
    """
    rows = list(Group.objects.filter(kind__in=PARENT_KINDS).only("pk", "name", "kind", "parent_id",
                                                                   "slug"))
    children: dict[int | None, list[Group]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    for siblings in children.values():
        siblings.sort(key=lambda g: g.name.lower())

    def walk(node: Group, depth: int, into: list[tuple[Group, int]]) -> None:
        into.append((node, depth))
        for child in children.get(node.pk, []):
            walk(child, depth + 1, into)

    options = []
    for root in children.get(None, []):
        if root.kind == Group.Kind.NETWORK:
            tree: list[tuple[Group, int]] = []
            walk(root, 0, tree)
            options.append((root, tree))
    return options


def registrations_for(network: Group):
    """Registrations the coordinators of `network` decide: those under it or any group in it."""
    return GroupRegistration.objects.filter(parent_id__in=network_group_ids(network))


def _overlaps(a: str, b: str) -> bool:
    """Districts and sectors overlap when equal, or when one is the other's district."""
    return a == b or a.split(" ")[0] == b or b.split(" ")[0] == a


def groups_covering(areas: list[str], within: list[int]) -> list[tuple[Group, list[str]]]:
    """Existing groups (among `within`) whose coverage overlaps `areas`, with the shared areas.

    Shown beside a registration so moderators can spot a group that already exists.
    """
    found = []
    for group in Group.objects.filter(pk__in=within).only("pk", "name", "slug", "kind", "coverage"):
        shared = [area for area in areas if any(_overlaps(area, c) for c in group.coverage or [])]
        if shared:
            found.append((group, shared))
    return found


# --- registering a new group


@transaction.atomic
def submit_registration(*, acting_user, name: str, kind: str, parent: Group, coverage: list[str],
                        organiser_name: str, organiser_email: str, whatsapp_url: str = "",
                        facebook_url: str = "", phone: str = "", email: str = "",
                        ) -> GroupRegistration:
    """Anyone, signed in or not, asks for a new group to be listed under `parent`.

    The view rate-limits callers by address. Nothing becomes public here: the coordinators of
    the network above `parent` approve or turn it down.
    """
    network = network_of(parent)
    if network is None:
        raise ValidationError({"parent": "That group is not part of a network, so nobody can "
                                         "approve a new group under it. Choose another."})
    if kind not in GroupRegistration.KINDS:
        raise ValidationError({"kind": "Choose a street, neighbourhood or ward group."})
    if Group.KIND_ORDER.index(kind) <= Group.KIND_ORDER.index(parent.kind):
        raise ValidationError({"kind": f"A {Group.Kind(kind).label.lower()} group cannot sit "
                                       f"under a {parent.get_kind_display().lower()} group."})
    registration = GroupRegistration(
        name=name, kind=kind, parent=parent, coverage=coverage, whatsapp_url=whatsapp_url,
        facebook_url=facebook_url, phone=phone, email=email, organiser_name=organiser_name,
        organiser_email=organiser_email.strip().lower(),
    )
    registration.full_clean()
    registration.save()
    log_action("kith.listing.registration_submitted", actor=acting_user, group=network,
               obj=registration,
               new={"name": name, "kind": kind, "parent": parent.pk, "coverage": coverage,
                    "organiser_email": registration.organiser_email})
    return registration


def _pending(registration: GroupRegistration) -> GroupRegistration:
    registration = GroupRegistration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != GroupRegistration.Status.PENDING:
        raise ValidationError(
            f"This registration has already been {registration.get_status_display().lower()}."
        )
    return registration


@transaction.atomic
def approve_registration(registration: GroupRegistration, *, acting_user) -> Group:
    """A coordinator of the network above the registration's parent (`listings.moderate` on
    that network) approves it: the group is created under the parent, the organiser is
    emailed an invitation to coordinate it, and the registration is marked approved.

    All of it lands together or none of it does; the email goes only after the commit.
    """
    registration = _pending(registration)
    parent = registration.parent
    group = create_group(
        acting_user=acting_user, parent=parent, name=registration.name, kind=registration.kind,
        slug=free_slug(registration.name), coverage=list(registration.coverage),
        whatsapp_url=registration.whatsapp_url, facebook_url=registration.facebook_url,
        phone=registration.phone, email=registration.email,
    )
    invitation = create_invitation(group, roles={COORDINATOR}, acting_user=acting_user,
                                   email=registration.organiser_email)
    registration.status = GroupRegistration.Status.APPROVED
    registration.decided_by = acting_user
    registration.decided_at = timezone.now()
    registration.group = group
    registration.save(update_fields=["status", "decided_by", "decided_at", "group"])
    log_action("kith.listing.registration_approved", actor=acting_user, group=network_of(parent),
               obj=registration, old={"status": "pending"},
               new={"status": "approved", "group": group.pk, "invitation": invitation.pk})
    return group


@transaction.atomic
def reject_registration(registration: GroupRegistration, *, acting_user,
                        reason: str) -> GroupRegistration:
    """A coordinator of the network above the registration's parent turns it down. A reason
    is required; it is emailed to the organiser once the transaction commits."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why, so the organiser knows what to do next."})
    registration = _pending(registration)
    registration.status = GroupRegistration.Status.REJECTED
    registration.decided_by = acting_user
    registration.decided_at = timezone.now()
    registration.reason = reason
    registration.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    log_action("kith.listing.registration_rejected", actor=acting_user,
               group=network_of(registration.parent), obj=registration,
               old={"status": "pending"}, new={"status": "rejected", "reason": reason})
    _send_rejection(registration)  # queued in this transaction
    return registration


def _send_rejection(registration: GroupRegistration) -> None:
    send_templated(
        to=registration.organiser_email, subject=f"About your request to list {registration.name}",
        template="listings/email/registration_rejected.txt",
        context={"registration": registration, "start_url": site_url(reverse("listings:start"))},
    )


# --- reports that a listing is wrong


@transaction.atomic
def submit_report(group: Group, *, acting_user, problem: str, details: str = "",
                  reply_email: str = "") -> ListingReport:
    """Anyone, signed in or not, says `group`'s listing is wrong. The view rate-limits callers
    by address; the group's coordinators see the report in their queue."""
    report = ListingReport(group=group, problem=problem, details=details.strip(),
                           reply_email=reply_email.strip().lower())
    report.full_clean()
    report.save()
    log_action("kith.listing.report_submitted", actor=acting_user, group=group, obj=report,
               new={"problem": problem, "reply_email": report.reply_email})
    return report


@transaction.atomic
def resolve_report(report: ListingReport, *, acting_user, resolution: str) -> ListingReport:
    """A coordinator of the report's group (`listings.moderate` there) closes it, saying what
    was done."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": "Say what you did about it, for the other coordinators."})
    report = ListingReport.objects.select_for_update().get(pk=report.pk)
    if report.status != ListingReport.Status.OPEN:
        raise ValidationError("This report has already been resolved.")
    report.status = ListingReport.Status.RESOLVED
    report.resolved_by = acting_user
    report.resolved_at = timezone.now()
    report.resolution = resolution
    report.save(update_fields=["status", "resolved_by", "resolved_at", "resolution"])
    log_action("kith.listing.report_resolved", actor=acting_user, group=report.group, obj=report,
               old={"status": "open"}, new={"status": "resolved", "resolution": resolution})
    return report


# --- checking listings


@transaction.atomic
def verify_listing(group: Group, *, acting_user) -> Group:
    """A coordinator of `group` (`group.edit`) confirms its public listing is right."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    old = group.last_verified_at
    group.last_verified_at = timezone.now()
    group.save(update_fields=["last_verified_at"])
    log_action("kith.listing.verified", actor=acting_user, group=group, obj=group,
               old={"last_verified_at": old}, new={"last_verified_at": group.last_verified_at})
    return group


def groups_to_remind(now: datetime):
    """Groups whose listing needs checking and whose coordinators were not reminded in the
    last 30 days, with their coordinators' memberships prefetched."""
    cutoff = now - VERIFY_AFTER
    recent = VerificationReminder.objects.filter(group=OuterRef("pk"),
                                                 sent_at__gt=now - REMIND_EVERY)
    stale = (
        Group.objects.filter(Q(last_verified_at__lt=cutoff)
                             | Q(last_verified_at__isnull=True, created_at__lt=cutoff))
        .filter(~Exists(recent))
        .order_by("pk")
    )
    return [group for group in stale if needs_verification(group, now)]


def send_verification_reminders(*, now: datetime | None = None) -> tuple[int, int]:
    """Email each coordinator of every group that needs to check its listing, at most once per
    30 days per group. Called by `kith remind-verify` (cron). Returns (emails sent, groups).

    Each group's reminder is recorded in its own transaction before its mail is sent, so a
    second run (or a crash part-way) never mails the same group twice within 30 days.
    """
    now = now or timezone.now()
    sent = groups = 0
    for group in groups_to_remind(now):
        coordinators = list(
            Membership.objects.with_role(COORDINATOR).filter(group=group)
            .select_related("person").order_by("pk")
        )
        addresses = [m.person.email for m in coordinators if m.person.email]
        if not addresses:
            continue  # nobody to tell; the network sees it as unchecked on the listing
        with transaction.atomic():
            locked = Group.objects.select_for_update().get(pk=group.pk)
            if VerificationReminder.objects.filter(group=locked,
                                                   sent_at__gt=now - REMIND_EVERY).exists():
                continue  # another run got here first
            VerificationReminder.objects.create(group=locked, sent_at=now,
                                                recipients=len(addresses))
        groups += 1
        for address in addresses:
            try:
                _send_reminder(group, address)
            except Exception:  # one bad address must not stop the others
                log.exception("Verification reminder for group %s could not be sent", group.pk)
            else:
                sent += 1
    return sent, groups


def _send_reminder(group: Group, address: str) -> None:
    send_templated(
        to=address, subject=f"Is the listing for {group.name} still right?",
        template="listings/email/verify_reminder.txt",
        context={"group": group, "checked": group.last_verified_at,
                 "url": site_url(reverse("listings:reports", args=[group.slug]))},
    )
