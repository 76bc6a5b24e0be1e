"""Groups (street → ward → borough → network) and who belongs to them in which roles."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from kith.groups.roles import ROLE_NAMES

WHATSAPP_INVITE = RegexValidator(
    r"^https://chat\.whatsapp\.com/[A-Za-z0-9]{10,40}$",
    "A WhatsApp invite link looks like https://chat.whatsapp.com/ followed by letters and numbers.",
)
FACEBOOK_GROUP = RegexValidator(
    r"^https://(www\.|m\.)?facebook\.com/groups/[A-Za-z0-9._-]+/?$",
    "A Facebook group link looks like https://www.facebook.com/groups/your-group-name.",
)


class Group(models.Model):
    class Kind(models.TextChoices):
        NETWORK = "network", "Network"
        BOROUGH = "borough", "Borough"
        WARD = "ward", "Ward"
        NEIGHBOURHOOD = "neighbourhood", "Neighbourhood"
        STREET = "street", "Street"

    # Depth order: a child must be of a later kind than its parent.
    KIND_ORDER = [k.value for k in Kind]

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True, help_text="Shown on the public listing.")
    whatsapp_url = models.URLField(
        "WhatsApp invite link", blank=True, validators=[WHATSAPP_INVITE]
    )
    facebook_url = models.URLField("Facebook group", blank=True, validators=[FACEBOOK_GROUP])
    phone = models.CharField("Phone line", max_length=20, blank=True)
    email = models.EmailField("Contact email", blank=True)
    services = models.JSONField(default=list, blank=True)
    coverage = models.JSONField(default=list, blank=True)
    shares_personal_data_with_parent = models.BooleanField(
        default=False,
        help_text="Let coordinators of the group above see this group's residents' details.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When a coordinator last confirmed the public listing is right; shown on the listing.
    last_verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # Coverage is also kept as rows, so "who covers W10 5?" is an indexed query on any database.
        with transaction.atomic():
            super().save(*args, **kwargs)
            wanted = set(self.coverage or [])
            have = set(self.areas.values_list("area", flat=True))
            if wanted != have:
                self.areas.exclude(area__in=wanted).delete()
                CoverageArea.objects.bulk_create(
                    [CoverageArea(group=self, area=area) for area in sorted(wanted - have)]
                )

    def get_absolute_url(self) -> str:
        return reverse("groups:dashboard", args=[self.slug])

    def clean(self) -> None:
        if self.parent_id is None:
            return
        if self.pk is not None and (self.parent_id == self.pk
                                    or self.parent_id in self.descendant_ids()):
            raise ValidationError({"parent": "A group cannot sit inside itself or its own subgroups."})
        parent_kind = Group.objects.filter(pk=self.parent_id).values_list("kind", flat=True).first()
        if parent_kind and self.KIND_ORDER.index(self.kind) <= self.KIND_ORDER.index(parent_kind):
            raise ValidationError({"kind": f"A {self.get_kind_display().lower()} group cannot sit "
                                           f"inside a {parent_kind} group."})

    def ancestors(self) -> list[Group]:
        """Parent first, root last."""
        chain: list[Group] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def descendant_ids(self) -> list[int]:
        """Every group below this one, level by level (trees are at most five deep)."""
        found: list[int] = []
        frontier = [self.pk]
        while frontier:
            frontier = list(Group.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            found.extend(frontier)
        return found


class CoverageArea(models.Model):
    """One postcode district ("W10") or sector ("W10 5") a group covers; mirrors Group.coverage."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="areas")
    area = models.CharField(max_length=8, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "area"], name="one_row_per_area")]

    def __str__(self) -> str:
        return f"{self.group} covers {self.area}"


class MembershipQuerySet(models.QuerySet):
    def with_role(self, role: str) -> MembershipQuerySet:
        return self.filter(**{f"is_{role}": True})


class Membership(models.Model):
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    is_coordinator = models.BooleanField(default=False)
    is_call_handler = models.BooleanField(default=False)
    is_volunteer = models.BooleanField(default=False)
    is_safeguarding_lead = models.BooleanField(default=False)
    is_treasurer = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "group"], name="one_membership_per_group")
        ]
        ordering = ["group__name"]

    def __str__(self) -> str:
        return f"{self.person} in {self.group}"

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(role for role in ROLE_NAMES if getattr(self, f"is_{role}"))

    def set_roles(self, roles: set[str] | frozenset[str]) -> None:
        for role in ROLE_NAMES:
            setattr(self, f"is_{role}", role in roles)


def _new_token() -> str:
    return secrets.token_urlsafe(24)


def _default_expiry():
    return timezone.now() + timedelta(days=14)


class Invitation(models.Model):
    """A link (optionally emailed) that lets someone join a group in the given roles."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(blank=True)
    roles = models.JSONField(default=list)
    token = models.CharField(max_length=64, unique=True, default=_new_token)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_default_expiry)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        # No address here: this string lands in audit rows, which mask personal data.
        return f"Invitation to {self.group} ({'by email' if self.email else 'shared link'})"

    def get_absolute_url(self) -> str:
        return reverse("groups:invitation_accept", args=[self.token])

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.accepted_at:
            return "accepted"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"

    @property
    def is_open(self) -> bool:
        return self.status == "open"
