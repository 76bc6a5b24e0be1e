"""Every model Kith has, and what a copy of someone's data takes from it.

`PARTS` are the categories of a subject access export, each a model, a query per kind of
subject (a resident, or a person: a volunteer or anyone with an account) and the fields shown.
Fields are named one by one, never "all of them": a row about a resident may also name a
volunteer or a reporter, and only what is theirs goes in. `EXCLUDED` names every other model
with the reason it holds nothing about them to give, or gives it elsewhere.
tests/transparency/test_catalogue.py fails when a model is in neither, so a new model cannot
be forgotten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

RESIDENT, PERSON = "resident", "person"


@dataclass(frozen=True)
class Part:
    key: str
    title: str | Promise
    model: str  # app_label.model_name
    fields: tuple[str, ...]
    resident: Callable[[Any], Any] | None = None  # resident -> queryset
    person: Callable[[Any], Any] | None = None  # person -> queryset
    # Computed lines: (label, function of the row) for what is not a plain field.
    extra: tuple[tuple[str | Promise, Callable[[Any], Any]], ...] = field(default=())
    note: str | Promise = ""
    # Fields stored as codes (bitmasks, keys): the JSON keeps them, labelled "as stored", and
    # the page leaves them out; an `extra` line gives each in words (findings 3 and 6).
    codes: tuple[str, ...] = field(default=())
    # A plainer label than the model's verbose name, where it reads like a database column.
    labels: dict[str, str | Promise] = field(default_factory=dict)
    # A resident's records that show in a volunteer's copy because he helps them (her series,
    # his tasks on her requests). Looks at them are the resident's business, not his: his
    # copy leaves them out of "Who looked at your details" (finding 5). Her copy keeps them.
    residents_records: bool = False


def _m(label: str):
    from django.apps import apps

    return apps.get_model(label)


def _requests_of(resident):
    return _m("requests.helprequest").objects.filter(resident=resident)


def _services(keys) -> list[str]:
    from kith.groups.catalogue import SERVICE_LABELS

    return [SERVICE_LABELS.get(key, key) for key in keys]


def _slots(keys) -> list[str]:
    from kith.volunteers.forms import SLOT_LABELS
    from kith.volunteers.models import SLOTS

    return [SLOT_LABELS.get(key, key) for key in sorted(keys, key=lambda k: (
        SLOTS.index(k) if k in SLOTS else len(SLOTS)))]


def _languages(names) -> list[str]:
    return [name.strip().capitalize() for name in names if name.strip()]


def _card_services(mask: int) -> list[str]:
    from kith.groups.catalogue import SERVICES
    from kith.matching.cards import services_of

    held = services_of(mask)
    return _services([key for key, _label in SERVICES if key in held])


def _card_slots(mask: int) -> list[str]:
    from kith.matching.cards import slots_of

    return _slots(slots_of(mask))


def _request_state(key: str) -> str:
    from kith.requests.lifecycle import STATE_LABELS

    return STATE_LABELS.get(key, key.replace("_", " ")) if key else ""


def _roles(keys) -> list[str]:
    from kith.groups.roles import ROLE_LABELS

    return [str(ROLE_LABELS.get(key, key)) for key in keys or []]


def _shared(keys) -> list[str]:
    from kith.signposting.referrals import SAID_TO_THEM

    return [str(SAID_TO_THEM.get(key, key)) for key in keys or []]


def _pounds(pence: int) -> str:
    return f"{'-' if pence < 0 else ''}£{abs(pence) // 100}.{abs(pence) % 100:02d}"


def _withdrawn_kind(kind: str) -> str:
    from kith.transparency.kinds import kind_words

    return kind_words(kind)


def _first_name(person) -> str:
    """A volunteer or staff member named to a resident by first name only, as on the phone."""
    if person is None:
        return ""
    return (person.display_name or "").split(" ")[0]


PARTS: list[Part] = [
    # --- who they are
    Part("resident", _("Your details"), "residents.resident",
         ("name", "phone", "email", "address", "postcode", "postcode_sector", "notes", "language",
          "at_risk", "check_in_days", "created_at"),
         resident=lambda r: _m("residents.resident").objects.filter(pk=r.pk)),
    Part("account", _("Your account"), "accounts.person",
         ("email", "display_name", "phone", "postcode_sector", "phone_verified_at", "is_active",
          "date_joined", "last_login"),
         person=lambda p: _m("accounts.person").objects.filter(pk=p.pk)),
    Part("email_addresses", _("Email addresses on your account"), "account.emailaddress",
         ("email", "verified", "primary"),
         person=lambda p: _m("account.emailaddress").objects.filter(user=p)),
    Part("two_factor", _("Two-factor sign-in"), "mfa.authenticator",
         ("type", "created_at", "last_used_at"),
         person=lambda p: _m("mfa.authenticator").objects.filter(user=p),
         note=_("Which ways you sign in and when they were last used; the secrets themselves are "
                "never shown to anyone.")),
    Part("volunteer_profile", _("Your volunteering"), "volunteers.volunteerprofile",
         ("services", "availability", "languages", "transport", "radius_km", "weekly_cap",
          "postcode", "on_duty", "status", "break_until", "last_active_at", "created_at"),
         person=lambda p: _m("volunteers.volunteerprofile").objects.filter(person=p),
         codes=("services", "availability", "languages"),
         extra=((_("Help you offer"), lambda v: _services(v.services)),
                (_("When you are free"), lambda v: _slots(v.availability)),
                (_("Languages you speak"), lambda v: _languages(v.languages)))),
    Part("memberships", _("Groups and roles"), "groups.membership",
         ("group", "is_coordinator", "is_call_handler", "is_volunteer", "is_safeguarding_lead",
          "is_treasurer", "created_at"),
         person=lambda p: _m("groups.membership").objects.filter(person=p)),
    Part("invitations", _("Invitations you accepted"), "groups.invitation",
         ("group", "email", "roles", "created_at", "accepted_at"),
         person=lambda p: _m("groups.invitation").objects.filter(Q(accepted_by=p) | Q(email=p.email)
                                                                 if p.email else Q(accepted_by=p)),
         codes=("roles",), extra=((_("Roles"), lambda i: _roles(i.roles)),)),
    Part("vetting", _("Checks groups made"), "volunteers.vetting",
         ("group", "id_seen_at", "references_at", "dbs_level", "dbs_date", "safeguarding_at",
          "approved_at", "updated_at"),
         person=lambda p: _m("volunteers.vetting").objects.filter(person=p)),
    Part("match_cards", _("How Kith matches you to tasks"), "matching.matchcard",
         ("group", "services", "cleared", "slots", "languages", "radius_km", "weekly_cap",
          "on_duty", "paused_until", "updated_at"),
         person=lambda p: _m("matching.matchcard").objects.filter(person=p),
         codes=("services", "cleared", "slots", "languages"),
         labels={"radius_km": _("How far you will go (km)"),
                 "weekly_cap": _("Most tasks a week")},
         extra=((_("Help you offer"), lambda c: _card_services(c.services)),
                (_("Help you may give in this group now"), lambda c: _card_services(c.cleared)),
                (_("When you are free"), lambda c: _card_slots(c.slots)),
                (_("Languages you speak"), lambda c: _languages(c.languages.split("|")))),
         note=_("Kept from your volunteering details; your home is kept as a sealed map point.")),
    # --- consents
    Part("consents", _("Consents you gave"), "volunteers.consent", ("kind", "version", "given_at"),
         person=lambda p: _m("volunteers.consent").objects.filter(person=p)),
    Part("withdrawals", _("Consents you withdrew"), "transparency.withdrawal",
         ("kind", "version", "given_at", "withdrawn_at", "given_again_at"),
         person=lambda p: _m("transparency.withdrawal").objects.filter(person=p),
         resident=lambda r: _m("transparency.withdrawal").objects.filter(resident=r),
         codes=("kind",), extra=((_("What"), lambda w: _withdrawn_kind(w.kind)),)),
    Part("contact_preference", _("How you want to be reached"), "messaging.contactpreference",
         ("channel", "updated_at"),
         person=lambda p: _m("messaging.contactpreference").objects.filter(person=p)),
    # --- asking for help
    Part("requests", _("Your requests for help"), "requests.helprequest",
         ("reference", "service", "details", "urgency", "when", "needed_by", "contact_by",
          "channel", "asked_by", "partner_name", "partner_contact", "consent_at", "state",
          "created_at"),
         resident=_requests_of,
         note=_("consent at: when you agreed to your details being kept to help you.")),
    Part("timeline", _("What happened on each request"), "requests.requestevent",
         ("request", "action", "from_state", "to_state", "note", "created_at"),
         resident=lambda r: _m("requests.requestevent").objects.filter(request__resident=r),
         codes=("action", "from_state", "to_state"),
         extra=((_("What happened"), lambda e: e.label),
                (_("From"), lambda e: _request_state(e.from_state) if e.is_move else ""),
                (_("To"), lambda e: _request_state(e.to_state)))),
    Part("regular_help", _("Regular help"), "requests.series",
         ("service", "cadence", "when", "details", "state", "next_date", "created_at"),
         resident=lambda r: _m("requests.series").objects.filter(resident=r),
         labels={"cadence": _("How often"), "next_date": _("Next time")}),
    Part("callbacks", _("Calls back"), "requests.callback",
         ("kind", "request", "caller_name", "phone", "note", "urgent", "due_at", "outcome",
          "result", "closed_at", "created_at"),
         resident=lambda r: _m("requests.callback").objects.filter(
             Q(resident=r) | Q(request__resident=r))),
    Part("call_notes", _("Call notes"), "requests.callattempt", ("callback", "outcome", "note",
                                                                 "created_at"),
         resident=lambda r: _m("requests.callattempt").objects.filter(
             Q(callback__resident=r) | Q(callback__request__resident=r))),
    Part("status_codes", _("Codes sent to check a request"), "requests.statuscode",
         ("request", "expires_at", "used_at", "created_at"),
         resident=lambda r: _m("requests.statuscode").objects.filter(request__resident=r)),
    Part("helpers", _("Who helped"), "requests.assignment",
         ("request", "assigned_at", "due_by", "ended_at", "end"),
         resident=lambda r: _m("requests.assignment").objects.filter(request__resident=r),
         extra=((_("Volunteer"), lambda a: _first_name(a.volunteer)),),
         note=_("Volunteers are named by first name only.")),
    Part("prescriptions", _("Prescriptions collected"), "safety.collection",
         ("request", "controlled_drug", "bag_reference", "collected_at", "handed_over_at",
          "confirmed_at"),
         resident=lambda r: _m("safety.collection").objects.filter(request__resident=r)),
    Part("signposting", _("Services you were pointed to"), "signposting.signposting",
         ("request", "service", "via", "created_at"),
         resident=lambda r: _m("signposting.signposting").objects.filter(request__resident=r)),
    Part("referrals", _("Referrals to other services"), "signposting.referral",
         ("request", "service", "shared", "why", "consent_version", "consent_text",
          "consented_at", "state", "sent_at", "accepted_at", "closed_at", "outcome"),
         resident=lambda r: _m("signposting.referral").objects.filter(request__resident=r),
         codes=("shared",), extra=((_("What was passed on"), lambda ref: _shared(ref.shared)),)),
    Part("partner_referrals", _("Referrals from partners"), "partners.partnerreferral",
         ("request", "partner", "service", "urgency", "details", "referrer_name",
          "referrer_contact", "consent_version", "consent_given_by", "consent_given_by_name",
          "consent_at", "created_at"),
         resident=lambda r: _m("partners.partnerreferral").objects.filter(request__resident=r)),
    # --- volunteering
    Part("offers", _("Tasks you were offered"), "matching.offer",
         ("request", "round", "distance_km", "explanation", "state", "reason", "created_at",
          "expires_at", "answered_at"),
         person=lambda p: _m("matching.offer").objects.filter(volunteer=p),
         residents_records=True),
    Part("tasks", _("Tasks you took"), "requests.assignment",
         ("request", "reason", "assigned_at", "due_by", "reminded_at", "ended_at", "end"),
         person=lambda p: _m("requests.assignment").objects.filter(volunteer=p),
         residents_records=True),
    Part("regular_visits", _("Regular help you give"), "requests.series",
         ("group", "service", "cadence", "when", "state", "next_date"),
         person=lambda p: _m("requests.series").objects.filter(volunteer=p),
         labels={"cadence": _("How often"), "next_date": _("Next time")},
         residents_records=True),
    Part("routes", _("Delivery runs"), "runs.route",
         ("run", "position", "length_m", "minutes", "vacated_at", "vacated_why"),
         person=lambda p: _m("runs.route").objects.filter(volunteer=p),
         residents_records=True),
    Part("check_ins", _("Safety check-ins"), "safety.checkin",
         ("group", "state", "started_at", "due_at", "asked_at", "alerted_at", "escalated_at",
          "help_at", "closed_at"),
         person=lambda p: _m("safety.checkin").objects.filter(volunteer=p)),
    Part("risk_readings", _("Risk assessments you read"), "safety.riskreading",
         ("assessment", "read_at", "version"),
         person=lambda p: _m("safety.riskreading").objects.filter(person=p)),
    # --- money
    Part("claims", _("Money spent on tasks"), "money.claim",
         ("group", "request", "shop", "spent_at", "amount", "state", "question", "answer",
          "earlier", "decided_at", "created_at"),
         person=lambda p: _m("money.claim").objects.filter(volunteer=p),
         resident=lambda r: _m("money.claim").objects.filter(request__resident=r)),
    Part("receipts", _("Receipt photos (what is kept about them)"), "money.receipt",
         ("claim", "width", "height", "created_at", "deleted_at"),
         person=lambda p: _m("money.receipt").objects.filter(claim__volunteer=p),
         resident=lambda r: _m("money.receipt").objects.filter(claim__request__resident=r),
         note=_("The photo itself is kept encrypted and shown to the treasurer; ask the group "
                "for a copy.")),
    Part("money_lines", _("Money owed, paid and paid back"), "money.journalline",
         ("entry", "pence", "created_at"),
         person=lambda p: _m("money.journalline").objects.filter(account__volunteer=p),
         resident=lambda r: _m("money.journalline").objects.filter(account__resident=r),
         codes=("pence",),
         extra=((_("What"), lambda line: line.entry.get_kind_display()),
                (_("On"), lambda line: line.entry.occurred_on),
                (_("Amount"), lambda line: _pounds(line.pence))),
         note=_("For a resident, an amount above £0 is owed to the group; for a volunteer, "
                "an amount below £0 is owed to them.")),
    Part("accounts", _("Money accounts"), "money.account", ("group", "kind"),
         person=lambda p: _m("money.account").objects.filter(volunteer=p),
         resident=lambda r: _m("money.account").objects.filter(resident=r)),
    Part("payment_plans", _("Later dates agreed to pay"), "money.paymentplan",
         ("request", "until"),
         resident=lambda r: _m("money.paymentplan").objects.filter(request__resident=r)),
    Part("agreed_limits", _("Spending limits agreed"), "money.agreedlimit",
         ("request", "amount", "agreed_at"),
         resident=lambda r: _m("money.agreedlimit").objects.filter(request__resident=r)),
    Part("cash_checks", _("Cash payments checked"), "money.cashcheck",
         ("entry", "outcome", "checked_at"),
         resident=lambda r: _m("money.cashcheck").objects.filter(
             entry__lines__account__resident=r).distinct()),
    Part("money_flags", _("Money flags"), "money.flag",
         ("kind", "why", "created_at", "reviewed_at", "outcome"),
         resident=lambda r: _m("money.flag").objects.filter(resident=r),
         person=lambda p: _m("money.flag").objects.filter(claim__volunteer=p)),
    # --- messages and safeguarding
    Part("messages", _("Messages sent to you"), "messaging.message",
         ("channel", "state", "to", "subject", "body", "created_at", "sent_at", "delivered_at",
          "failed_at", "error"),
         person=lambda p: _m("messaging.message").objects.filter(person=p),
         resident=lambda r: _m("messaging.message").objects.filter(resident=r)),
    Part("reports_made", _("Safeguarding concerns you reported"), "safeguarding.case",
         ("group", "kind", "urgency", "opened_at", "what_happened", "contact", "victim_consent",
          "victim", "state", "closed_at"),
         person=lambda p: _m("safeguarding.case").objects.filter(reporter=p),
         note=_("Concerns you reported with your name. Reports others made, about you or "
                "anyone, are not part of this copy: they would name or expose the person who "
                "raised the concern. Ask the group's safeguarding lead if you want to know more.")),
    Part("exclusions", _("Exclusions"), "requests.exclusion",
         ("group", "reason", "created_at", "lifted_at"),
         person=lambda p: _m("requests.exclusion").objects.filter(person=p),
         note=_("Whether a group stopped working with you, and when it was lifted.")),
]

# Every other model, and why a copy takes nothing from it.
EXCLUDED: dict[str, str] = {
    "admin.logentry": "Django's admin log: superusers' edits, never about residents.",
    "auth.permission": "Django's permission names: no people.",
    "auth.group": "Django's permission groups: unused by Kith, no people.",
    "contenttypes.contenttype": "Model names: no people.",
    "sessions.session": "Sign-in sessions: a random key and an expiry, nothing they told us.",
    "core.auditevent": "What staff changed, with personal values masked; what it says about "
                       "the person is in the parts above, and the access log below.",
    "core.personaldataaccess": "Given in full as the access log (who looked, when, why).",
    "groups.group": "Groups: public listings, no people.",
    "retention.retentionschedule": "A group's retention periods: no people.",
    "erasure.erasure": "The log of erasures, by id only: whoever reads a copy has not been "
                       "erased, and an erased person's copy has nothing left to give.",
    "groups.coveragearea": "Postcode areas a group covers: no people.",
    "volunteers.vettingpolicy": "A group's rules for checks: no people.",
    "volunteers.importmapping": "A group's spreadsheet column choices: no people.",
    "volunteers.importrun": "A coordinator's uploaded spreadsheet, many people at once, sealed "
                            "and deleted after the import; each volunteer's own row is in their "
                            "profile.",
    "requests.requestpolicy": "A group's request settings: no people.",
    "runs.run": "A delivery run as a whole; a volunteer's part is their route.",
    "runs.stop": "Stops are names and addresses a partner pastes in, not linked to any resident "
                 "record, so no copy can find them by person; the partner holds them.",
    "signposting.localservice": "The directory of local services: organisations, not people.",
    "safeguarding.caseaction": "Safeguarding leads' case work: would expose who raised a "
                               "concern (see the note on reports).",
    "safeguarding.casetold": "Who a safeguarding lead told: would expose who raised a concern.",
    "partners.partner": "Organisations, not people.",
    "partners.apitoken": "A partner's keys (digests): no people.",
    "partners.partnerrun": "A partner's run as a whole: no one person's.",
    "partners.webhookdelivery": "Messages to a partner's server about a request: the request "
                                "itself is in the copy.",
    "money.moneysettings": "A group's money settings: no people.",
    "money.journalentry": "Each entry is in the copy through its lines on the person's own "
                          "account; other lines are the group's.",
    "money.claimline": "Items bought: the claim they belong to is in the copy.",
    "safety.safetypolicy": "A group's safety settings: no people.",
    "safety.riskassessment": "A group's risk assessments: no people (readings are in the copy).",
    "listings.groupregistration": "Someone starting a group: the network's, kept for the group's "
                                  "public listing, not a resident's or volunteer's data.",
    "listings.listingreport": "Anonymous reports that a public listing is out of date.",
    "listings.verificationreminder": "Counts of reminders to groups: no people.",
    "messaging.statusreport": "A provider's delivery reports: the message's state is in the "
                              "copy.",
    "messaging.inboundtext": "Texts received are stored by a digest of the number only; what "
                             "Kith did with a text shows on the request it was about.",
    "messaging.textoptout": "A digest of a number that replied STOP: no name, nothing to show.",
    "messaging.quiethours": "A group's quiet hours: no people.",
    "transparency.exportlink": "The copy itself (sealed), emptied once read.",
    "django_tasks_database.dbtaskresult": "The worker's queue: message ids only.",
    "account.emailconfirmation": "Short-lived email confirmation keys.",
}

# Access rows for these kinds of record are left out of the access log: a look at a
# safeguarding case would say a concern was raised, and by whom it was read.
HIDDEN_ACCESS = {"safeguarding.case": "safeguarding case"}


def parts_for(kind: str) -> list[Part]:
    return [p for p in PARTS if getattr(p, kind) is not None]
