"""The Django admin, reached only through Kith's own sign-in and only with two-factor.

Django's admin has its own sign-in form, which takes a password alone: no two-factor, none of
allauth's rate limits. Here that form never appears. Whoever asks for an admin page is:

- not signed in: sent to Kith's sign-in (allauth: rate-limited, two-factor when set up), then
  back to the page;
- signed in but not a superuser: told the page does not exist (404), as for any outsider;
- a superuser without a passkey or authenticator app: sent to set one up;
- a superuser whose session has not used it: sent to confirm it (privacy.two_factor_url),
  because an account taken over through its mailbox could sign in by emailed code.

Only a superuser whose session used two-factor gets in. Password changes go to allauth's page.
"""

from __future__ import annotations

from functools import update_wrapper

from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kith.core.privacy import has_two_factor, session_used_two_factor, two_factor_url

ALLOWED = "allowed"
SIGN_IN = "sign in"
NOT_ADMIN = "not an admin"
SET_UP_TWO_FACTOR = "set up two-factor"
CONFIRM_TWO_FACTOR = "confirm two-factor"


def admin_gate(request) -> str:
    """Which of the cases above this request is."""
    user = request.user
    if not user.is_authenticated:
        return SIGN_IN
    if not (user.is_active and user.is_superuser):
        return NOT_ADMIN
    if not has_two_factor(user):
        return SET_UP_TWO_FACTOR
    if not session_used_two_factor(request):
        return CONFIRM_TWO_FACTOR
    return ALLOWED


class KithAdminSite(admin.AdminSite):
    site_header = gettext_lazy("Kith administration")
    site_title = gettext_lazy("Kith administration")

    def has_permission(self, request) -> bool:
        return admin_gate(request) == ALLOWED

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def gated(request, *args, **kwargs):
            return self._send_away(request, request.get_full_path()) or inner(request, *args, **kwargs)

        return update_wrapper(gated, inner)

    def login(self, request, extra_context=None):
        """Never a password form: Kith's sign-in, or on to where the visitor was going."""
        index = reverse("admin:index", current_app=self.name)
        wanted = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            wanted = index
        return self._send_away(request, wanted) or HttpResponseRedirect(wanted)

    def password_change(self, request, extra_context=None):
        # allauth's page is rate-limited and tells the person by email; the admin's is not.
        return HttpResponseRedirect(reverse("account_change_password"))

    def _send_away(self, request, wanted: str):
        """None if the request may go on; else the redirect, or a 404 for non-admins."""
        case = admin_gate(request)
        if case == ALLOWED:
            return None
        if case == SIGN_IN:
            return redirect_to_login(wanted, reverse("account_login"))
        if case == NOT_ADMIN:
            raise Http404("No such page.")
        if case == SET_UP_TWO_FACTOR:
            messages.info(request, _("The admin needs two-factor sign-in. Set up a passkey or an "
                                     "authenticator app here; you come back to the admin after."))
        # The one place that knows where set-up or confirming goes (and back to `wanted`).
        return HttpResponseRedirect(two_factor_url(request, wanted))
