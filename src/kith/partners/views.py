"""The coordinators' pages for partners: who they are, their API tokens, their webhook.

A token and a webhook secret appear once, in the response to the POST that made them
(never stored in the clear, never in a redirect's session), with no-store like every page.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kith.groups.access import group_view
from kith.partners import services
from kith.partners.forms import PartnerForm, TokenForm, WebhookForm
from kith.partners.models import ApiToken, Partner


@require_http_methods(["GET", "POST"])
@group_view("partners.manage")
def partner_list(request, group):
    form = PartnerForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            partner = services.add_partner(group, name=form.cleaned_data["name"],
                                           kind=form.cleaned_data["kind"],
                                           acting_user=request.user)
        except IntegrityError:
            # Posted twice at once (or by two coordinators): the form's check passed for
            # both, the database kept one. Same words as the form's own check.
            form.add_error("name", form.name_taken(form.cleaned_data["name"]))
        else:
            return redirect("partners:detail", group.slug, partner.pk)
    partners = group.partners.prefetch_related("tokens")
    return render(request, "partners/list.html", {"group": group, "partners": partners,
                                                  "form": form},
                  status=400 if form.errors else 200)


def _detail(request, group, partner, *, token_form=None, webhook_form=None, status=200):
    return render(request, "partners/detail.html", {
        "group": group, "partner": partner, "tokens": partner.tokens.all(),
        "token_form": token_form or TokenForm(),
        "webhook_form": webhook_form or WebhookForm(initial={"url": partner.webhook_url},
                                                    current=partner.webhook_url),
    }, status=status)


@require_http_methods(["GET"])
@group_view("partners.manage")
def partner_detail(request, group, pk):
    return _detail(request, group, get_object_or_404(Partner, pk=pk, group=group))


@require_http_methods(["GET", "POST"])
@group_view("partners.manage")
def token_new(request, group, pk):
    partner = get_object_or_404(Partner, pk=pk, group=group)
    if request.method == "GET":  # the form's address, opened or reloaded: show the form
        return _detail(request, group, partner)
    form = TokenForm(request.POST)
    if not form.is_valid():
        form.keep_a_key()
        return _detail(request, group, partner, token_form=form, status=400)
    try:
        token, secret = services.issue_token(partner, scopes=form.cleaned_data["scopes"],
                                             label=form.cleaned_data["label"],
                                             acting_user=request.user,
                                             form_key=form.cleaned_data["once"])
    except services.FormAlreadyUsed as used:
        messages.warning(request, _(
            "That form was used already: it made token %(prefix)s…, shown once at the time. "
            "No new token was made. If that token was lost, revoke it and make a new one.")
            % {"prefix": used.token.prefix})
        return redirect("partners:detail", group.slug, partner.pk)
    return render(request, "partners/shown_once.html", {
        "group": group, "partner": partner, "secret": secret, "token": token,
        "title": _("New API token for %(name)s") % {"name": partner.name}})


@require_http_methods(["GET", "POST"])
@group_view("partners.manage")
def token_revoke(request, group, pk):
    """GET asks "are you sure?"; the POST from that page revokes."""
    token = get_object_or_404(ApiToken.objects.select_related("partner"), pk=pk,
                              partner__group=group)
    if request.method == "GET":
        return render(request, "partners/revoke.html", {
            "group": group, "partner": token.partner, "token": token})
    if services.revoke_token(token, acting_user=request.user):
        messages.success(request, _("Token %(prefix)s… is revoked: it stops working now.")
                         % {"prefix": token.prefix})
    return redirect("partners:detail", group.slug, token.partner_id)


@require_http_methods(["GET", "POST"])
@group_view("partners.manage")
def webhook(request, group, pk):
    partner = get_object_or_404(Partner, pk=pk, group=group)
    if request.method == "GET":  # the form's address, opened or reloaded: show the form
        return _detail(request, group, partner)
    form = WebhookForm(request.POST, current=partner.webhook_url)
    if not form.is_valid():
        return _detail(request, group, partner, webhook_form=form, status=400)
    secret = services.set_webhook(partner, url=form.cleaned_data["url"],
                                  new_secret=form.cleaned_data["new_secret"],
                                  acting_user=request.user)
    if not secret:
        messages.success(request, _("Nothing changed.") if secret is None else
                         _("Webhooks to %(name)s are off.") % {"name": partner.name})
        return redirect("partners:detail", group.slug, partner.pk)
    return render(request, "partners/shown_once.html", {
        "group": group, "partner": partner, "secret": secret, "webhook": True,
        "title": _("Webhook secret for %(name)s") % {"name": partner.name}})
