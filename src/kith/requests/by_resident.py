"""What a resident does from their request's status page (/my-request/progress/, after the
code): add a note for the group, or cancel a request nobody is doing yet.

The resident has no account, so these carry no actor; their page is theirs for 30 minutes after
a code sent to the phone or email we hold (views_public.status_view). A note is added to what
they need (sealed: it may say "out of hospital on Friday"), which the group and the volunteer
doing it read; the timeline and the trail say a note came, and how (the page, or a text
in reply to one of ours: messaging.replies), never what it says. Once a volunteer
is arranged, cancelling is a phone call, so someone can tell the volunteer before they go.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core.audit import log_action
from kith.requests import lifecycle, services
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import HelpRequest
from kith.requests.moves import add_event, locked

NOTES_A_DAY = 5  # more than this, and ringing is better for everyone
NOTE_MAX = 500
# They may cancel before anyone is arranged; after, the group must tell the volunteer.
CANCELLABLE = (lifecycle.UNASSIGNED | {lifecycle.ON_HOLD}) & lifecycle.MOVES["cancel"].sources


def may_add_note(req: HelpRequest) -> bool:
    return req.state not in lifecycle.FINAL


def may_cancel(req: HelpRequest) -> bool:
    return req.state in CANCELLABLE


# How a resident's note came, and the timeline line that says so (never what it says).
STATUS_PAGE, TEXT = "status_page", "text"


def _came(came_by: str) -> str:
    return {TEXT: _("Texted in by the resident; it is with what they need")}.get(
        came_by, _("Added on their status page; it is with what they need"))


@transaction.atomic
def add_note(req: HelpRequest, *, text: str, came_by: str = STATUS_PAGE, now=None) -> HelpRequest:
    """The resident's note, added to what they need with the day and time it came.
    `came_by`: their status page, or a text (a reply to one of ours, messaging.replies)."""
    from kith.core.privacy import sealed_with

    now = now or timezone.now()
    req = locked(req)
    text = " ".join((text or "").split())[:NOTE_MAX]
    if not text:
        raise IllegalMove(_("Write your note in the box first."))
    if not may_add_note(req):
        raise IllegalMove(_("This request has finished, so notes can't be added. If you need "
                            "help again, please ask again or ring us."))
    if req.events.filter(action="resident_note", created_at__gte=now - timedelta(days=1)).count(
            ) >= NOTES_A_DAY:
        raise IllegalMove(_("You have sent %(n)s notes today. Please ring us instead.")
                          % {"n": NOTES_A_DAY})
    stamp = timezone.localtime(now).strftime("%-d %b %H:%M")
    req.details = sealed_with(req.details, _("Note from the resident (%(when)s): %(text)s")
                              % {"when": stamp, "text": text})
    req.save(update_fields=["details"])
    add_event(req, "resident_note", actor=None, note=_came(came_by))
    log_action("kith.request.resident_note", actor=None, group=req.group, obj=req,
               new={"details": text, "by_resident": True, "came_by": came_by})
    return req


@transaction.atomic
def cancel(req: HelpRequest, *, reason: str = "") -> HelpRequest:
    """The resident no longer needs it: cancelled, its waiting calls withdrawn, its offers
    closed, as when a coordinator cancels. Only before a volunteer is arranged."""
    req = locked(req)
    if not may_cancel(req):
        raise IllegalMove(_("A volunteer is already arranged, or the request has finished, so "
                            "it can't be cancelled here. Please ring us."))
    reason = " ".join((reason or "").split())[:200]
    note = _("Cancelled by them on their status page") + (f": {reason}" if reason else "")
    return services.cancel_for_resident(req, note=note)
