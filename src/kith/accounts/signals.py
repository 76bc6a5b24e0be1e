"""Sign-ups, sign-ins by text and two-factor changes happen inside allauth; these put them on
the record."""

from allauth.account.signals import user_signed_up
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver

from kith.core.audit import log_action

# Backup codes come and go with an app or a passkey; only these two are worth a line.
_NAMED = {Authenticator.Type.TOTP: "authenticator app", Authenticator.Type.WEBAUTHN: "passkey"}


@receiver(user_signed_up)
def record_sign_up(sender, request, user, **kwargs):
    with transaction.atomic():
        log_action("kith.person.signed_up", actor=user, obj=user,
                   new={"email": user.email, "display_name": user.display_name})


def _texted_code_number(request, user) -> str:
    """The number a code was texted to, if this sign-in was by that code; else ""."""
    from allauth.account.internal.flows.login import get_authentication_records

    records = get_authentication_records(request, user) if request is not None else []
    last = records[-1] if records else {}
    return last.get("phone") or "" if last.get("method") == "code" else ""


@receiver(user_logged_in)
def record_sign_in_by_text(sender, request, user, **kwargs):
    """A code by text proves only the phone: the trail says so (never the number itself).

    Other sign-ins are not recorded here: an email code proves the mailbox the account is
    named by, and a passkey is two-factor; a texted code is the newest and weakest way in.
    """
    if _texted_code_number(request, user):
        with transaction.atomic():
            log_action("kith.person.signed_in_by_text", actor=user, obj=user)


@receiver(authenticator_added)
def count_set_up_as_used(sender, request, user, authenticator, **kwargs):
    """Setting up a passkey or an app proves it, so this session has used two-factor.

    Without this, the first thing after typing the app's code was allauth asking for another
    code before it would show the backup codes, and then a third before the first reveal.
    It gives nothing away: whoever could set one up could confirm with it a moment later, and
    adding a second one still needs the first (allauth asks to confirm with it).
    """
    if authenticator.type not in _NAMED:
        return
    from allauth.account.internal.flows.login import record_authentication

    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type,
                          reauthenticated=True, set_up=True)
    with transaction.atomic():
        log_action("kith.person.two_factor_added", actor=user, obj=user,
                   new={"kind": _NAMED[authenticator.type]})


@receiver(authenticator_removed)
def record_removal(sender, request, user, authenticator, **kwargs):
    if authenticator.type in _NAMED:
        with transaction.atomic():
            log_action("kith.person.two_factor_removed", actor=user, obj=user,
                       old={"kind": _NAMED[authenticator.type]})
