from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The audit trail's names for this app's actions (core.audit.ACTION_LABELS).
ACTION_LABELS = {
    "kith.export.own_code_sent": _("Code sent to download one's own data"),
    "kith.export.own_downloaded": _("Person downloaded a copy of their own data"),
    "kith.export.made": _("Copy of a resident's data made (one-time link)"),
    "kith.export.code_wrong": _("Wrong code for a copy of a resident's data"),
    "kith.export.locked": _("Link to a copy of a resident's data locked: too many wrong codes"),
    "kith.export.used": _("Resident opened the copy of their data"),
    "kith.export.cancelled": _("Link to a copy of a resident's data cancelled"),
    "kith.consent.withdrawn": _("Consent withdrawn"),
    "kith.consent.given_again": _("Consent given again"),
}


class TransparencyConfig(AppConfig):
    name = "kith.transparency"
    label = "transparency"
    verbose_name = "Transparency: a copy of one's data, consents"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from kith.core.audit import ACTION_LABELS as labels
        from kith.transparency.consents import consent_given
        from kith.volunteers.models import Consent

        labels.update(ACTION_LABELS)  # type: ignore[arg-type]  # lazy: translated when shown
        # However a consent comes back (this app's button, or the volunteers' consents page
        # asking again), the withdrawal it ends is closed.
        post_save.connect(consent_given, sender=Consent, dispatch_uid="transparency-consent")
