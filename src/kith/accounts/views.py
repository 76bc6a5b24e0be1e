from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kith.accounts import twofactor
from kith.accounts.forms import InvitedSignUpForm, ProfileForm
from kith.accounts.services import register_invited_person, update_profile
from kith.core import throttle
from kith.core.privacy import has_two_factor
from kith.messaging import log as message_log

# Making accounts from invitations: a few a minute per address is plenty for a family
# sharing a connection; allauth's own per-address limit on codes applies as well.
INVITED_SIGNUP_SCOPE = "accounts:invited-signup"
INVITED_SIGNUP_LIMIT = 10
INVITED_SIGNUP_WINDOW = 10 * 60


@require_http_methods(["GET", "POST"])
@login_required
def profile(request):
    person = request.user
    # A person's own phone is theirs to see; no need-to-know check, and we show only whether it is set.
    form = ProfileForm(request.POST or None, initial={"display_name": person.display_name,
                                                      "postcode": person.postcode_sector})
    if request.method == "POST" and form.is_valid():
        # An empty box keeps the saved number (we never show it back); the tick box removes it.
        phone = form.cleaned_data["phone"] or ("" if "clear_phone" in request.POST else None)
        update_profile(person, acting_user=person, display_name=form.cleaned_data["display_name"],
                       phone=phone, postcode_sector=form.cleaned_data["postcode"])
        messages.success(request, "Your details are saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {
        "form": form, "has_phone": bool(person.phone), "has_two_factor": has_two_factor(person),
        "needs_two_factor": twofactor.person_needs_two_factor(person),
        "message_log": message_log.for_person(person),
    })


# --- one way to sign up


def _invitation_in(next_url: str | None):
    """The invitation a `next` link points at, if it points at one."""
    from kith.groups.models import Invitation

    if not next_url:
        return None
    try:
        match = resolve(urlsplit(next_url).path)
    except Resolver404:
        return None
    if match.view_name != "groups:invitation_accept":
        return None
    return Invitation.objects.select_related("group").filter(token=match.kwargs["token"]).first()


@require_http_methods(["GET", "POST"])
def signup(request):
    """The one way in is volunteer sign-up; allauth's stock sign-up page is replaced.

    Someone holding an invitation (the invitation page sends them here with `next` set to it)
    makes an account with a name and an email, confirms the emailed code, and is back on the
    invitation to join. Nobody else gets a second, competing sign-up form.
    """
    invitation = _invitation_in(request.GET.get("next") or request.POST.get("next"))
    if invitation is None:
        return redirect("volunteers:join")
    if request.user.is_authenticated or not invitation.is_open:
        return redirect(invitation.get_absolute_url())
    form = InvitedSignUpForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            email = form.cleaned_data["email"]
            if throttle.over_limit(request, INVITED_SIGNUP_SCOPE, limit=INVITED_SIGNUP_LIMIT,
                                   seconds=INVITED_SIGNUP_WINDOW) or not ratelimit.consume(
                    request, action="request_login_code", key=email):
                form.add_error(None, _("We have sent a lot of codes from here just now. Wait "
                                       "ten minutes, then try again."))
                status = 429
            else:
                return _email_code(request, form, invitation)
    return render(request, "accounts/invited_signup.html",
                  {"form": form, "invitation": invitation}, status=status)


def _email_code(request, form, invitation):
    """Make the account if the address has none, and email a sign-in code either way: the next
    page is the same whether or not the address was already known."""
    from allauth.account.internal.flows.login_by_code import LoginCodeVerificationProcess

    data = form.cleaned_data
    person = get_user_model().objects.filter(email__iexact=data["email"]).first()
    if person is None:
        person = register_invited_person(email=data["email"], display_name=data["display_name"])
    LoginCodeVerificationProcess.initiate(request=request, user=person, email=person.email)
    return redirect(f"{reverse('account_confirm_login_code')}?"
                    f"{urlencode({'next': invitation.get_absolute_url()})}")


# --- two-factor set-up, in Kith's words


@require_GET
@login_required
def two_factor_setup(request):
    """Why two-factor matters, and the two ways to set it up: a passkey first, an app second.

    `next` (the page that sent them, or the group they just joined) is kept for the end."""
    twofactor.remember_next(request, request.GET.get("next"))
    person = request.user
    from allauth.mfa.models import Authenticator

    kinds = set(Authenticator.objects.filter(user=person).values_list("type", flat=True))
    return render(request, "accounts/two_factor_setup.html", {
        "has_two_factor": has_two_factor(person),
        "has_app": Authenticator.Type.TOTP in kinds,
        "has_passkey": Authenticator.Type.WEBAUTHN in kinds,
        "needs_two_factor": twofactor.person_needs_two_factor(person),
        "passkeys_possible": twofactor.passkeys_possible(request),
        "email_verified": not EmailAddress.objects.filter(user=person, verified=False).exists(),
        "next_url": twofactor.peek_next(request),
    })


@require_GET
@login_required
def two_factor_done(request):
    """The end of set-up: back to where they were going, or to their account page."""
    return redirect(twofactor.pop_next(request) or "accounts:profile")


@login_required
def confirm_two_factor(request, *args, **kwargs):
    """allauth's "confirm with your app" page, made safe to link to from anywhere.

    With no app (nothing set up, or a passkey only), allauth fell back to the next way it
    knew, a password, and sent the person back to the page that had refused them: the loop on
    the run page. Such a person goes where they can confirm (or set up) instead.
    """
    from allauth.mfa.base.views import reauthenticate
    from allauth.mfa.models import Authenticator

    from kith.core.privacy import two_factor_url

    codes = {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    if not Authenticator.objects.filter(user=request.user, type__in=codes).exists():
        back = twofactor.safe_next(request, request.GET.get("next")) or reverse("accounts:profile")
        return redirect(two_factor_url(request, back))
    return reauthenticate(request, *args, **kwargs)
