"""A resident who asks a group for help: the minimum needed to help them, contact sealed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from kith.core.fields import EncryptedTextField


class Resident(models.Model):
    group = models.ForeignKey("groups.Group", on_delete=models.PROTECT, related_name="residents")
    # How call handlers address them ("Mrs Ahmed"); not a full legal name.
    name = models.CharField(max_length=100)
    phone = EncryptedTextField(null=True, blank=True)
    # A keyed digest of the normalised phone (core/digest.py): finds a returning caller
    # without opening every sealed number.
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True)
    email = EncryptedTextField(null=True, blank=True)
    address = EncryptedTextField(null=True, blank=True)
    # The full postcode places them on the coordinators' map; sealed like the address.
    postcode = EncryptedTextField(null=True, blank=True)
    # Special-category notes (health, circumstances): sealed like contact details.
    notes = EncryptedTextField(null=True, blank=True)
    # Coarse location (postcode sector) is not identifying on its own and drives maps and gaps.
    postcode_sector = models.CharField(max_length=8, blank=True)
    has_email = models.BooleanField(default=False)
    language = models.CharField("Preferred language", max_length=40, blank=True)
    # Someone the group worries about: their callbacks come sooner and they can have
    # regular check-in calls.
    at_risk = models.BooleanField("At risk", default=False)
    check_in_days = models.PositiveSmallIntegerField(
        "Check-in call every (days)", null=True, blank=True,
        help_text="Leave empty for no regular check-in calls.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("residents:detail", args=[self.group.slug, self.pk])
