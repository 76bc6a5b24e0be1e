"""Sign-ups happen inside allauth; this puts them on the record like any other change."""

from allauth.account.signals import user_signed_up
from django.db import transaction
from django.dispatch import receiver

from kith.core.audit import log_action


@receiver(user_signed_up)
def record_sign_up(sender, request, user, **kwargs):
    with transaction.atomic():
        log_action("kith.person.signed_up", actor=user, obj=user,
                   new={"email": user.email, "display_name": user.display_name})
