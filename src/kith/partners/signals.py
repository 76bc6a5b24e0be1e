"""A partner's webhook when a request it referred changes status.

Every move writes a RequestEvent in the move's transaction (requests/moves.py), so listening
for new events sees every change, from every app, without the requests app knowing about
partners; the webhook is queued in that same transaction.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from kith.requests.models import RequestEvent


@receiver(post_save, sender=RequestEvent, dispatch_uid="partners.status_webhooks")
def tell_partners(sender, instance: RequestEvent, created: bool, **kwargs) -> None:
    if not created or instance.from_state == instance.to_state or not instance.from_state:
        return
    from kith.partners import status, webhooks
    from kith.partners.models import PartnerReferral

    before = status.partner_status(instance.from_state)
    if before == status.partner_status(instance.to_state):
        return
    referrals = (PartnerReferral.objects.filter(request_id=instance.request_id)
                 .exclude(partner__webhook_url="").select_related("partner", "request"))
    for referral in referrals:
        webhooks.queue(referral, previous=before)
