"""Rebuild match cards when anything they are made from is saved or deleted (see cards.py)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from kith.matching import cards, load


def _person_changed(sender, instance, **kwargs) -> None:
    person = instance.person
    if kwargs.get("raw") or person is None:
        return  # fixtures load raw rows; `kith matching refresh` rebuilds after
    cards.refresh_for_person(person)


def _policy_changed(sender, instance, **kwargs) -> None:
    if not kwargs.get("raw"):
        cards.refresh_group(instance.group)


def _task_changed(sender, instance, created=True, **kwargs) -> None:
    """A task given (or one deleted with its request): the volunteer's load on their cards.
    Ending a task changes none of the counts (they count tasks given, however they ended)."""
    if created and not kwargs.get("raw"):
        load.refresh_load(instance.volunteer_id)


def _offer_changed(sender, instance, created=True, **kwargs) -> None:
    """An offer saved as declined (or deleted with its request). offers._close, which
    answers offers with a bulk update, calls refresh_load itself."""
    if kwargs.get("raw"):
        return
    if instance.state == instance.State.DECLINED or kwargs.get("signal") is post_delete:
        load.refresh_load(instance.volunteer_id)


def connect() -> None:
    from kith.groups.models import Membership
    from kith.matching.models import Offer
    from kith.requests.models import Assignment
    from kith.volunteers.models import Consent, Vetting, VettingPolicy, VolunteerProfile

    for model in (VolunteerProfile, Vetting, Consent, Membership):
        post_save.connect(_person_changed, sender=model, dispatch_uid=f"match-card-{model.__name__}")
        post_delete.connect(_person_changed, sender=model,
                            dispatch_uid=f"match-card-del-{model.__name__}")
    post_save.connect(_policy_changed, sender=VettingPolicy, dispatch_uid="match-card-policy")
    post_save.connect(_task_changed, sender=Assignment, dispatch_uid="match-card-load-task")
    post_delete.connect(_task_changed, sender=Assignment, dispatch_uid="match-card-load-task-del")
    post_save.connect(_offer_changed, sender=Offer, dispatch_uid="match-card-load-offer")
    post_delete.connect(_offer_changed, sender=Offer, dispatch_uid="match-card-load-offer-del")
