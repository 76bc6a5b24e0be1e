"""Whatever order a person stops and restarts kinds of message in, the outbox refuses exactly
the kinds stopped now, for them and nobody else."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kith.messaging.models import Message
from kith.messaging.outbox import Email, queue_emails
from kith.transparency import consents
from kith.transparency.kinds import MESSAGE_KINDS, VOLUNTEER, kinds_for

pytestmark = pytest.mark.django_db

KINDS = [kind.key for kind in kinds_for(VOLUNTEER)]
steps = st.lists(st.tuples(st.sampled_from(["stop", "start"]), st.sampled_from(KINDS)),
                 max_size=12)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=steps)
def test_the_outbox_refuses_exactly_the_kinds_stopped(tom, priya, steps):
    with transaction.atomic():  # each example starts with nothing stopped
        stopped: set[str] = set()
        for verb, kind in steps:
            try:
                if verb == "stop":
                    consents.withdraw_messages(kind, person=tom, acting_user=tom)
                    stopped.add(kind)
                else:
                    consents.give_messages_again(kind, person=tom, acting_user=tom)
                    stopped.discard(kind)
            except consents.ConsentProblem:  # stopping twice, starting what runs: said, no change
                assert (kind in stopped) == (verb == "stop")
            assert consents.stopped_kinds(person=tom) == stopped
        emails = [Email(to=p.email, subject="x", body="x", person=p, template=template)
                  for kind in KINDS for template in sorted(MESSAGE_KINDS[kind].templates)
                  for p in (tom, priya)]
        for row in queue_emails(emails):
            kind = next(k for k in KINDS if row.template in MESSAGE_KINDS[k].templates)
            refused = row.state == Message.State.FAILED and row.error == consents.WITHDRAWN
            assert refused == (row.person_id == tom.pk and kind in stopped)
        transaction.set_rollback(True)
