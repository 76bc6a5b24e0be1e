"""allauth's two-factor pages speak Kith's words, and passkeys name Kith, not a host and port;
and people with a phone number can sign in with a code sent by text."""

from __future__ import annotations

import logging

from allauth.account.stages import EmailVerificationStage
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kith.core.digest import phone_digest
from kith.messaging.adapter import KithAccountAdapter as MailThroughOutboxAdapter

logger = logging.getLogger(__name__)


class KithMFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        # Shared by setting up (no backup codes yet), confirming (where the page's hint offers
        # backup codes) and passkeys that fail their check, so it fits all three.
        "incorrect_code": _(
            "That didn't match. Codes from the app change every 30 seconds: type the six "
            "digits it shows now."
        ),
        "unverified_email": _(
            "First confirm your email address (we email you a code when you sign in), then set "
            "up two-factor sign-in."
        ),
        "cannot_delete_authenticator": _("This way of confirming it's you can't be removed."),
        "cannot_generate_recovery_codes": _(
            "Set up a passkey or an authenticator app first; backup codes come with it."
        ),
    }

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        # The phone shows this name when it asks to save or use the passkey.
        entity = super().get_public_key_credential_rp_entity()
        return {**entity, "name": "Kith"}

    def generate_authenticator_name(self, user, type: Authenticator.Type) -> str:
        """A name a person recognises in their list ("Passkey 2"), not "Master key"."""
        n = Authenticator.objects.filter(user_id=user.pk, type=type).count()
        return gettext("Passkey") if n == 0 else gettext("Passkey %(number)s") % {"number": n + 1}


class KithAccountAdapter(MailThroughOutboxAdapter):
    """Sign-in by a code texted to a UK mobile: what allauth needs to find a person by number.

    The number is sealed (it cannot be searched for), so a person is found by the keyed digest
    of the normalised number (`Person.phone_digest`). Codes go through the outbox like all else.
    """

    error_messages = {
        **MailThroughOutboxAdapter.error_messages,
        # Said the same for a number or address with an account and one without.
        "too_many_login_attempts": _(
            "Too many tries or codes asked for. Wait a little while and try again, or ring your "
            "group's coordinator."),
    }

    def get_user_by_phone(self, phone: str):
        """The one active person with this number, or nobody.

        Numbers on profiles are typed, not proven, so two people may share one. A code must
        never sign in whichever the database lists first; so when several have it, the one a
        texted code has already proven it for, else the one with no email address (a number is
        their only way in, and someone who typed it onto their own profile must not lock them
        out), else nobody (a couple's phone: they use their email addresses).
        """
        from kith.accounts.models import Person

        digest = phone_digest(phone)
        if not digest:
            return None
        people = list(Person.objects.filter(phone_digest=digest, is_active=True)[:20])
        for chosen in (people, [p for p in people if p.phone_verified_at is not None],
                       [p for p in people if not p.email]):
            if len(chosen) == 1:
                return chosen[0]
        return None

    def get_phone(self, user) -> tuple[str, bool] | None:
        if not user.phone:
            return None
        # Their own number, to text them their own code: not a view of someone's details.
        number = user.phone if isinstance(user.phone, str) else user.phone._open()
        return number, user.phone_verified_at is not None

    def set_phone(self, user, phone: str, verified: bool) -> None:
        user.phone = phone
        user.save(update_fields=["phone"])
        if verified:
            self.set_phone_verified(user, phone)

    def set_phone_verified(self, user, phone: str) -> None:
        from kith.accounts.models import Person

        if user.phone_digest and user.phone_digest == phone_digest(phone):
            user.phone_verified_at = timezone.now()
            Person.objects.filter(pk=user.pk).update(phone_verified_at=user.phone_verified_at)

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        """Text the code through the outbox (a number that replied STOP gets nothing there).

        A site-wide cap per hour as well as allauth's per-number and per-address limits: texts
        cost money, and someone rotating addresses could otherwise text every volunteer a code.
        """
        from kith.core import throttle
        from kith.messaging.outbox import queue_text

        if throttle.take("sign-in-texts", "site", limit=settings.KITH_SIGN_IN_TEXTS_PER_HOUR,
                         seconds=3600) is None:
            logger.warning("Sign-in code not texted: the hourly limit for the site is reached")
            return
        minutes = settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT // 60
        body = gettext("Your Kith sign-in code is %(code)s. It expires in %(minutes)s minutes. "
                       "Don't share it.") % {"code": code, "minutes": minutes}
        # Nothing to roll back, and someone is waiting: never held for quiet hours either.
        queue_text(to=phone, body=body, person=user, template="sign_in_code", urgent=True,
                   wait_for_commit=False)

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        """Nothing. Texting a number nobody on Kith has costs money and is spam to a stranger;
        the page already says what to do if no code comes."""

    def send_account_already_exists_sms(self, phone: str) -> None:
        """Nothing, for the same reason (sign-up here is by email only)."""

    def get_login_stages(self) -> list[str]:
        return [KithEmailVerificationStage.path if path.endswith(".EmailVerificationStage")
                else path for path in super().get_login_stages()]


class KithEmailVerificationStage(EmailVerificationStage):
    """Proving an email address is skipped for someone who has none (imported by phone only):
    their texted code proved the phone instead. Everyone with an address still proves it."""

    path = "kith.accounts.adapter.KithEmailVerificationStage"

    def handle(self):
        if not self.login.user.email:
            return None, True
        return super().handle()
