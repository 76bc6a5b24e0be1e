from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The audit trail's names for this app's actions (core.audit.ACTION_LABELS).
ACTION_LABELS = {
    "kith.retention.schedule_changed": _("How long data is kept changed"),
    "kith.retention.swept": _("Retention applied: old personal data removed (counts only)"),
}


class RetentionConfig(AppConfig):
    name = "kith.retention"
    label = "retention"
    verbose_name = "Retention: how long personal data is kept, and the privacy notice"

    def ready(self) -> None:
        from kith.core.audit import ACTION_LABELS as labels

        labels.update(ACTION_LABELS)  # type: ignore[arg-type]  # lazy, shown translated
