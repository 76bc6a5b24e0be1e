"""Offers on the volunteer's side (see one, accept it, or say no), the coordinator's "offer
it" button, and batch matching (propose, review, then offer)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from kith.groups.access import group_view
from kith.matching import batch_offers, offers
from kith.matching.models import Offer
from kith.requests import lifecycle
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import HelpRequest
from kith.requests.moves import NotAllowed
from kith.volunteers.policy import may_hold

# What the volunteer reads after answering, or on opening an offer that has closed.
CLOSED_WORDS = {
    "taken": ("Already taken, thank you",
              "Another volunteer said yes first, so this one is covered. Thank you for being "
              "ready to help: there will be others."),
    "expired": ("This offer has run out",
                "It was passed on to other volunteers nearby. Thank you all the same."),
    "withdrawn": ("This offer was withdrawn",
                  "The coordinators have stopped or changed this request. Nothing for you to do."),
    "declined": ("You said no to this one",
                 "Thanks for letting us know quickly: it has gone to someone else."),
}


def _my_offer(person, pk: int) -> Offer:
    """This person's offer, or 404: it is nobody else's, and no longer theirs once they stop
    standing in the role its request needs (removed, left, on a break, a check withdrawn,
    excluded), asked on every request even if the offer itself is still open."""
    offer = (Offer.objects.filter(pk=pk, volunteer=person)
             .select_related("request__group", "request__resident").first())
    if offer is None or not may_hold(person, offer.request.group, offer.request.service):
        raise Http404("No such offer")
    return offer


@login_required
@require_http_methods(["GET", "POST"])
def offer(request, pk: int):
    """One offer to this volunteer: what, roughly where, why them, and two buttons."""
    mine = _my_offer(request.user, pk)
    error, reason = "", request.POST.get("reason", "")
    if request.method == "POST":
        try:
            answer = _answer(request, mine)
        except (IllegalMove, NotAllowed) as exc:
            error = str(exc)
        else:
            if answer.outcome == "accepted":
                messages.success(request, "It's yours. Thank you! Everything you need is below.")
                return redirect("requests:task", reference=mine.request.reference)
            return _closed(request, answer.offer, answer.outcome)
    now = timezone.now()
    if not mine.is_open(now):
        if mine.state == Offer.State.ACCEPTED:
            return redirect("requests:task", reference=mine.request.reference)
        return _closed(request, mine, offers.closed_outcome(mine) if mine.state != Offer.State.OPEN
                       else "expired")
    return render(request, "matching/offer.html", {
        "offer": mine, "req": mine.request, "error": error, "reason": reason,
        "reasons": Offer.Reason.choices,
    }, status=400 if error else 200)


def _answer(request, mine: Offer) -> offers.Answer:
    action = request.POST.get("action", "")
    if action == "accept":
        return offers.accept(mine, person=request.user)
    if action == "decline":
        return offers.decline(mine, person=request.user, reason=request.POST.get("reason", ""))
    raise IllegalMove("Choose one of the buttons.")


def _closed(request, mine: Offer, outcome: str):
    title, words = CLOSED_WORDS[outcome]
    return render(request, "matching/offer_closed.html",
                  {"offer": mine, "req": mine.request, "title": title, "words": words})


@require_POST
@group_view("requests.assign")
def offer_request(request, group, reference: str):
    """The coordinator's button: offer this request to the next few volunteers now."""
    req = HelpRequest.objects.filter(group=group, reference=reference).first()
    if req is None:
        raise Http404("No such request")
    try:
        suggestion = offers.offer_round(req, actor=request.user)
    except (IllegalMove, NotAllowed) as exc:
        messages.error(request, str(exc))
    else:
        if suggestion.candidates:
            names = ", ".join(c.volunteer.name for c in suggestion.candidates)
            messages.success(request, f"Offered to {names}. The first to say yes gets it.")
        else:
            messages.error(request, suggestion.why_nobody)
    return redirect("requests:detail", group.slug, reference)


def panel(req: HelpRequest, access) -> dict | None:
    """The request page's matching panel: offers so far and, for a coordinator, who is next."""
    if not access.can("requests.assign"):
        return None
    sent = list(req.offers.select_related("volunteer").order_by("round", "place_in_round"))
    can_offer = req.state in {lifecycle.TRIAGED, lifecycle.MATCHING}
    if not sent and not can_offer:
        return None
    suggestion = offers.suggest(req) if can_offer else None
    return {"offers": sent, "can_offer": can_offer, "suggestion": suggestion,
            "rounds_left": max(offers.ROUNDS - req.offer_rounds, 0)}


@group_view("requests.assign")
@require_http_methods(["GET", "POST"])
def match_all(request, group):
    """Batch matching: a proposal for every request waiting, to review and then offer."""
    if request.method == "POST":
        chosen = request.POST.getlist("pair")
        try:
            made, skipped = batch_offers.send(group, chosen, actor=request.user)
        except IllegalMove as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Offered {made} request{'s' if made != 1 else ''}."
                             + (f" {skipped} could not be offered any more (look again)."
                                if skipped else ""))
            return redirect("matching:match_all", group.slug)
    proposal = batch_offers.propose(group)
    return render(request, "matching/match_all.html", {"group": group, "proposal": proposal})
