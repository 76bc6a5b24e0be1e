from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The audit trail's names for this app's actions (core.audit.ACTION_LABELS).
ACTION_LABELS = {
    "kith.case.reported": _("Safeguarding incident reported"),
    "kith.case.opened": _("Safeguarding case opened from a concern"),
    "kith.case.concern_added": _("Safeguarding case: a further concern added"),
    "kith.case.triaged": _("Safeguarding case triaged"),
    "kith.case.action_added": _("Safeguarding case: action added"),
    "kith.case.action_done": _("Safeguarding case: action done"),
    "kith.case.told": _("Safeguarding case: someone was told"),
    "kith.case.ico_told": _("Data breach reported to the ICO"),
    "kith.case.breach_reminder": _("Leads reminded: a day left to tell the ICO"),
    "kith.case.closed": _("Safeguarding case closed"),
    "kith.case.referred": _("Safeguarding case: resident referred, with consent"),
}


class SafeguardingConfig(AppConfig):
    name = "kith.safeguarding"
    label = "safeguarding"
    verbose_name = "Safeguarding: incidents and cases"

    def ready(self) -> None:
        from kith.core.audit import ACTION_LABELS as labels

        labels.update(ACTION_LABELS)
