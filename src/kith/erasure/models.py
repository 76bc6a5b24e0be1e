"""The erasure log: which resident or person was erased, when and by whom. Ids, never data.

A row here is all that is left to say someone was erased; it holds nothing that names them.
The same entries are appended to a file under var/ (`log.py`) so a restore of an older backup
can re-apply them (`kith restore`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Erasure(models.Model):
    class Kind(models.TextChoices):
        RESIDENT = "resident", _("Resident")
        VOLUNTEER = "volunteer", _("Volunteer")

    class Why(models.TextChoices):
        REQUEST = "request", _("They asked")
        RETENTION = "retention", _("Kept no longer than needed (the retention schedule)")
        RESTORE = "restore", _("Re-applied after a restore")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The erased row's id (residents.Resident or accounts.Person), kept so a restore can find it.
    subject_id = models.PositiveBigIntegerField()
    group = models.ForeignKey("groups.Group", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    why = models.CharField(max_length=10, choices=Why.choices, default=Why.REQUEST)
    # None: the retention sweep (or a restore) did it.
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    erased_at = models.DateTimeField(auto_now_add=True)
    # What went, as counts per table ("requests.HelpRequest": 3): never values.
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-erased_at", "-id"]
        indexes = [models.Index(fields=["kind", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.subject_id} erased"
