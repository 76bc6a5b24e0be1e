"""The load facts on a match card always equal the aggregate a search used to count.

Random sequences of tasks given, ended and deleted, and offers made, declined and deleted: after
each sequence, every volunteer's card gives the core the same facts as counting their rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kith.matching import load
from kith.matching.models import MatchCard, Offer
from kith.matching.offers import _close
from kith.requests.models import Assignment
from tests.matching.conftest import copy_request, make_volunteer, waiting_request

pytestmark = pytest.mark.django_db


def counted(person_id: int, resident_id: int, now) -> dict:
    """The facts as the search counted them before they were kept on the card."""
    week, month = load.start_of_week(now), now - load.WINDOW
    row = Assignment.objects.filter(volunteer_id=person_id).aggregate(
        week=Count("id", filter=Q(assigned_at__gte=week)),
        month=Count("id", filter=Q(assigned_at__gte=month)), last=Max("assigned_at"),
        helped=Count("id", filter=Q(end=Assignment.End.DONE, request__resident_id=resident_id)))
    declined = Offer.objects.filter(volunteer_id=person_id, state=Offer.State.DECLINED,
                                    answered_at__gte=month).count()
    return {"tasks_this_week": row["week"], "tasks_30_days": row["month"],
            "days_since_last_task": None if row["last"] is None
            else (now - row["last"]).total_seconds() / 86400,
            "helped": {resident_id: row["helped"]} if row["helped"] else {},
            "declined_recently": declined}


def on_card(person_id: int, resident_id: int, now) -> dict:
    """The same facts as a search reads them: from the card, and the resident's helpers."""
    cards = list(MatchCard.objects.filter(person_id=person_id)
                 .values_list("task_times", "last_task", "decline_times"))
    assert cards and len(set(cards)) == 1  # every card of theirs says the same
    helped = load.helped_by(resident_id).get(person_id, 0)
    return load.Window(now).history(*cards[0], helped, resident_id)


def same(a: dict, b: dict) -> bool:
    days_a, days_b = a.pop("days_since_last_task"), b.pop("days_since_last_task")
    if (days_a is None) != (days_b is None):
        return False
    return a == b and (days_a is None or abs(days_a - days_b) < 1e-6)


@pytest.fixture
def scene(street, priya, mrs_ahmed):
    volunteers = [make_volunteer(street, priya, name, postcode)
                  for name, postcode in [("Ann", "W10 5PZ"), ("Ben", "W10 5QA")]]
    first = waiting_request(street, priya, mrs_ahmed)
    requests = [first, copy_request(first, priya), copy_request(first, priya)]
    return volunteers, requests


HOURS = st.integers(min_value=0, max_value=24 * 45)  # across the week and the 30 days
STEPS = st.lists(st.one_of(
    st.tuples(st.just("give"), st.integers(0, 1), st.integers(0, 2), HOURS,
              st.sampled_from(["", *Assignment.End.values])),
    st.tuples(st.just("end"), st.integers(0, 30), st.sampled_from(Assignment.End.values)),
    st.tuples(st.just("drop_task"), st.integers(0, 30)),
    st.tuples(st.just("offer"), st.integers(0, 1), st.integers(0, 2), HOURS, st.booleans()),
    st.tuples(st.just("drop_offer"), st.integers(0, 30)),
), max_size=12)


def play(step, volunteers, requests, now) -> None:
    """One change, made the way Kith makes it (a create, a bulk update, a cascade delete)."""
    kind, *args = step
    if kind == "give":
        who, which, hours, end = args
        req = requests[which]
        if not end and Assignment.objects.filter(request=req, ended_at__isnull=True).exists():
            end = Assignment.End.DONE  # one open task per request
        at = now - timedelta(hours=hours)
        Assignment.objects.create(request=req, volunteer=volunteers[who], assigned_at=at,
                                  due_by=at + timedelta(days=1), end=end,
                                  ended_at=at + timedelta(hours=1) if end else None)
    elif kind == "end":  # as requests.moves ends a task: a bulk update, load unchanged
        task = Assignment.objects.order_by("pk").filter(ended_at__isnull=True)[args[0]:][:1]
        Assignment.objects.filter(pk__in=task).update(ended_at=now, end=args[1])
    elif kind == "drop_task":  # its request deleted: the task goes with it
        task = Assignment.objects.order_by("pk")[args[0]:][:1].first()
        if task is not None:
            task.delete()
    elif kind == "offer":
        who, which, hours, declined = args
        offer, new = Offer.objects.get_or_create(
            request=requests[which], volunteer=volunteers[who],
            defaults={"distance_km": 1.0, "explanation": "near", "expires_at": now})
        if declined and new:
            _close(offer, Offer.State.DECLINED, now - timedelta(hours=hours), "busy")
    else:
        offer = Offer.objects.order_by("pk")[args[0]:][:1].first()
        if offer is not None:
            offer.delete()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=STEPS, look_back_hours=st.integers(0, 24 * 6))
def test_the_card_keeps_the_counts_exact_after_any_changes(scene, steps, look_back_hours):
    volunteers, requests = scene
    now = timezone.now()
    resident_id = requests[0].resident_id
    with transaction.atomic():
        for step in steps:
            play(step, volunteers, requests, now)
        # A search at any time since the last change (or a little before it) reads exactly.
        for when in (now, now - timedelta(hours=look_back_hours), now + timedelta(days=9)):
            for person in volunteers:
                assert same(on_card(person.pk, resident_id, when),
                            counted(person.pk, resident_id, when)), (person, when, steps)
        transaction.set_rollback(True)


def test_a_new_card_starts_with_the_load_its_volunteer_carries(scene, other_street, priya):
    """Joining another group makes a card there: it knows their tasks from the start."""
    from kith.groups.models import Membership

    (ann, _), requests = scene
    now = timezone.now()
    Assignment.objects.create(request=requests[0], volunteer=ann, assigned_at=now,
                              due_by=now + timedelta(days=1))
    Membership.objects.create(group=other_street, person=ann, is_volunteer=True)
    cards = MatchCard.objects.filter(person=ann)
    assert cards.count() == 2
    assert {c.task_times for c in cards} == {str(load.micros(now))}
    assert {c.last_task for c in cards} == {load.micros(now)}
