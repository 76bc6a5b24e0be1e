from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The audit trail's names for this app's actions (core.audit.ACTION_LABELS).
ACTION_LABELS = {
    "kith.service.created": _("Local service added to the directory"),
    "kith.service.updated": _("Local service's details changed"),
    "kith.service.checked": _("Local service checked as still right"),
    "kith.service.imported": _("Local services imported (Open Referral UK)"),
    "kith.referral.sent": _("Referred to a local service, with consent"),
    "kith.referral.accepted": _("Referral accepted by the service"),
    "kith.referral.closed": _("Referral closed"),
    "kith.signposting.recorded": _("Signposted to a local service"),
}
# The request timeline's names for the lines this app adds (requests.timeline).
TIMELINE_LABELS = {
    "referral_sent": _("Referred to a local service"),
    "referral_accepted": _("Referral accepted"),
    "referral_closed": _("Referral closed"),
    "signposted": _("Signposted to a local service"),
}


class SignpostingConfig(AppConfig):
    name = "kith.signposting"
    label = "signposting"
    verbose_name = "Signposting: local services"

    def ready(self) -> None:
        from kith.core.audit import ACTION_LABELS as labels
        from kith.requests.timeline import register_labels

        labels.update(ACTION_LABELS)
        register_labels(TIMELINE_LABELS)
