"""allauth's two-factor pages speak Kith's words, and passkeys name Kith, not a host and port."""

from __future__ import annotations

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


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
