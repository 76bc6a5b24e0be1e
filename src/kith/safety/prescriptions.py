"""Prescriptions: who may collect one for a request, and each collection's hand-over.

Many medicines have a street value, so a group decides who may collect (SafetyPolicy): any
volunteer with the checks it asks for, only one the resident already knows (someone who has
finished a task for them before), or nobody from the group (a partner pharmacy delivers).
A controlled drug follows its own, stricter setting. `reasons_not_to_collect` is asked by
volunteers.policy.request_reasons, the one place matching and assigning by hand ask.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kith.core.audit import log_action
from kith.core.fields import Sealed
from kith.core.privacy import same_as_sealed
from kith.requests.lifecycle import IllegalMove
from kith.requests.moves import add_event
from kith.safety.models import STRICTNESS, Collection, Collectors, SafetyPolicy

PRESCRIPTIONS = "prescriptions"
# Reason codes, worded in volunteers.policy beside the others.
PHARMACY_ONLY = "rx_pharmacy"
NOT_KNOWN = "rx_not_known"


def collectors_for(req) -> str:
    """Who may collect this request's prescription under the group's policy."""
    collection = Collection.objects.filter(request=req).first()
    controlled = collection is not None and collection.controlled_drug
    return SafetyPolicy.for_group(req.group).collectors_for(controlled)


def known_to(person, resident) -> bool:
    """Someone the resident already knows: they finished a task for them before."""
    from kith.requests.models import Assignment

    return Assignment.objects.filter(volunteer=person, request__resident=resident,
                                     end=Assignment.End.DONE).exists()


def reasons_not_to_collect(person, req) -> list[str]:
    """Why `person` may not collect this request's prescription (none: they may, or it is
    not a prescription). The group's checks for prescriptions are asked elsewhere already."""
    if req.service != PRESCRIPTIONS:
        return []
    who = collectors_for(req)
    if who == Collectors.PHARMACY:
        return [PHARMACY_ONLY]
    if who == Collectors.KNOWN and not known_to(person, req.resident):
        return [NOT_KNOWN]
    return []


def waiting_for_hand_over(req) -> bool:
    """A prescription task may not be finished until the volunteer has said they handed the
    bag over: otherwise it would sit "collected, not handed over" with nobody looking."""
    if req.service != PRESCRIPTIONS:
        return False
    return not Collection.objects.filter(request=req, handed_over_at__isnull=False).exists()


NOT_HANDED_OVER = gettext_lazy("Please say you've handed the prescription to the resident "
                               "first (the buttons under “Collecting the prescription”). If "
                               "you could not, tap “I can't do this”.")


def check_policy(prescriptions: str, controlled: str) -> None:
    """A controlled drug is never collected under a looser rule than any prescription."""
    if STRICTNESS[Collectors(controlled)] < STRICTNESS[Collectors(prescriptions)]:
        raise IllegalMove(_("Controlled drugs need a rule at least as strict as other "
                            "prescriptions."))


@transaction.atomic
def do_record_collection(req, *, controlled_drug: bool, bag_reference: str | None,
                         acting_user) -> Collection | None:
    """A coordinator or call handler records the collection's details: whether it is a
    controlled drug, and the pharmacy's bag reference (None keeps the one recorded).
    Nothing changed writes nothing. Ticking "controlled drug" does not take the task off a
    volunteer already holding it: the page says so, and the coordinator decides."""
    if req.service != PRESCRIPTIONS:
        raise IllegalMove(_("Only prescription requests have a collection."))
    bag_reference = (bag_reference or "").strip() or None
    collection = Collection.objects.select_for_update().filter(request=req).first()
    if collection is None:
        if not controlled_drug and bag_reference is None:
            return None
        collection = Collection(request=req, group=req.group)
    old = None if collection.pk is None else {
        "controlled_drug": collection.controlled_drug,
        "bag_reference": "recorded" if collection.bag_reference else ""}
    sealed: Sealed | None = collection.bag_reference  # type: ignore[assignment]
    changed = bag_reference is not None and not same_as_sealed(sealed, bag_reference)
    if old is not None and old["controlled_drug"] == controlled_drug and not changed:
        return collection
    collection.controlled_drug = controlled_drug
    if changed:
        collection.bag_reference = bag_reference
    collection.save()
    _withdraw_refused_offers(req, acting_user)
    log_action("kith.prescription.recorded", actor=acting_user, group=req.group, obj=collection,
               old=old, new={"controlled_drug": controlled_drug, "request": req.reference,
                             "bag_reference": "replaced" if changed else old and old[
                                 "bag_reference"]})
    return collection


def _withdraw_refused_offers(req, acting_user) -> None:
    """An offer the rule now refuses (the controlled-drug tick came after it went out) is
    withdrawn, so it cannot be accepted and the round moves on."""
    from kith.matching import offers
    from kith.matching.models import Offer

    for offer in Offer.objects.filter(request=req, state=Offer.State.OPEN).select_related(
            "volunteer"):
        if reasons_not_to_collect(offer.volunteer, req):
            offers.withdraw(offer, why="prescription_rule", acting_user=acting_user)


def holder_refused(req) -> bool:
    """The volunteer holding the task may not collect it under the rule as it is now (a
    controlled-drug tick after they were assigned): the coordinator must reassign."""
    holder = req.current_assignment
    return holder is not None and bool(reasons_not_to_collect(holder.volunteer, req))


def _held_by(req, person):
    assignment = req.current_assignment
    if assignment is None or assignment.volunteer_id != person.pk:
        raise IllegalMove(_("This task is not yours any more."))
    if req.service != PRESCRIPTIONS:
        raise IllegalMove(_("This task has no prescription to collect."))
    return assignment


RULE_REFUSES = gettext_lazy("Please don't collect this prescription: the group's rule for it "
                            "has changed and the coordinator will ask someone else. Nothing "
                            "is wrong on your side.")


@transaction.atomic
def do_mark_collected(req, *, acting_user) -> Collection:
    """The volunteer holding the task picked the bag up from the pharmacy, unless the rule
    refuses them now. (A bag already collected may still be handed over: it is with them.)"""
    _held_by(req, acting_user)
    if reasons_not_to_collect(acting_user, req):
        raise IllegalMove(str(RULE_REFUSES))
    collection, _made = Collection.objects.select_for_update().get_or_create(
        request=req, defaults={"group": req.group})
    if collection.collected_at is None:
        collection.collected_at, collection.collected_by = timezone.now(), acting_user
        collection.save(update_fields=["collected_at", "collected_by"])
        add_event(req, "prescription_collected", actor=acting_user)
        log_action("kith.prescription.collected", actor=acting_user, group=req.group,
                   obj=collection, new={"request": req.reference})
    return collection


@transaction.atomic
def do_mark_handed_over(req, *, acting_user) -> Collection:
    """The volunteer gave the bag to the resident (after collecting it)."""
    _held_by(req, acting_user)
    collection = Collection.objects.select_for_update().filter(request=req).first()
    if collection is None or collection.collected_at is None:
        raise IllegalMove(_("Say you've collected it from the pharmacy first."))
    if collection.handed_over_at is None:
        collection.handed_over_at = timezone.now()
        collection.save(update_fields=["handed_over_at"])
        add_event(req, "prescription_handed_over", actor=acting_user)
        log_action("kith.prescription.handed_over", actor=acting_user, group=req.group,
                   obj=collection, new={"request": req.reference})
    return collection


@transaction.atomic
def do_confirm_received(req, *, acting_user) -> Collection:
    """The check-up: the resident says they have their prescription."""
    collection = Collection.objects.select_for_update().filter(request=req).first()
    if collection is None or collection.handed_over_at is None:
        raise IllegalMove(_("The volunteer has not said they handed it over yet."))
    if collection.confirmed_at is None:
        collection.confirmed_at, collection.confirmed_by = timezone.now(), acting_user
        collection.save(update_fields=["confirmed_at", "confirmed_by"])
        add_event(req, "prescription_confirmed", actor=acting_user)
        log_action("kith.prescription.confirmed", actor=acting_user, group=req.group,
                   obj=collection, new={"request": req.reference})
    return collection
