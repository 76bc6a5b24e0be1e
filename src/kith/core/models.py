"""The paper trail: what was changed (AuditEvent) and whose personal data was seen (PersonalDataAccess)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    """Blocks bulk edits too. (Deleting a person or group still nulls the link: Django's
    collector updates through the SQL layer, not through this queryset.)"""

    def update(self, **kwargs):
        raise PermissionError("Audit records are append-only")

    def delete(self):
        raise PermissionError("Audit records are append-only")


class AppendOnlyRecord(models.Model):
    """Evidence: written once, never edited or deleted through the ORM, one row or many."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    request_id = models.CharField(max_length=64, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{type(self).__name__} rows are append-only")


class AuditEvent(AppendOnlyRecord):
    """One state change, written by a service in the same transaction as the change."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=100, db_index=True)
    group = models.ForeignKey(
        "groups.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    old = models.JSONField(default=dict, blank=True)
    new = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["group", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id or 'system'} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        from kith.core.audit import action_label

        return action_label(self.action)

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        keys = sorted(set(self.old) | set(self.new))
        return [(k, self.old.get(k), self.new.get(k)) for k in keys]


class PersonalDataAccess(AppendOnlyRecord):
    """Who saw which piece of someone's personal data, when, and why."""

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    group = models.ForeignKey("groups.Group", on_delete=models.PROTECT, related_name="+")
    subject_type = models.CharField(max_length=100)
    subject_id = models.CharField(max_length=64)
    subject_repr = models.CharField(max_length=200, blank=True)
    field = models.CharField(max_length=50)
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["group", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.viewer_id} saw {self.subject_type}:{self.subject_id}.{self.field}"

    @property
    def field_label(self) -> str:
        """The field in words for the access log ("What happened", not "what_happened")."""
        from kith.core.audit_words import ACCESS_FIELD_LABELS

        label = ACCESS_FIELD_LABELS.get(self.field)
        return str(label) if label else self.field.replace("_", " ").capitalize()
