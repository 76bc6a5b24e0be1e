"""Rebuild match cards when anything they are made from is saved or deleted (see cards.py)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from kith.matching import cards


def _person_changed(sender, instance, **kwargs) -> None:
    person = instance.person
    if kwargs.get("raw") or person is None:
        return  # fixtures load raw rows; `kith matching refresh` rebuilds after
    cards.refresh_for_person(person)


def _policy_changed(sender, instance, **kwargs) -> None:
    if not kwargs.get("raw"):
        cards.refresh_group(instance.group)


def connect() -> None:
    from kith.groups.models import Membership
    from kith.volunteers.models import Consent, Vetting, VettingPolicy, VolunteerProfile

    for model in (VolunteerProfile, Vetting, Consent, Membership):
        post_save.connect(_person_changed, sender=model, dispatch_uid=f"match-card-{model.__name__}")
        post_delete.connect(_person_changed, sender=model,
                            dispatch_uid=f"match-card-del-{model.__name__}")
    post_save.connect(_policy_changed, sender=VettingPolicy, dispatch_uid="match-card-policy")
