"""What erasure does with every text, sealed and JSON field of every model, and why.

Every model with such a field must be here (tests/erasure/test_registry.py fails otherwise), so
a field added later cannot be forgotten. Three rules:

- OWN: the row's own person's data in a field that holds nothing else (a name, a number, an
  address). Blanked on the erased person's own rows; never touched on anyone else's (another
  resident in the same building keeps their address).
- TEXT: free text written by people (notes, reasons, descriptions). Blanked on the erased
  person's own rows; on every other row their name (as people write it), phone, email and
  address (with its postcode; never a postcode alone, a street shares it) are replaced by
  "[erased]" (a volunteer's note on someone else's request may name them). Any field people
  type into freely is TEXT, even when it is "about" the row's own person: a resident's
  private notes, "asked by", a text's body, a reporter's contact may all name someone else.
- KEEP: holds nothing that identifies a person once the row's links are anonymised (choices,
  digests, codes, references), or must stay for a reason given.

Which rows are "their own" is decided in `scopes.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

OWN, TEXT, KEEP = "own", "text", "keep"


@dataclass(frozen=True)
class Rule:
    action: str
    why: str


def own(why: str = "their own personal data") -> Rule:
    return Rule(OWN, why)


def text(why: str = "free text that may name them") -> Rule:
    return Rule(TEXT, why)


def keep(why: str) -> Rule:
    return Rule(KEEP, why)


CHOICE = keep("a fixed choice, not personal")
DIGEST = keep("a keyed digest: finds a number again, cannot be read back")
CODE = keep("a code or reference Kith made, not personal")
ORG = keep("an organisation's or group's own details, not a person's")

REGISTRY: dict[str, dict[str, Rule]] = {
    "admin.LogEntry": {
        "object_id": CODE, "object_repr": text("the admin's name for the row"),
        "change_message": text()},
    "auth.Permission": {"name": CODE, "codename": CODE},
    "auth.Group": {"name": CODE},
    "contenttypes.ContentType": {"app_label": CODE, "model": CODE},
    "sessions.Session": {
        "session_key": CODE,
        "session_data": keep("an erased person's sessions are deleted, so they are signed out")},
    "core.AuditEvent": {
        "request_id": CODE, "action": CODE, "object_type": CODE, "object_id": CODE,
        "object_repr": text("the row's name when the change was made"),
        "old": text("recorded changes: personal values are masked, free text may remain"),
        "new": text("recorded changes: personal values are masked, free text may remain")},
    "core.PersonalDataAccess": {
        "request_id": CODE, "subject_type": CODE, "subject_id": CODE,
        "subject_repr": text("the subject's name when they were looked at"),
        "field": CODE, "reason": text("the reason typed may name them")},
    "accounts.Person": {
        "password": own("made unusable"), "email": own(), "display_name": own(),
        "phone": own(), "phone_digest": own("would find them again from their number"),
        "postcode_sector": own("a home area; a volunteer's is theirs alone")},
    "groups.Group": {
        "name": ORG, "slug": ORG, "kind": CHOICE, "description": ORG, "whatsapp_url": ORG,
        "facebook_url": ORG, "phone": ORG, "email": ORG, "services": ORG, "coverage": ORG},
    "groups.CoverageArea": {"area": ORG},
    "groups.Invitation": {
        "email": own("the address they were invited at"), "roles": CHOICE, "token": CODE},
    "residents.Resident": {
        "name": own(), "phone": own(), "phone_digest": own("would find them again"),
        "email": own(), "address": own(), "postcode": own(),
        "notes": text("a coordinator's notes often name a neighbour or a relative"),
        "postcode_sector": keep("coarse area (thousands of homes): keeps anonymous counts by "
                                "area right"),
        "language": own("with a name gone, still a trait of theirs")},
    "volunteers.VolunteerProfile": {
        "services": keep("what they offered: counts of volunteers per service"),
        "availability": own(), "languages": own(), "transport": CHOICE, "postcode": own(),
        "status": CHOICE},
    "volunteers.Consent": {"kind": CHOICE},
    "volunteers.Vetting": {"dbs_level": CHOICE},
    "volunteers.VettingPolicy": {"requirements": CHOICE},
    "volunteers.ImportMapping": {"source": CODE, "mapping": keep("column names, not people")},
    "volunteers.ImportRun": {
        "state": CHOICE, "source": CODE, "filename": text("a file name may name someone"),
        "suffix": CODE, "mapping": keep("column names, not people"),
        "duplicates": CHOICE,
        "upload": keep("the spreadsheet: their rows are cut out of it (services.py)"),
        "file_digest": DIGEST, "counts": keep("counts only"), "error": text()},
    "requests.RequestPolicy": {"checkup_stages": CHOICE},
    "requests.Series": {
        "service": CHOICE, "cadence": CHOICE, "when": text(), "details": text(),
        "state": CHOICE},
    "requests.HelpRequest": {
        "reference": CODE, "service": CHOICE, "details": text(), "urgency": CHOICE,
        "when": text(), "contact_by": CHOICE, "channel": CHOICE,
        "asked_by": text("who asked on their behalf, often a relative or a neighbour"),
        "partner_kind": CHOICE, "partner_name": ORG,
        "partner_contact": text("the referrer's contact, typed: may name anyone"),
        "state": CHOICE},
    "requests.RequestEvent": {
        "action": CODE, "from_state": CHOICE, "to_state": CHOICE, "note": text()},
    "requests.Assignment": {"reason": text(), "end": CHOICE},
    "requests.Callback": {
        "kind": CHOICE, "caller_name": text("typed: a relative or neighbour ringing for them"),
        "phone": own(),
        "phone_digest": own("would find them again"), "note": text(), "outcome": CHOICE,
        "result": CHOICE},
    "requests.CallAttempt": {"request_id": CODE, "outcome": CHOICE, "note": text()},
    "requests.Exclusion": {
        "phone_digest": keep("zero tolerance: the exclusion must still catch them"),
        "identity_digest": keep("zero tolerance: the exclusion must still catch them"),
        "reason": CHOICE, "note": text()},
    "requests.StatusCode": {"code_digest": DIGEST, "attempt_digest": DIGEST},
    "matching.MatchCard": {
        "home": own("the card is deleted: they are offered nothing more"),
        "languages": own("the card is deleted"),
        "task_times": own("the card is deleted"), "decline_times": own("the card is deleted")},
    "transparency.ExportLink": {
        "token_digest": DIGEST, "code_digest": DIGEST,
        "payload": text("the copy of their data: deleted with them; someone else's copy may "
                        "quote notes that name them")},
    "transparency.Withdrawal": {"kind": CHOICE},
    "matching.Offer": {"explanation": text(), "state": CHOICE, "reason": CHOICE},
    "runs.Run": {
        "kind": CHOICE, "service": CHOICE, "partner_name": ORG, "pickup_name": ORG,
        "pickup_postcode": ORG, "state": CHOICE, "solver": CODE},
    "runs.Route": {"vacated_why": text()},
    "runs.Stop": {
        "who": own(), "address": own(), "postcode": own(), "note": text(),
        "postcode_sector": keep("coarse area: run figures by area"), "problem": text(),
        "outcome": CHOICE},
    "signposting.LocalService": {
        name: ORG for name in (
            "organisation", "name", "description", "eligibility", "needs", "phone", "email",
            "website", "address", "postcode", "opening_times", "coverage", "languages", "cost",
            "how_to_refer", "caution", "status")},
    "signposting.Referral": {
        "shared": keep("the names of what was shared, never the values"), "why": text(),
        "consent_text": keep("the words of consent shown, the same for everyone"),
        "state": CHOICE, "outcome": text()},
    "signposting.Signposting": {"via": CHOICE},
    "safeguarding.Case": {
        "kind": CHOICE, "urgency": CHOICE, "source": CHOICE, "state": CHOICE,
        "what_happened": text(),
        "contact": text("how to reach the reporter, typed: may be through someone else"),
        "victim_consent": CHOICE, "victim": text("who was hurt: may be someone other than the "
                                                 "resident the case is about"), "risk": CHOICE,
        "triage_note": text(), "ico_decision": CHOICE, "ico_reference": CODE,
        "ico_why_not": text(), "outcome": text(), "prevention": text(),
        "prevention_owner": text()},
    "safeguarding.CaseAction": {"what": text()},
    "safeguarding.CaseTold": {"who": text(), "note": text()},
    "partners.Partner": {"name": ORG, "kind": CHOICE, "webhook_url": ORG, "webhook_secret": ORG},
    "partners.ApiToken": {
        "label": ORG, "prefix": CODE, "digest": DIGEST, "scopes": CHOICE, "form_key": CODE},
    "partners.PartnerReferral": {
        "service": CHOICE, "urgency": CHOICE, "details": text(),
        "referrer_name": text("the partner's staff member, who may be named in the text"),
        "referrer_contact": text("the partner's staff member's contact"),
        "consent_version": CODE, "consent_given_by": CHOICE,
        "consent_given_by_name": text("who gave consent: the resident or someone for them")},
    "partners.WebhookDelivery": {"event": CODE},
    "money.MoneySettings": {
        "bank_account_name": ORG, "bank_sort_code": ORG, "bank_account_number": ORG,
        "payment_link": ORG},
    "money.Account": {"kind": CHOICE},
    "money.JournalEntry": {
        "kind": CHOICE,
        "description": text("append-only books: the words are scrubbed, never the amounts"),
        "bank_reference": text("a payer's reference may hold their name"),
        "reason": text()},
    "money.JournalLine": {"request_id": CODE},
    "money.Claim": {"shop": text(), "state": CHOICE, "question": text(), "answer": text(),
                    "earlier": text("earlier questions and answers, typed freely")},
    "money.ClaimLine": {"item": text()},
    "money.Receipt": {
        "file_name": keep("the photo file is deleted (deleted_at set); the name is random"),
        "upload_sha256": DIGEST, "pixels_sha256": DIGEST},
    "money.CashCheck": {"outcome": CHOICE},
    "money.Flag": {"kind": CHOICE, "why": text(), "outcome": text()},
    "safety.SafetyPolicy": {"prescriptions": CHOICE, "controlled_drugs": CHOICE},
    "safety.CheckIn": {"state": CHOICE},
    "safety.RiskAssessment": {
        "activity": CHOICE, "hazards": text(), "who_harmed": text(), "controls": text(),
        "remaining_risk": CHOICE},
    "safety.Collection": {"bag_reference": own("the pharmacy's bag label for them")},
    "listings.GroupRegistration": {
        "name": ORG, "kind": CHOICE, "coverage": ORG, "whatsapp_url": ORG, "facebook_url": ORG,
        "phone": ORG, "email": ORG, "organiser_name": text("the organiser, if it was them"),
        "organiser_email": text("the organiser, if it was them"), "status": CHOICE,
        "reason": text()},
    "listings.ListingReport": {
        "problem": CHOICE, "details": text(), "reply_email": text("if it was theirs"),
        "status": CHOICE, "resolution": text()},
    "messaging.Message": {
        "channel": CHOICE, "state": CHOICE, "to": own(), "to_digest": own("finds them again"),
        "template": CODE, "subject": text("a message to someone else may name them"),
        "body": text("a message to someone else may name them"),
        "content_sid": CODE, "content_variables": text(), "provider_id": CODE,
        "error": keep("Kith's own failure words, stored in English")},
    "messaging.StatusReport": {"provider_id": CODE, "status": CODE},
    "messaging.InboundText": {
        "provider_id": CODE, "from_digest": own("finds them again"),
        "body": text("a text from anyone may name someone else"),
        "channel": CHOICE, "action": CODE},
    "messaging.TextOptOut": {"phone_digest": keep("a STOP must keep working after erasure")},
    "messaging.ContactPreference": {"channel": CHOICE},
    "messaging.QuietHours": {"time_zone": CODE},
    "django_tasks_database.DBTaskResult": {
        "status": CHOICE, "args_kwargs": text("a task's arguments"), "task_path": CODE,
        "worker_ids": CODE, "queue_name": CODE, "backend_name": CODE,
        "return_value": text("a task's result"), "exception_class_path": CODE,
        "traceback": text()},
    "account.EmailAddress": {"email": own("the row is deleted")},
    "account.EmailConfirmation": {"key": keep("deleted with its address")},
    "mfa.Authenticator": {"type": CHOICE, "data": own("passkeys, TOTP, codes: deleted")},
    "erasure.Erasure": {"kind": CHOICE, "why": CHOICE, "counts": keep("counts per table only")},
}


def text_fields(model) -> list:
    """The model's fields erasure must decide about: text, sealed, JSON, e-mail, URL, file."""
    from django.db import models as m

    return [f for f in model._meta.concrete_fields
            if isinstance(f, m.CharField | m.TextField | m.JSONField | m.FileField)]


def rules_for(model) -> dict[str, Rule]:
    return REGISTRY.get(model._meta.label, {})
