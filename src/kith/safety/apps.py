from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The audit trail's names for this app's actions (core.audit.ACTION_LABELS).
ACTION_LABELS = {
    "kith.check_in.started": _("Volunteer on their way: check-in set"),
    "kith.check_in.safe": _("Volunteer said they are safe"),
    "kith.check_in.help": _("Volunteer asked for help now"),
    "kith.check_in.asked": _("Volunteer asked if they are safe (check-in due)"),
    "kith.check_in.missed": _("Missed check-in: coordinators alerted"),
    "kith.check_in.escalated": _("Missed check-in: safeguarding told"),
    "kith.check_in.closed": _("Check-in closed by a coordinator: volunteer safe"),
    "kith.risk.saved": _("Risk assessment saved"),
    "kith.risk.signed_off": _("Risk assessment signed off"),
    "kith.risk.read": _("Volunteer read a risk assessment"),
    "kith.risk.review_reminded": _("Reminder: risk assessment due for review"),
    "kith.safety.settings_changed": _("Safety settings changed"),
    "kith.prescription.recorded": _("Prescription collection details recorded"),
    "kith.prescription.collected": _("Prescription collected from the pharmacy"),
    "kith.prescription.handed_over": _("Prescription handed to the resident"),
    "kith.prescription.confirmed": _("Resident confirmed they have their prescription"),
}
# The request timeline's names for the lines this app adds (requests.timeline).
TIMELINE_LABELS = {
    "check_in_set": _("On their way: check-in set"),
    "check_in_safe": _("Volunteer safe"),
    "check_in_help": _("Volunteer asked for help now"),
    "check_in_asked": _("Check-in due: volunteer asked"),
    "check_in_missed": _("Check-in missed: coordinators alerted"),
    "check_in_escalated": _("Check-in missed again: safeguarding told"),
    "check_in_closed": _("Check-in closed: volunteer reached and safe"),
    "prescription_collected": _("Prescription collected"),
    "prescription_handed_over": _("Prescription handed over"),
    "prescription_confirmed": _("Resident confirmed they have it"),
}


class SafetyConfig(AppConfig):
    name = "kith.safety"
    label = "safety"
    verbose_name = "Safety: check-ins, risk assessments, prescriptions"

    def ready(self) -> None:
        from kith.core.audit import ACTION_LABELS as labels
        from kith.requests.timeline import register_labels

        labels.update(ACTION_LABELS)
        register_labels(TIMELINE_LABELS)
