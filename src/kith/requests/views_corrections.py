"""Correcting a request from its own page (coordinators; a call handler only the request in
their hands). The service (corrections.py) decides and records; this view shows the form, keeps
what was typed when something is wrong, and says what happened."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kith.core.privacy import CorrectionDenied, check_may_correct
from kith.core.reveal_views import render_private
from kith.groups.access import group_view
from kith.requests import lifecycle, visits
from kith.requests.corrections import correct_request
from kith.requests.forms_corrections import CorrectRequestForm
from kith.requests.lifecycle import IllegalMove
from kith.requests.pages import request_or_404


def may_correct(request, group, req) -> bool:
    """Offer the correction page only to someone it would let in, on a request still open."""
    if req.state in lifecycle.FINAL or not request.access.can("requests.edit"):
        return False
    try:
        check_may_correct(request.user, group, [req], "requests.edit")
    except CorrectionDenied:
        return False
    return True


@require_http_methods(["GET", "POST"])
@group_view("requests.edit")
def edit(request, group, reference):
    req = request_or_404(group, reference)
    try:
        check_may_correct(request.user, group, [req], "requests.edit")
    except CorrectionDenied as exc:
        raise PermissionDenied(str(exc)) from None
    form = CorrectRequestForm(request.POST or None, req=req)
    ended = req.state in lifecycle.FINAL
    if request.method == "POST" and not ended and form.is_valid():
        try:
            done = correct_request(req, acting_user=request.user, **form.changes())
        except IllegalMove as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved: %(reference)s is corrected.") % {
                "reference": req.reference} if done.changed else _("Nothing was changed."))
            return redirect(req.get_absolute_url())
    return render_private(request, "requests/edit.html", {
        "group": group, "req": req, "form": form, "ended": ended,
        "state_label": lifecycle.STATE_LABELS[req.state],
        "resident_url": visits.edit_url(req, "name"),
    }, status=400 if form.is_bound and (form.errors or ended) else 200)
