from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from kith.accounts.forms import ProfileForm
from kith.accounts.services import update_profile
from kith.core.privacy import has_two_factor
from kith.groups.roles import PERSONAL_DATA_ROLES


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
    needs_2fa = any(
        m.roles & PERSONAL_DATA_ROLES for m in person.memberships.all()
    )
    return render(request, "accounts/profile.html", {
        "form": form, "has_phone": bool(person.phone), "has_two_factor": has_two_factor(person),
        "needs_two_factor": needs_2fa,
    })
