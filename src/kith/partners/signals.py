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

    if status.partner_status(instance.from_state) == status.partner_status(instance.to_state):
        return
    referrals = (PartnerReferral.objects.filter(request_id=instance.request_id)
                 .exclude(partner__webhook_url="").select_related("partner", "request"))
    for referral in referrals:
        before = _seen_before(referral, instance)
        if before != status.of_referral(referral)[0]:
            webhooks.queue(referral, previous=before)


def _seen_before(referral, move: RequestEvent) -> str:
    """What the partner read before this move: "received" unless an earlier move since its
    referral changed it (a referral that joined a request never hears of moves before it)."""
    from kith.partners import status

    earlier = (RequestEvent.objects.filter(request_id=move.request_id,
                                           created_at__gt=referral.created_at)
               .filter(pk__lt=move.pk).exclude(from_state="")
               .order_by("-created_at", "-pk"))
    for event in earlier:
        if event.from_state != event.to_state:
            return status.partner_status(event.to_state)
    return status.RECEIVED
