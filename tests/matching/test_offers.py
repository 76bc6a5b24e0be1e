"""Offers through the real database: the adapter's ranking, rounds, first acceptance wins,
declines, expiry and widening, the coordinator's alert, and the match cards behind it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.matching import offers
from kith.matching.adapter import rank_for
from kith.matching.models import MatchCard, Offer
from kith.requests import lifecycle, sweeps
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import HelpRequest
from kith.requests.moves import NotAllowed
from kith.volunteers import services as volunteer_services
from tests.matching.conftest import make_volunteer

pytestmark = pytest.mark.django_db


def names(people_or_offers) -> list[str]:
    return [getattr(x, "volunteer", x).display_name for x in people_or_offers]


def fresh(obj):
    obj.refresh_from_db()
    return obj


# --- the adapter and its cards


def test_the_nearest_cleared_volunteers_come_first_with_reasons(crew, waiting):
    ranking = rank_for(waiting.group, "shopping", offers.place_of(waiting), k=3)
    assert [c.volunteer.name for c in ranking.candidates] == ["Ann", "Ben", "Cat"]
    first = ranking.candidates[0]
    assert first.distance_km < 0.2 and first.explanation.startswith(
        "under 0.1 miles" if first.distance_km < 0.16 else f"{first.distance_km / 1.609:.1f} miles")


def test_cards_follow_profiles_breaks_and_approval(crew, street, priya):
    ann = crew[0]
    card = MatchCard.objects.get(person=ann, group=street)
    assert card.cell and card.home and card.home != "" and card.paused_until is None
    profile = ann.volunteer
    volunteer_services.take_break(profile, until=date.today() + timedelta(days=7), acting_user=ann)
    assert fresh(card).paused_until == date.today() + timedelta(days=7)
    volunteer_services.withdraw_approval(street.memberships.get(person=ann), acting_user=priya)
    assert fresh(card).cleared == 0


def test_nobody_says_why(street, priya, waiting):
    make_volunteer(street, priya, "Far", "W10 6AA", radius_km=1)  # 1.2 km away, goes 1 km
    make_volunteer(street, priya, "Chelsea", "SW3 5RZ")  # 5 km: beyond the group's 3 km
    make_volunteer(street, priya, "New", "W10 5PZ", cleared=False)
    resting = make_volunteer(street, priya, "Resting", "W10 5BN")
    volunteer_services.take_break(resting.volunteer, until=date.today() + timedelta(days=3),
                                  acting_user=resting)
    suggestion = offers.suggest(waiting)
    assert suggestion.candidates == []
    assert suggestion.why_nobody.startswith("Nobody can take this: ")
    assert suggestion.why_nobody.count("volunteer") == 3  # Chelsea is not even considered
    for part in ["1 volunteer lives too far away", "1 volunteer isn't cleared for shopping",
                 "1 volunteer is on a break"]:
        assert part in suggestion.why_nobody


def test_nobody_near_says_so(street, priya, waiting):
    make_volunteer(street, priya, "Chelsea", "SW3 5RZ")
    assert offers.suggest(waiting).why_nobody == (
        "Nobody can take this: no volunteer lives within 1.9 miles.")  # 3 km


def test_a_stale_card_is_mended_and_skipped(crew, waiting, street):
    from kith.volunteers.models import Vetting

    ann = crew[0]
    Vetting.objects.filter(person=ann, group=street).update(approved_at=None)  # no signal
    suggestion = offers.suggest(waiting)
    assert "Ann" not in [c.volunteer.name for c in suggestion.candidates]
    assert MatchCard.objects.get(person=ann, group=street).cleared == 0


# --- a round of offers


def test_a_round_offers_to_the_groups_k_best(crew, waiting, priya, mailoutbox,
                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        offers.offer_round(waiting, actor=priya)
    waiting = fresh(waiting)
    assert waiting.state == lifecycle.OFFERED and waiting.offer_rounds == 1
    made = list(waiting.offers.order_by("place_in_round"))
    assert names(made) == ["Ann", "Ben", "Cat"]
    assert all(o.expires_at - o.created_at == timedelta(hours=2) for o in made)
    assert sorted(m.to[0] for m in mailoutbox) == ["ann@example.org", "ben@example.org",
                                                   "cat@example.org"]
    assert "W10 5NW" not in mailoutbox[0].body  # no address in an offer
    assert AuditEvent.objects.filter(action="kith.request.offer", actor=priya).exists()


def test_an_offer_says_how_far_in_miles_like_the_directory(crew, waiting, priya, mailoutbox,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        offers.offer_round(waiting, actor=priya)
    offer = fresh(waiting).offers.order_by("place_in_round").first()
    body = next(m.body for m in mailoutbox if m.to == [offer.volunteer.email])
    assert re.search(r"It is about (\d+(\.\d)? miles?|under 0\.1 miles) from you\.", body), body
    assert not re.search(r"\bkm\b", body)
    client = Client()
    client.force_login(offer.volunteer)
    page = client.get(offer.get_absolute_url()).content.decode()
    assert " from you" in page and not re.search(r"\d km\b", page)


def test_the_first_to_accept_gets_it_and_the_others_see_it_taken(crew, waiting, priya):
    offers.offer_round(waiting, actor=priya)
    ann, ben, cat = (waiting.offers.get(volunteer__display_name=n) for n in ["Ann", "Ben", "Cat"])
    answer = offers.accept(ben, person=ben.volunteer)
    assert answer.outcome == "accepted"
    waiting = fresh(waiting)
    assert waiting.state == lifecycle.ASSIGNED
    assert waiting.current_assignment.volunteer == ben.volunteer
    assert waiting.current_assignment.assigned_by == ben.volunteer
    assert (fresh(ann).state, fresh(cat).state) == (Offer.State.TAKEN, Offer.State.TAKEN)
    assert offers.accept(ann, person=ann.volunteer).outcome == "taken"
    assert offers.accept(ben, person=ben.volunteer).outcome == "accepted"  # pressed twice
    assert waiting.assignments.count() == 1


def test_only_the_volunteer_offered_can_accept(crew, waiting, priya):
    offers.offer_round(waiting, actor=priya)
    offer = waiting.offers.first()
    with pytest.raises(NotAllowed):
        offers.accept(offer, person=crew[-1])
    assert fresh(waiting).state == lifecycle.OFFERED


def test_a_volunteer_who_lost_clearance_cannot_accept(crew, waiting, priya, street):
    from kith.volunteers.models import Vetting

    offers.offer_round(waiting, actor=priya)
    offer = waiting.offers.get(volunteer=crew[0])
    # Behind the services' back, so the offer stays open: acceptance asks the rules again.
    Vetting.objects.filter(person=crew[0], group=street).update(approved_at=None)
    with pytest.raises(IllegalMove, match="just now: you are not approved yet"):
        offers.accept(offer, person=crew[0])
    assert fresh(offer).state == Offer.State.OPEN and fresh(waiting).state == lifecycle.OFFERED


def test_withdrawing_approval_withdraws_their_open_offer(crew, waiting, priya, street):
    offers.offer_round(waiting, actor=priya)
    offer = waiting.offers.get(volunteer=crew[0])
    volunteer_services.withdraw_approval(street.memberships.get(person=crew[0]), acting_user=priya)
    assert fresh(offer).state == Offer.State.WITHDRAWN
    assert offers.accept(offer, person=crew[0]).outcome == "withdrawn"
    assert fresh(waiting).state == lifecycle.OFFERED  # the rest of the round is still open


def test_declines_widen_to_the_next_cluster_then_tell_a_coordinator(
        crew, waiting, priya, mailoutbox, django_capture_on_commit_callbacks):
    offers.offer_round(waiting, actor=priya)
    for offer in waiting.offers.all():
        offers.decline(offer, person=offer.volunteer, reason="busy")
    waiting = fresh(waiting)
    assert waiting.state == lifecycle.OFFERED and waiting.offer_rounds == 2
    assert names(waiting.offers.filter(round=2).order_by("place_in_round")) == ["Dev", "Eve"]
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for offer in waiting.offers.filter(round=2):
            offers.decline(offer, person=offer.volunteer, reason="far")
    waiting = fresh(waiting)
    assert waiting.state == lifecycle.MATCHING
    assert waiting.events.filter(action="offers_exhausted").exists()
    assert [m.to for m in mailoutbox] == [["priya@example.org"]]
    # The sweep leaves it for the coordinator now.
    assert sweeps.tick()["requests_offered"] == 0
    # Declines count against them for a month: a busy volunteer is asked later.
    ranking = rank_for(waiting.group, "shopping", offers.place_of(waiting), k=5)
    assert all(c.volunteer.declined_recently == 1 for c in ranking.candidates)


def test_a_decline_needs_a_known_reason(crew, waiting, priya):
    offers.offer_round(waiting, actor=priya)
    offer = waiting.offers.first()
    with pytest.raises(IllegalMove, match="reason"):
        offers.decline(offer, person=offer.volunteer, reason="because")
    assert fresh(offer).state == Offer.State.OPEN


def test_offers_expire_and_widen_in_the_sweep(crew, waiting, priya):
    offers.offer_round(waiting, actor=priya)
    later = timezone.now() + timedelta(hours=2, minutes=1)
    result = sweeps.tick(now=later)
    assert result["offers_expired"] == 3
    waiting = fresh(waiting)
    assert waiting.state == lifecycle.OFFERED and waiting.offer_rounds == 2
    assert waiting.offers.filter(state=Offer.State.EXPIRED).count() == 3
    assert waiting.offers.filter(state=Offer.State.OPEN).count() == 2
    expired = waiting.offers.filter(state=Offer.State.EXPIRED).first()
    assert offers.accept(expired, person=expired.volunteer).outcome == "expired"


def test_the_sweep_offers_requests_waiting_for_a_volunteer(crew, waiting):
    assert sweeps.tick()["requests_offered"] == 1
    assert fresh(waiting).state == lifecycle.OFFERED
    assert sweeps.tick()["requests_offered"] == 0


def test_assigning_by_hand_closes_the_open_offers(crew, waiting, priya):
    from kith.requests import services

    offers.offer_round(waiting, actor=priya)
    services.assign(waiting, crew[-1], actor=priya, reason="Knows her well")
    assert set(waiting.offers.values_list("state", flat=True)) == {Offer.State.TAKEN}
    offer = waiting.offers.first()
    assert offers.accept(offer, person=offer.volunteer).outcome == "taken"


def test_cancelling_withdraws_the_offers(crew, waiting, priya):
    from kith.requests import services

    offers.offer_round(waiting, actor=priya)
    services.transition(waiting, "cancel", actor=priya, note="Her son is back")
    assert set(waiting.offers.values_list("state", flat=True)) == {Offer.State.WITHDRAWN}


def test_a_handed_back_task_is_not_offered_to_the_same_volunteer(crew, waiting, priya):
    from kith.requests import services

    offers.offer_round(waiting, actor=priya)
    ann_offer = waiting.offers.get(volunteer=crew[0])
    offers.accept(ann_offer, person=crew[0])
    services.hand_back(fresh(waiting), actor=crew[0], note="Unwell")
    waiting = fresh(waiting)
    assert waiting.offer_rounds == 0  # a fresh search
    offers.offer_round(waiting, actor=priya)
    assert "Ann" not in names(fresh(waiting).offers.filter(state=Offer.State.OPEN))


def test_only_waiting_requests_can_be_offered(crew, waiting, priya):
    offers.offer_round(waiting, actor=priya)
    with pytest.raises(IllegalMove):
        offers.offer_round(fresh(waiting), actor=priya)
    assert HelpRequest.objects.get(pk=waiting.pk).offer_rounds == 1


# --- found in review


def test_a_late_accept_on_the_last_open_offer_widens_the_round(crew, waiting, priya):
    offers.offer_round(waiting, actor=priya)
    first, second, third = waiting.offers.order_by("place_in_round")
    offers.decline(first, person=first.volunteer, reason="busy")
    offers.decline(second, person=second.volunteer, reason="busy")
    late = third.expires_at + timedelta(minutes=1)
    assert offers.accept(third, person=third.volunteer, now=late).outcome == "expired"
    waiting = fresh(waiting)
    assert waiting.state == lifecycle.OFFERED and waiting.offer_rounds == 2
    assert waiting.offers.filter(state=Offer.State.OPEN).exists()


def test_explanations_never_name_the_resident(crew, waiting, priya):
    from kith.requests import services
    from kith.requests.intake import Contact, Need, take_request

    offers.offer_round(waiting, actor=priya)
    offers.accept(waiting.offers.get(volunteer=crew[0]), person=crew[0])
    services.complete(fresh(waiting), actor=crew[0])
    services.transition(fresh(waiting), "close", actor=priya)
    again = take_request(waiting.group, channel="phone", contact=Contact(name="Mrs Ahmed"),
                         need=Need(service="shopping"), acting_user=priya,
                         resident=waiting.resident, triage=True).request
    services.transition(again, "start_matching", actor=priya)
    offers.offer_round(again, actor=priya)
    explanations = list(again.offers.values_list("explanation", flat=True))
    assert any("helped this resident once" in e for e in explanations)
    assert not any("Ahmed" in e for e in explanations)


def test_a_volunteer_at_their_weekly_limit_cannot_accept_more(street, priya, waiting):
    from tests.matching.conftest import copy_request

    busy = make_volunteer(street, priya, "Busy", "W10 5PZ", weekly_cap=1)
    other = copy_request(waiting, priya)
    offers.offer_round(waiting, actor=priya)
    offers.offer_round(other, actor=priya)
    assert offers.accept(waiting.offers.get(volunteer=busy), person=busy).outcome == "accepted"
    with pytest.raises(IllegalMove) as refused:
        offers.accept(other.offers.get(volunteer=busy), person=busy)
    # Said to Busy themselves (the page, or the text answering YES): "you", "your".
    assert str(refused.value).endswith(
        "just now: you have already taken 1 task this week, your own weekly limit.")
    assert "their" not in str(refused.value)
