from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The audit trail's names for this app's actions (core.audit.ACTION_LABELS).
ACTION_LABELS = {
    "kith.partner.added": "Partner added",
    "kith.partner.token_issued": "Partner API token made",
    "kith.partner.token_revoked": "Partner API token revoked",
    "kith.partner.webhook_set": "Partner's webhook address set",
    "kith.partner.webhook_removed": "Partner's webhook address removed",
    "kith.partner_api.referred": "Person referred in through the partner API",
    "kith.partner_api.run_handed_over": "Run handed over through the partner API",
}

# Lines this app adds to a request's timeline (requests.timeline.register_labels).
TIMELINE_LABELS = {
    "partner_api_referral": _("Referred through the partner API"),
}


class PartnersConfig(AppConfig):
    name = "kith.partners"
    label = "partners"
    verbose_name = "Partners and their API"

    def ready(self) -> None:
        from kith.core.audit import ACTION_LABELS as labels
        from kith.partners import checks, signals  # noqa: F401  (deploy check; webhooks on a new status)
        from kith.requests.timeline import register_labels

        labels.update(ACTION_LABELS)
        register_labels(TIMELINE_LABELS)
