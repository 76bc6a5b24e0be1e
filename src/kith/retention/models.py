"""A group's retention schedule: how long each kind of personal data is kept.

Every period is nullable: empty means "as the group above says" (schedule.effective walks up
the tree to Kith's defaults). Receipt photos are not here: money.MoneySettings.receipt_months
already holds them, and the schedule reads it from there.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionSchedule(models.Model):
    group = models.OneToOneField("groups.Group", on_delete=models.CASCADE,
                                 related_name="retention_schedule")
    request_details_days = models.PositiveSmallIntegerField(
        _("Days a closed request's details are kept"), null=True, blank=True)
    resident_months = models.PositiveSmallIntegerField(
        _("Months a resident with nothing open is kept"), null=True, blank=True)
    volunteer_days = models.PositiveSmallIntegerField(
        _("Days a volunteer who left is kept"), null=True, blank=True)
    money_years = models.PositiveSmallIntegerField(
        _("Years money records are kept"), null=True, blank=True)
    safeguarding_years = models.PositiveSmallIntegerField(
        _("Years a closed safeguarding case's details are kept"), null=True, blank=True)
    access_log_months = models.PositiveSmallIntegerField(
        _("Months the record of who looked at personal data is kept"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Retention schedule of {self.group}"
