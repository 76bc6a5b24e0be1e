"""Changing a group's request settings (RequestPolicy): one transaction with its audit row."""

from __future__ import annotations

from django.db import transaction

from kith.core.audit import log_action, snapshot
from kith.requests.models import RequestPolicy

FIELDS = ["callback_target_hours", "assignment_window_hours", "reminder_grace_hours",
          "checkup_stages", "checkup_delay_hours", "offer_to", "offer_hours", "match_max_km",
          "fairness_weight", "continuity_weight"]


@transaction.atomic
def update_policy(group, *, actor, **values) -> tuple[RequestPolicy, bool]:
    """Save the group's settings; returns (policy, changed). Nothing changed, nothing written."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"not request settings: {sorted(unknown)}")
    policy = (RequestPolicy.objects.select_for_update().filter(group=group).first()
              or RequestPolicy(group=group))
    old = snapshot(policy, FIELDS)
    for name, value in values.items():
        if name == "checkup_stages":
            # Kept in the order the choices list them, so "no change" compares equal.
            order = [stage for stage, _ in RequestPolicy.Stage.choices]
            value = [stage for stage in order if stage in set(value)]
        setattr(policy, name, value)
    new = snapshot(policy, FIELDS)
    changed = [name for name in FIELDS if old[name] != new[name]]
    first_save = policy.pk is None
    if not changed:  # nor a first row that only repeats the defaults it was already following
        return policy, False
    policy.save()
    # The fields that changed; the first save of a group's settings records them all.
    shown = FIELDS if first_save else changed
    log_action("kith.request.policy_changed", actor=actor, group=group, obj=policy,
               old={name: old[name] for name in shown}, new={name: new[name] for name in shown})
    return policy, True
