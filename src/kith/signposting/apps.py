from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The audit trail's names for this app's actions (core.audit.ACTION_LABELS).
ACTION_LABELS = {
    "kith.service.created": _("Local service added to the directory"),
    "kith.service.updated": _("Local service's details changed"),
    "kith.service.checked": _("Local service checked as still right"),
    "kith.service.imported": _("Local services imported (Open Referral UK)"),
}


class SignpostingConfig(AppConfig):
    name = "kith.signposting"
    label = "signposting"
    verbose_name = "Signposting: local services"

    def ready(self) -> None:
        from kith.core.audit import ACTION_LABELS as labels

        labels.update(ACTION_LABELS)
