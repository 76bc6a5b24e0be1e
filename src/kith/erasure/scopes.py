"""Which rows are the erased person's own, per model (their OWN and TEXT fields are blanked).

Rows that are not theirs but may name them (a note on someone else's request) are found by
`scan.redact_everywhere()`, which reads every TEXT field of every model in the registry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet


@dataclass
class Scope:
    label: str  # the model, as in registry.REGISTRY
    rows: QuerySet
    # Only these fields (None: every OWN and TEXT field of the model).
    fields: list[str] | None = None
    # The row goes altogether (an index or a preference, not a record anyone needs).
    delete: bool = False
    # Which words the confirm page uses (services.GOES), when not the model's own.
    goes: str = ""
    # Fields set to these values instead of blanked: "Erased resident #12" where a page
    # shows whose row it is (the audit trail, the access log), rather than an empty cell.
    named: dict[str, str] = field(default_factory=dict)


def erased_name(kind: str, pk: int) -> str:
    # Stored, so in the language everyone's data is stored in; pages show it as it is.
    return f"Erased {kind} #{pk}"


def _subject_rows(model, labels: list[str], pk: int) -> Q:
    return Q(**{f"{model}_type__in": labels, f"{model}_id": str(pk)})


def resident_scopes(resident) -> list[Scope]:
    from kith.core.models import AuditEvent, PersonalDataAccess
    from kith.matching.models import Offer
    from kith.messaging.models import InboundText, Message
    from kith.money.models import Claim, ClaimLine, Flag, JournalEntry, Receipt
    from kith.partners.models import PartnerReferral
    from kith.requests.models import (
        Assignment,
        CallAttempt,
        Callback,
        HelpRequest,
        RequestEvent,
        Series,
    )
    from kith.residents.models import Resident
    from kith.safeguarding.models import Case, CaseAction, CaseTold
    from kith.safety.models import Collection
    from kith.signposting.models import Referral
    from kith.transparency.models import ExportLink

    r = resident
    name = erased_name("resident", r.pk)
    callbacks = Q(resident=r) | Q(request__resident=r)
    if r.phone_digest:
        callbacks |= Q(phone_digest=r.phone_digest)
    cases = Q(resident=r) | Q(request__resident=r)
    scopes = [
        Scope("residents.Resident", Resident.objects.filter(pk=r.pk)),
        Scope("requests.HelpRequest", HelpRequest.objects.filter(resident=r)),
        Scope("requests.Series", Series.objects.filter(resident=r)),
        Scope("requests.RequestEvent", RequestEvent.objects.filter(request__resident=r)),
        Scope("requests.Assignment", Assignment.objects.filter(request__resident=r)),
        Scope("requests.Callback", Callback.objects.filter(callbacks)),
        Scope("requests.CallAttempt", CallAttempt.objects.filter(
            callback__in=Callback.objects.filter(callbacks))),
        Scope("matching.Offer", Offer.objects.filter(request__resident=r)),
        Scope("runs.Stop", _stops_of(r)),
        Scope("signposting.Referral", Referral.objects.filter(request__resident=r)),
        Scope("safeguarding.Case", Case.objects.filter(cases)),
        Scope("safeguarding.CaseAction", CaseAction.objects.filter(case__in=Case.objects.filter(
            cases))),
        Scope("safeguarding.CaseTold", CaseTold.objects.filter(case__in=Case.objects.filter(
            cases))),
        Scope("partners.PartnerReferral", PartnerReferral.objects.filter(request__resident=r)),
        Scope("money.JournalEntry", JournalEntry.objects.filter(request__resident=r)),
        Scope("money.Claim", Claim.objects.filter(request__resident=r)),
        Scope("money.ClaimLine", ClaimLine.objects.filter(claim__request__resident=r)),
        Scope("money.Receipt", Receipt.objects.filter(claim__request__resident=r)),
        Scope("money.Flag", Flag.objects.filter(resident=r)),
        Scope("safety.Collection", Collection.objects.filter(request__resident=r)),
        Scope("messaging.Message", Message.objects.filter(resident=r)),
        # A copy of their data waiting for its link holds all of it, sealed: it goes.
        Scope("transparency.ExportLink", ExportLink.objects.filter(resident=r), delete=True),
        Scope("core.AuditEvent", AuditEvent.objects.filter(
            _subject_rows("object", ["residents.resident"], r.pk)), named={"object_repr": name}),
        # Who looked stays (the access log is evidence); only the name they were shown goes.
        Scope("core.PersonalDataAccess", PersonalDataAccess.objects.filter(
            _subject_rows("subject", ["residents.resident"], r.pk)), fields=["subject_repr"],
            named={"subject_repr": name}),
    ]
    if r.phone_digest:
        scopes.append(Scope("messaging.InboundText",
                            InboundText.objects.filter(from_digest=r.phone_digest)))
    return scopes


def _stops_of(resident) -> QuerySet:
    """A run's stops are pasted in, with no link to a resident: theirs are the stops in their
    group's runs at their address, or under their name at their postcode."""
    from kith.erasure.scan import opened
    from kith.erasure.scrub import Identifiers, Scrubber
    from kith.runs.models import Stop

    address = Identifiers()
    address.add("addresses", opened(resident.address))
    by_address = Scrubber(address)
    name = (resident.name or "").strip().lower()
    postcode = (opened(resident.postcode) or "").replace(" ", "").upper()
    pks = []
    for stop in Stop.objects.filter(run__group=resident.group_id):
        where = opened(stop.address) or ""
        who = (opened(stop.who) or "").strip().lower()
        code = (opened(stop.postcode) or "").replace(" ", "").upper()
        if (by_address.found(where) and (not postcode or code == postcode)) or (
                who and who == name and code and code == postcode):
            pks.append(stop.pk)
    return Stop.objects.filter(pk__in=pks)


def volunteer_scopes(person) -> list[Scope]:
    from kith.core.models import AuditEvent, PersonalDataAccess
    from kith.groups.models import Invitation
    from kith.listings.models import GroupRegistration, ListingReport
    from kith.matching.models import MatchCard
    from kith.messaging.models import ContactPreference, InboundText, Message
    from kith.money.models import Receipt
    from kith.safeguarding.models import Case
    from kith.volunteers.models import VolunteerProfile

    p = person
    name = erased_name("volunteer", p.pk)
    profile_pks = list(VolunteerProfile.objects.filter(person=p).values_list("pk", flat=True))
    audit = Q(object_type="accounts.person", object_id=str(p.pk))
    looked = Q(subject_type="accounts.person", subject_id=str(p.pk))
    for pk in profile_pks:
        audit |= Q(object_type="volunteers.volunteerprofile", object_id=str(pk))
        looked |= Q(subject_type="volunteers.volunteerprofile", subject_id=str(pk))
    scopes = [
        Scope("volunteers.VolunteerProfile", VolunteerProfile.objects.filter(person=p)),
        Scope("matching.MatchCard", MatchCard.objects.filter(person=p), delete=True),
        Scope("messaging.Message", Message.objects.filter(person=p)),
        Scope("messaging.ContactPreference", ContactPreference.objects.filter(person=p),
              delete=True),
        Scope("safeguarding.Case", Case.objects.filter(reporter=p), fields=["contact"],
              goes="safeguarding.Case:reported"),
        Scope("money.Receipt", Receipt.objects.filter(claim__volunteer=p)),
        Scope("core.AuditEvent", AuditEvent.objects.filter(audit), named={"object_repr": name}),
        Scope("core.PersonalDataAccess", PersonalDataAccess.objects.filter(looked),
              fields=["subject_repr"], named={"subject_repr": name}),
        Scope("groups.Invitation", Invitation.objects.filter(accepted_by=p)),
    ]
    if p.email:
        scopes += [
            Scope("groups.Invitation", Invitation.objects.filter(email__iexact=p.email)),
            Scope("listings.GroupRegistration", GroupRegistration.objects.filter(
                organiser_email__iexact=p.email)),
            Scope("listings.ListingReport", ListingReport.objects.filter(
                reply_email__iexact=p.email)),
        ]
    if p.phone_digest:
        scopes.append(Scope("messaging.InboundText",
                            InboundText.objects.filter(from_digest=p.phone_digest)))
    return scopes
