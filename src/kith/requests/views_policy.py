"""The group's request settings (check-up stages, windows, offers): policy_services.py
saves them with an audit row."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from kith.groups.access import group_view
from kith.requests.forms_requests import PolicyForm
from kith.requests.models import RequestPolicy
from kith.requests.policy_services import FIELDS as POLICY_FIELDS
from kith.requests.policy_services import update_policy


@require_http_methods(["GET", "POST"])
@group_view("requests.settings")
def policy(request, group):
    current = RequestPolicy.for_group(group)
    form = PolicyForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        _saved, changed = update_policy(group, actor=request.user,
                                        **{name: form.cleaned_data[name] for name in POLICY_FIELDS})
        messages.success(request, "Request settings saved." if changed else "Nothing changed.")
        return redirect("requests:policy", group.slug)
    return render(request, "requests/policy.html", {"group": group, "form": form},
                  status=400 if form.is_bound and form.errors else 200)
