"""What the safety app adds to a volunteer's task page (requests/views_tasks.py): the
check-in and its buttons, the risk assessment to read before a first task of its kind, and a
prescription's bag reference and hand-over."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kith.core.privacy import NeedToKnowDenied, reveal
from kith.safeguarding import routing
from kith.safety import checkins, prescriptions, risk
from kith.safety.models import CheckIn, Collection, SafetyPolicy

if TYPE_CHECKING:
    from kith.requests.views_tasks import TaskGrant


@dataclass(frozen=True)
class CollectionGrant:
    """The task's own grant, stretched to its prescription's bag reference."""

    task_grant: TaskGrant
    collection: Collection

    def allows(self, viewer, subject) -> bool:
        return (isinstance(subject, Collection) and subject.pk == self.collection.pk
                and self.task_grant.allows(viewer, self.collection.request))


def context(request, grant, *, holding: bool) -> dict:
    assignment = grant.assignment
    req = assignment.request
    check_in = (CheckIn.objects.filter(assignment=assignment)
                .exclude(state=CheckIn.State.SAFE).first())
    collection = Collection.objects.filter(request=req).first()
    bag = None
    # The rule refuses them now (a controlled-drug tick after they were assigned): no bag.
    refused = (holding and prescriptions.holder_refused(req)
               and (collection is None or collection.collected_at is None))
    if collection is not None and collection.bag_reference and holding and not refused:
        try:
            bag = reveal(collection, "bag_reference", viewer=request.user, group=req.group,
                         reason=f"Collecting for task {req.reference}", request=request,
                         grant=CollectionGrant(grant, collection))
        except NeedToKnowDenied:
            bag = None
    to_read = risk.to_read(request.user, req) if holding else None
    return {
        "check_in": check_in,
        # Say who "I need help now" reaches as it is: a group with no lead anywhere above has
        # only coordinators (those of the group above are told too, but not named here).
        "has_lead": check_in is not None and bool(routing.leads_for(req.group)),
        "safe_number": checkins.safe_number(request.user) if check_in else "",
        "in_person": checkins.in_person(req.service),
        "durations": checkins.DURATIONS,
        "usual_minutes": SafetyPolicy.for_group(req.group).visit_minutes,
        "to_read": to_read,
        "first_of_kind": to_read is not None and risk.first_of_kind(request.user, req),
        "collection": collection, "bag_reference": bag, "collect_refused": refused,
        # The hand-over buttons show on every prescription task, details recorded or not.
        "prescription": req.service == prescriptions.PRESCRIPTIONS,
    }


def minutes_from(post) -> int | None:
    text = post.get("minutes", "")
    return int(text) if text.isascii() and text.isdigit() else None
