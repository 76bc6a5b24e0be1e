from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The audit trail's names for this app's actions (core.audit.ACTION_LABELS).
ACTION_LABELS = {
    "kith.resident.erased": _("Resident erased"),
    "kith.person.erased": _("Volunteer erased"),
    "kith.erasure.reapplied": _("Erasures re-applied after a restore"),
}


class ErasureConfig(AppConfig):
    name = "kith.erasure"
    label = "erasure"
    verbose_name = "Erasure: a resident's or a volunteer's personal data removed on request"

    def ready(self) -> None:
        from kith.core.audit import ACTION_LABELS as labels

        labels.update(ACTION_LABELS)
