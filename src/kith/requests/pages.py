"""What the coordinators' request pages share: finding a request by its reference in the
group (a 404 otherwise, never another group's), its state in words, page size."""

from __future__ import annotations

from django.http import Http404

from kith.requests import lifecycle
from kith.requests.intake import normalise_reference
from kith.requests.models import HelpRequest

PAGE_SIZE = 50


def request_or_404(group, reference: str) -> HelpRequest:
    req = (HelpRequest.objects.select_related("resident", "series", "series__volunteer", "created_by")
           .filter(group=group, reference=normalise_reference(reference)).first())
    if req is None:
        raise Http404("No such request in this group")
    req.group = group
    return req


def state_label(state: str) -> str:
    return lifecycle.STATE_LABELS.get(state, state)


def int_or_none(text) -> int | None:
    """A primary key typed into an address (?resident=12): digits only, or nothing."""
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) < 12 else None
