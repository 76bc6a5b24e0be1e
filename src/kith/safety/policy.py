"""A group's safety settings: check-in times and who may collect prescriptions."""

from __future__ import annotations

from django.db import transaction

from kith.core.audit import log_action
from kith.safety.models import SafetyPolicy
from kith.safety.prescriptions import check_policy

FIELDS = ("visit_minutes", "grace_minutes", "prescriptions", "controlled_drugs")


@transaction.atomic
def do_save_policy(group, *, acting_user, **values) -> SafetyPolicy:
    """Coordinators only (the page asks safety.settings). Nothing changed writes nothing."""
    check_policy(values["prescriptions"], values["controlled_drugs"])
    # The defaults, unsaved, for a group that never chose: saved unchanged, nothing is written.
    policy = (SafetyPolicy.objects.select_for_update().filter(group=group).first()
              or SafetyPolicy(group=group))
    old = {f: getattr(policy, f) for f in FIELDS}
    new = {f: values[f] for f in FIELDS}
    if old != new:
        for name, value in new.items():
            setattr(policy, name, value)
        policy.save()
        log_action("kith.safety.settings_changed", actor=acting_user, group=group, obj=policy,
                   old=old, new=new)
    return policy
