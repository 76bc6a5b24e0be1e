"""Offers: a request goes to a small cluster of well-placed volunteers, and the first to
accept gets it.

A round offers the request to the group's `offer_to` best volunteers (three by default, never
hundreds). Accepting locks the request's row, so of any number of volunteers pressing
"accept" at once exactly one wins; the others are told it was taken. A round that runs out
(every offer declined or expired) widens to the next few; after ROUNDS rounds Kith stops
offering by itself and tells the coordinators, who can offer again or assign by hand.
Declines are kept with their reason and count against a volunteer's score for a month, so
someone who keeps saying "busy" is asked less.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from kith.core.audit import log_action
from kith.matching import core
from kith.matching.cards import refresh_for_person
from kith.matching.models import Offer
from kith.requests import lifecycle
from kith.requests import services as request_services
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import HelpRequest, RequestPolicy
from kith.requests.moves import NotAllowed, add_event, locked, make_move
from kith.volunteers.policy import (
    facts_for_many,
    reason_text,
    reasons_not_to_take,
    request_reasons,
)

ROUNDS = 2  # rounds Kith offers by itself before a coordinator is told
PARTS_BY_HOUR = ((12, "am"), (17, "pm"), (24, "eve"))
DAY_KEYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def slots_between(start: datetime, end: datetime) -> frozenset[str]:
    """The availability slots ('tue_pm') from `start` until `end`: when the task can be done."""
    slots: set[str] = set()
    moment = timezone.localtime(start)
    end = timezone.localtime(end)
    while moment <= end and len(slots) < 21:
        part = next(part for last, part in PARTS_BY_HOUR if moment.hour < last)
        slots.add(f"{DAY_KEYS[moment.weekday()]}_{part}")
        moment += timedelta(hours=1)
    return frozenset(slots)


def place_of(req: HelpRequest):
    """Where the help is needed: the resident's postcode, else their sector's centre."""
    from kith.matching.cards import point_for_postcode

    resident = req.resident
    return point_for_postcode(resident.postcode) or point_for_postcode(resident.postcode_sector)


def need_for(req: HelpRequest, policy: RequestPolicy | None = None) -> core.Need | None:
    place = place_of(req)
    if place is None:
        return None
    policy = policy or RequestPolicy.for_group(req.group)
    # Any slot between now and when it is needed by; no date: any time at all.
    slots = slots_between(timezone.now(), req.needed_by) if req.needed_by else frozenset()
    language = (req.resident.language or "").strip().lower()
    # "helped this resident twice": explanations reach volunteers before the name may.
    return core.Need(id=req.pk, service=req.service, place=place, resident_id=req.resident_id,
                     resident_name="this resident", max_km=policy.match_max_km, slots=slots,
                     language="" if language == "english" else language,
                     language_required=req.service == "interpreting")


def asked_already(req: HelpRequest) -> set[int]:
    """Not asked again: whoever was offered it, and whoever had it and gave it back."""
    return (set(req.offers.values_list("volunteer_id", flat=True))
            | set(req.assignments.values_list("volunteer_id", flat=True)))


@dataclass
class Suggestion:
    """The next round for a coordinator to see: who, why, or why nobody."""

    candidates: list[core.Candidate] = field(default_factory=list)
    why_nobody: str = ""
    # Where to put right what stops it (the resident's edit page, when the address is missing).
    fix_url: str = ""


def _missing_for_visit(req: HelpRequest) -> Suggestion | None:
    """Help at the door with no address: nobody is offered it until one is added."""
    from kith.requests import visits

    if not visits.missing_for_visit(req):
        return None
    return Suggestion(why_nobody=visits.missing_words(req), fix_url=visits.edit_url(req))


def suggest(req: HelpRequest, policy: RequestPolicy | None = None) -> Suggestion:
    from kith.matching.adapter import rank_need

    missing = _missing_for_visit(req)
    if missing is not None:
        return missing
    policy = policy or RequestPolicy.for_group(req.group)
    need = need_for(req, policy)
    if need is None:
        from kith.requests.visits import edit_url

        return Suggestion(why_nobody="Kith doesn't know where this is: add the resident's "
                                     "postcode on their page, then try again.",
                          fix_url=edit_url(req, "postcode"))
    from kith.accounts.models import Person

    ranking = rank_need([req.group_id], need, policy.weights(), exclude=asked_already(req))
    cleared, held_back = [], []
    ids = [c.volunteer.id for c in ranking.candidates]
    people = Person.objects.in_bulk(ids)
    facts, today = facts_for_many(ids, req.group), timezone.localdate()
    for candidate in ranking.candidates:
        person = people[candidate.volunteer.id]
        if reasons_not_to_take(facts[person.pk], req.service, today):
            refresh_for_person(person)  # the card was out of date: mend it
        elif held_back_by := request_reasons(person, req):
            held_back += held_back_by  # this request's own rule (a prescription's policy)
        else:
            cleared.append(candidate)
    if cleared:
        return Suggestion(cleared)
    if held_back:
        return Suggestion(why_nobody=f"Nobody may be offered this: the nearest volunteer "
                                     f"{reason_text(held_back[0])}. Assign it by hand, or "
                                     "see Safety settings.")
    return Suggestion(why_nobody=ranking.why_nobody(req.get_service_display().lower())
                      or "Nobody can take this just now.")


def _recheck(req: HelpRequest, chosen: list[core.Candidate]) -> Suggestion:
    missing = _missing_for_visit(req)
    if missing is not None:
        return missing
    asked = asked_already(req)
    ok = [c for c in chosen if c.volunteer.id not in asked and not request_services.refusals(
        _person(c.volunteer.id), req.group, req.service, req=req)]
    return Suggestion(ok, "" if ok else "The proposed volunteer can't take it any more.")


def _person(pk: int):
    from kith.accounts.models import Person

    return Person.objects.get(pk=pk)


@transaction.atomic
def offer_round(req: HelpRequest, *, actor, now=None,
                chosen: list[core.Candidate] | None = None, automatic: bool = False) -> Suggestion:
    """Offer the request to the next cluster (or to `chosen`, from batch matching, each
    checked again). A triaged request is made ready first. With nobody to offer it to, says
    why on the timeline and tells the coordinators."""
    from kith.matching import notify

    now = now or timezone.now()
    req = locked(req)
    if req.state == lifecycle.TRIAGED:
        make_move(req, "start_matching", actor=actor, now=now)
    if req.state != lifecycle.MATCHING:
        raise IllegalMove("Only a request that is waiting for a volunteer can be offered.")
    if automatic and req.offer_rounds >= ROUNDS:
        return Suggestion(why_nobody="Kith has finished offering this one.")  # changed meanwhile
    policy = RequestPolicy.for_group(req.group)
    suggestion = suggest(req, policy) if chosen is None else _recheck(req, chosen)
    if not suggestion.candidates:
        if chosen is None:
            _nobody(req, suggestion.why_nobody, actor=actor)
        return suggestion
    round_no = req.offer_rounds + 1
    expires = now + timedelta(hours=policy.offer_hours)
    offers = [Offer.objects.create(request=req, volunteer_id=c.volunteer.id, round=round_no,
                                   place_in_round=i, distance_km=c.distance_km,
                                   explanation=c.explanation[:200], created_at=now,
                                   expires_at=expires)
              for i, c in enumerate(suggestion.candidates, start=1)]
    HelpRequest.objects.filter(pk=req.pk).update(offer_rounds=round_no)
    req.offer_rounds = round_no
    names = ", ".join(c.volunteer.name for c in suggestion.candidates)
    make_move(req, "offer", actor=actor, now=now,
                           note=f"Round {round_no}: offered to {names}",
                           extra={"round": round_no, "volunteers": [o.volunteer_id for o in offers],
                                  "expires_at": expires.isoformat()})
    notify.offered(offers)
    return suggestion


def _nobody(req: HelpRequest, why: str, *, actor) -> None:
    """Nobody to offer it to: say why once, tell the coordinators, and stop offering it
    by itself until someone changes something (ROUNDS marks it done)."""
    from kith.matching import notify

    HelpRequest.objects.filter(pk=req.pk).update(offer_rounds=ROUNDS)
    req.offer_rounds = ROUNDS
    add_event(req, "nobody_to_offer", actor=actor, note=why)
    log_action("kith.offer.nobody", actor=actor, group=req.group, obj=req, new={"why": why})
    notify.needs_coordinator(req, why)


@dataclass
class Answer:
    """What the volunteer sees after pressing a button."""

    outcome: str  # "accepted", "taken", "expired", "withdrawn", "declined"
    offer: Offer
    assignment: object | None = None


@transaction.atomic
def accept(offer: Offer, *, person, now=None, tell_volunteer: bool = True) -> Answer:
    """The first volunteer to accept gets the task; everyone else learns it was taken.
    `tell_volunteer=False`: the caller answers them itself (a YES by text gets one reply)."""
    now = now or timezone.now()
    if offer.volunteer_id != person.pk:
        raise NotAllowed("This offer was made to someone else.")
    req = locked(offer.request)  # every acceptance of this request queues here
    offer = Offer.objects.get(pk=offer.pk)
    if offer.state == Offer.State.ACCEPTED:
        return Answer("accepted", offer, req.current_assignment)
    if offer.state != Offer.State.OPEN or req.state != lifecycle.OFFERED:
        return Answer(closed_outcome(offer), offer)
    if offer.expires_at <= now:
        _close(offer, Offer.State.EXPIRED, now)
        if not req.offers.filter(state=Offer.State.OPEN).exists():
            _round_over(req, now)  # the sweep would not find this round again
        return Answer("expired", offer)
    refused = (request_services.refusals(person, req.group, req.service, to_volunteer=True,
                                         req=req)
               + over_cap(person, now))
    if refused:  # said to the volunteer, on the page or by text: in the second person
        raise IllegalMove(f"You can't take {req.get_service_display().lower()} tasks here just "
                          f"now: you {', and '.join(refused)}.")
    assignment = request_services.hand_over(
        req, person, action="accept", actor=person, now=now, tell_volunteer=tell_volunteer,
        reason=f"Accepted an offer (round {offer.round}): {offer.explanation}")
    _close(offer, Offer.State.ACCEPTED, now)
    close_open_offers(req, taken=True, now=now)
    log_action("kith.offer.accepted", actor=person, group=req.group, obj=offer,
               new={"request": req.reference, "round": offer.round})
    return Answer("accepted", offer, assignment)


def over_cap(person, now) -> list[str]:
    """Accepting would take them past their own weekly limit (offers can overlap): said to
    them, after "you"."""
    from kith.matching.load import start_of_week
    from kith.requests.models import Assignment

    cap = getattr(getattr(person, "volunteer", None), "weekly_cap", None)
    if cap is None or Assignment.objects.filter(
            volunteer=person, assigned_at__gte=start_of_week(now)).count() < cap:
        return []
    return [f"have already taken {cap} task{'s' if cap != 1 else ''} this week, your own "
            "weekly limit"]


def closed_outcome(offer: Offer) -> str:
    if offer.state == Offer.State.DECLINED:
        return "declined"
    if offer.state == Offer.State.EXPIRED:
        return "expired"
    if offer.state == Offer.State.TAKEN:
        return "taken"
    return "withdrawn"


def _close(offer: Offer, state: str, now, reason: str = "") -> None:
    Offer.objects.filter(pk=offer.pk).update(state=state, answered_at=now, reason=reason)
    offer.state, offer.answered_at, offer.reason = state, now, reason
    if state == Offer.State.DECLINED:  # the decline counts against them on their cards now
        from kith.matching.load import refresh_load

        refresh_load(offer.volunteer_id)


def close_open_offers(req: HelpRequest, *, taken: bool, now) -> int:
    """End the request's open offers: taken (someone has it) or withdrawn (it was stopped)."""
    state = Offer.State.TAKEN if taken else Offer.State.WITHDRAWN
    return Offer.objects.filter(request=req, state=Offer.State.OPEN).update(
        state=state, answered_at=now)


@transaction.atomic
def decline(offer: Offer, *, person, reason: str, now=None) -> Answer:
    """No thank you, with a reason. The last open offer of a round declined widens it."""
    now = now or timezone.now()
    if offer.volunteer_id != person.pk:
        raise NotAllowed("This offer was made to someone else.")
    if reason not in Offer.Reason.values:
        raise IllegalMove("Choose a reason from the list.")
    req = locked(offer.request)
    offer = Offer.objects.get(pk=offer.pk)
    if offer.state != Offer.State.OPEN:
        return Answer(closed_outcome(offer), offer)
    _close(offer, Offer.State.DECLINED, now, reason)
    log_action("kith.offer.declined", actor=person, group=req.group, obj=offer,
               new={"request": req.reference, "reason": reason})
    if not req.offers.filter(state=Offer.State.OPEN).exists():
        _round_over(req, now)
    return Answer("declined", offer)


@transaction.atomic
def withdraw(offer: Offer, *, why: str, acting_user, now=None) -> bool:
    """The volunteer may no longer hold this offer (their role changed: handover.py): it is
    withdrawn, and if it was the round's last open offer the round widens, as on a decline.
    Runs inside the transaction of the change. Returns whether it was still open."""
    now = now or timezone.now()
    req = locked(offer.request)
    if not Offer.objects.filter(pk=offer.pk, state=Offer.State.OPEN).exists():
        return False
    _close(offer, Offer.State.WITHDRAWN, now)
    log_action("kith.offer.withdrawn", actor=acting_user, group=req.group, obj=offer,
               new={"request": req.reference, "volunteer": offer.volunteer_id, "why": why})
    if not req.offers.filter(state=Offer.State.OPEN).exists():
        _round_over(req, now)
    return True


def _round_over(req: HelpRequest, now) -> None:
    """Nobody took this round: back to matching, then the next few, or a coordinator."""
    from kith.matching import notify

    if req.state != lifecycle.OFFERED:
        return
    make_move(req, "offers_lapsed", actor=None, now=now,
                           note=f"Nobody took round {req.offer_rounds}")
    if req.offer_rounds < ROUNDS:
        offer_round(req, actor=None, now=now, automatic=True)
    else:
        why = f"Offered to {req.offers.count()} volunteers in {req.offer_rounds} rounds; nobody took it."
        add_event(req, "offers_exhausted", actor=None, note=why)
        notify.needs_coordinator(req, why)


def expire_offers(now=None) -> int:
    """The sweep: offers past their time expire; a round with none left open widens."""
    now = now or timezone.now()
    due = (HelpRequest.objects.filter(state=lifecycle.OFFERED,
                                      offers__state=Offer.State.OPEN, offers__expires_at__lte=now)
           .distinct().values_list("pk", flat=True))
    expired = 0
    for pk in list(due):
        with transaction.atomic():
            req = locked(HelpRequest(pk=pk))
            expired += Offer.objects.filter(request=req, state=Offer.State.OPEN,
                                            expires_at__lte=now).update(
                state=Offer.State.EXPIRED, answered_at=now)
            if not req.offers.filter(state=Offer.State.OPEN).exists():
                _round_over(req, now)
    return expired


def offer_waiting(now=None) -> int:
    """The sweep: requests waiting for a volunteer that Kith has not finished offering."""
    now = now or timezone.now()
    waiting = HelpRequest.objects.filter(state=lifecycle.MATCHING, offer_rounds__lt=ROUNDS)
    offered = 0
    for req in waiting.select_related("group", "resident"):
        try:
            suggestion = offer_round(req, actor=None, now=now, automatic=True)
        except (IllegalMove, NotAllowed):
            continue  # someone moved it meanwhile
        offered += bool(suggestion.candidates)
    return offered
