"""The check-in sweep on a random clock: however often it runs, and whenever the volunteer
says they are safe, each step happens at most once, in order, never before its grace, and
nothing happens after safe. Each example runs in a savepoint rolled back at its end."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kith.messaging.models import Message
from kith.safety import checkins
from kith.safety.models import CheckIn, SafetyPolicy

pytestmark = pytest.mark.django_db

GRACE = 20


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=st.lists(st.integers(min_value=-30, max_value=150), min_size=1, max_size=12),
       safe_after=st.one_of(st.none(), st.integers(min_value=0, max_value=11)))
def test_each_step_once_in_order_and_never_early(task, tom, priya, lena, street, runs,
                                                 safe_after):
    with transaction.atomic():
        SafetyPolicy.objects.update_or_create(group=street, defaults={"grace_minutes": GRACE})
        check_in = checkins.do_start_visit(task, acting_user=tom, minutes=30)
        sent_before_safe = None
        for n, minutes in enumerate(sorted(runs)):
            if safe_after == n:
                checkins.do_mark_safe(check_in, acting_user=tom, finish=False)
                sent_before_safe = Message.objects.exclude(
                    template__endswith="check_in_safe.txt").count()
            checkins.sweep(check_in.due_at + timedelta(minutes=minutes))
        found = CheckIn.objects.get(pk=check_in.pk)
        due, grace = found.due_at, timedelta(minutes=GRACE)
        stamps = [found.asked_at, found.alerted_at, found.escalated_at]
        set_ = [s for s in stamps if s is not None]
        assert stamps[:len(set_)] == set_, "a later step before an earlier one"
        assert set_ == sorted(set_)
        assert found.asked_at is None or found.asked_at >= due
        assert found.alerted_at is None or found.alerted_at >= due + grace
        assert found.escalated_at is None or found.escalated_at >= found.alerted_at + grace
        for kind in ("ask", "missed", "escalated"):
            assert Message.objects.filter(template__endswith=f"check_in_{kind}.txt").count() <= 1
        if sent_before_safe is not None:
            # After safe: nothing but the all-clear to those already alerted.
            extra = Message.objects.exclude(template__endswith="check_in_safe.txt").count()
            assert extra == sent_before_safe
        transaction.set_rollback(True)
