"""The demo's pharmacy run in East Barnet: loads on its own, twice without adding anything,
and splits into routes for its vetted volunteers, listing the one stop it cannot place."""

from __future__ import annotations

import pytest

from kith.core.models import AuditEvent
from kith.groups.models import Group
from kith.runs import services
from kith.runs.models import Run, Stop

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    from kith.demo.loader import DemoContext
    from kith.demo.runs import load_runs
    from kith.groups import services as group_services

    ctx = DemoContext()
    ctx.groups["demo-network"] = group_services.create_group(
        acting_user=None, parent=None, slug="demo-network", name="Network", kind="network")
    return ctx, load_runs(ctx), load_runs


def test_it_loads_a_pharmacy_run_ready_to_split(loaded):
    ctx, summary, load_runs = loaded
    assert summary == "1 pharmacy run ready to split (20 stops, 1 unknown postcode)"
    run = Run.objects.get()
    assert (run.state, run.service, run.group.slug) == ("draft", "prescriptions", "east-barnet")
    assert run.group.parent.slug == "demo-network" and run.group.kind == "neighbourhood"
    counts = (Run.objects.count(), Stop.objects.count(), AuditEvent.objects.count())
    load_runs(ctx)
    assert (Run.objects.count(), Stop.objects.count(), AuditEvent.objects.count()) == counts


def test_its_run_splits_between_vetted_volunteers(loaded):
    from kith.volunteers.policy import can_take

    ctx, _, _ = loaded
    run = Run.objects.get()
    group = Group.objects.get(slug="east-barnet")
    result = services.split(run, acting_user=ctx.people["rosa"], seconds=1)
    assert result.routed == 19 and [s.line for s in result.unplaced] == [20]
    assert run.routes.count() == 3
    assert all(can_take(r.volunteer, group, "prescriptions") for r in run.routes.all())
