"""Roles are flags on a membership, not ranks; permissions are named and map to roles.

Pure data, so the permission matrix test and the views read the same table.
"""

from __future__ import annotations

COORDINATOR = "coordinator"
CALL_HANDLER = "call_handler"
VOLUNTEER = "volunteer"
SAFEGUARDING_LEAD = "safeguarding_lead"
TREASURER = "treasurer"

ROLES: list[tuple[str, str]] = [
    (COORDINATOR, "Coordinator"),
    (CALL_HANDLER, "Call handler"),
    (VOLUNTEER, "Volunteer"),
    (SAFEGUARDING_LEAD, "Safeguarding lead"),
    (TREASURER, "Treasurer"),
]
ROLE_LABELS = dict(ROLES)
ROLE_NAMES = [name for name, _ in ROLES]

ANY_ROLE = frozenset(ROLE_NAMES)

# Who may do what inside a group they belong to.
PERMISSIONS: dict[str, frozenset[str]] = {
    "group.view": ANY_ROLE,
    "group.edit": frozenset({COORDINATOR}),
    "members.view": frozenset({COORDINATOR, SAFEGUARDING_LEAD}),
    "members.manage": frozenset({COORDINATOR}),
    "audit.view": frozenset({COORDINATOR, SAFEGUARDING_LEAD}),
    "residents.view": frozenset({COORDINATOR, CALL_HANDLER, SAFEGUARDING_LEAD}),
    "residents.add": frozenset({COORDINATOR, CALL_HANDLER}),
    # Need-to-know for contact details; reveal() also insists on two-factor sign-in.
    "residents.reveal": frozenset({COORDINATOR, CALL_HANDLER, SAFEGUARDING_LEAD}),
    # ...for any resident of the group. Without it (a call handler), reveal() opens only the
    # residents whose call they hold or whose request they are triaging (requests.callbacks.in_hand).
    "residents.reveal_any": frozenset({COORDINATOR, SAFEGUARDING_LEAD}),
    # Correcting a resident's record (name, contact, address, notes, at risk). A call handler
    # corrects only the resident whose call or request is in their hands (callbacks.in_hand),
    # as for reveal(); a sealed value is replaced, never shown to do so.
    "residents.edit": frozenset({COORDINATOR, CALL_HANDLER}),
    "access_log.view": frozenset({COORDINATOR, SAFEGUARDING_LEAD}),
    # A resident's rights over their data (transparency app): a copy of it behind a one-time
    # link and code, and the consents they gave or withdrew. Making the copy opens every
    # sealed detail, through reveal() (two-factor this session, an access row).
    "residents.rights": frozenset({COORDINATOR}),
    # A network's coordinators approve new groups; a group's own coordinators handle
    # reports that its public listing is out of date.
    "listings.moderate": frozenset({COORDINATOR}),
    # Where residents live but no local group covers: counts per postcode sector.
    "gaps.view": frozenset({COORDINATOR}),
    # Bringing a spreadsheet of volunteers (Google Forms, Sheets, Airtable) into the group.
    "volunteers.import": frozenset({COORDINATOR}),
    # Volunteers: who they are, what they offer and the checks made on them...
    "volunteers.view": frozenset({COORDINATOR, SAFEGUARDING_LEAD}),
    "volunteers.vet": frozenset({COORDINATOR, SAFEGUARDING_LEAD}),
    # ...and how to reach them (email, phone and exact postcode through reveal(), the CSV).
    "volunteers.contact": frozenset({COORDINATOR}),
    # Help requests (requests/lifecycle.py names the permission each move needs).
    "requests.view": frozenset({COORDINATOR, CALL_HANDLER, SAFEGUARDING_LEAD}),
    "requests.intake": frozenset({COORDINATOR, CALL_HANDLER}),
    "requests.triage": frozenset({COORDINATOR, CALL_HANDLER}),
    # Correcting a request (kind of help, what they need, when, how soon): call handlers only
    # for the request in their hands, as for residents.
    "requests.edit": frozenset({COORDINATOR, CALL_HANDLER}),
    "requests.assign": frozenset({COORDINATOR}),
    "requests.close": frozenset({COORDINATOR, CALL_HANDLER}),
    "requests.escalate": frozenset({COORDINATOR, CALL_HANDLER, SAFEGUARDING_LEAD}),
    "requests.safeguard": frozenset({COORDINATOR, SAFEGUARDING_LEAD}),
    "requests.settings": frozenset({COORDINATOR}),
    # The callback queue: claim, call, log the outcome (check-ups and check-ins too).
    "callbacks.work": frozenset({COORDINATOR, CALL_HANDLER}),
    # Zero tolerance: who a group no longer serves.
    "exclusions.manage": frozenset({COORDINATOR, SAFEGUARDING_LEAD}),
    # Runs (a pharmacy's or food bank's batch of deliveries): enter, split, send out, and
    # see the stops' names and addresses through reveal(). A route's own volunteer sees
    # theirs by a grant, not a role.
    "runs.manage": frozenset({COORDINATOR}),
    # The directory of local services to signpost people to (signposting app): call handlers
    # and safeguarding leads read it and search it mid-call; coordinators keep it up to date,
    # import a council's Open Referral UK file and export their own.
    "services.view": frozenset({COORDINATOR, CALL_HANDLER, SAFEGUARDING_LEAD}),
    "services.manage": frozenset({COORDINATOR}),
    # Referring a resident to a local service with their consent, and following it up
    # (safeguarding leads too: passing on someone too high-risk for the group, from a case).
    "referrals.send": frozenset({COORDINATOR, CALL_HANDLER, SAFEGUARDING_LEAD}),
    # Safeguarding (safeguarding app): anyone in the group may report an incident;
    # coordinators see that cases exist (a count, a line without details); only the
    # safeguarding leads open a case, work on it and refer from it.
    "safeguarding.report": ANY_ROLE,
    "safeguarding.cases": frozenset({COORDINATOR, SAFEGUARDING_LEAD}),
    "safeguarding.case_details": frozenset({SAFEGUARDING_LEAD}),
    # Partners (a pharmacy, a food bank, a council) and their API tokens and webhooks.
    "partners.manage": frozenset({COORDINATOR}),
    # Money (money app). A task's money page: the volunteer who did it (only their own task,
    # by the task's grant), call handlers (to confirm cash at the check-up), coordinators
    # and treasurers.
    "money.task": frozenset({COORDINATOR, CALL_HANDLER, VOLUNTEER, TREASURER}),
    # Recording spending with a receipt, and cash taken at the door: the task's volunteer.
    "money.claim": frozenset({VOLUNTEER}),
    # A receipt photo: its volunteer (by the task's grant), treasurers and coordinators.
    "money.receipt": frozenset({COORDINATOR, VOLUNTEER, TREASURER}),
    # Confirming at the check-up call that the resident paid the cash recorded.
    "money.confirm": frozenset({COORDINATOR, CALL_HANDLER}),
    # The books, the claims queue and balances: to read.
    "money.view": frozenset({COORDINATOR, TREASURER}),
    # The treasurer's work: approve, query, reject, reimburse, record payments, the fund,
    # reversals and the monthly CSV.
    "money.manage": frozenset({TREASURER}),
    # A coordinator's decisions: spending over the limit, the hardship fund, reviewing flags.
    "money.decide": frozenset({COORDINATOR}),
    "money.settings": frozenset({COORDINATOR, TREASURER}),
    # Safety (kith.safety): volunteers out on in-person tasks and their check-ins...
    "safety.check_ins": frozenset({COORDINATOR, SAFEGUARDING_LEAD}),
    # ...risk assessments, read by everyone, written and signed off by those who answer for
    # safety...
    "safety.risk_view": ANY_ROLE,
    "safety.risk_edit": frozenset({COORDINATOR, SAFEGUARDING_LEAD}),
    # ...check-in times and who may collect prescriptions...
    "safety.settings": frozenset({COORDINATOR}),
    # ...and a prescription's collection: controlled drug or not, bag reference, confirmed.
    "safety.prescriptions": frozenset({COORDINATOR, CALL_HANDLER, SAFEGUARDING_LEAD}),
    # Retention (kith.retention): how long personal data is kept, what goes next week (by
    # reference, never a name), and the record of processing.
    "retention.settings": frozenset({COORDINATOR}),
    "retention.view": frozenset({COORDINATOR}),
    # Erasure on request (kith.erasure): a resident's or a volunteer's personal data removed.
    "erasure.erase": frozenset({COORDINATOR}),
}

# A coordinator of an ancestor group sees a child's aggregate figures only, and who of its
# volunteers is out on a task now: when a volunteer's call for help goes unanswered below, the
# alert goes up to them (safety.checkins), and its link must open...
PARENT_PERMISSIONS = frozenset({"group.view", "safety.check_ins"})
# ...and its residents only where every group between them has chosen to share.
PARENT_SHARED_PERMISSIONS = PARENT_PERMISSIONS | {"residents.view", "residents.reveal",
                                                  "residents.reveal_any"}

# A group with no safeguarding lead of its own is looked after by the leads of the nearest
# group above that has one (access._lead_from_above): they stand in for its leads on
# safeguarding work (its cases, the requests and residents they are about, passing someone on,
# exclusions), not on running the group (members, vetting, its audit trail and access log).
# They open only the residents and requests the group's cases are about (privacy.check_in_hand)...
SAFEGUARDING_FROM_ABOVE = frozenset({
    "group.view", "residents.view", "residents.reveal",
    "volunteers.view", "requests.view", "requests.escalate", "requests.safeguard",
    "exclusions.manage", "services.view", "referrals.send",
    "safeguarding.report", "safeguarding.cases", "safeguarding.case_details",
    # Missed check-ins and "I need help now" escalate to them: the alert links here.
    "safety.check_ins"})
# ...unless every group between them has chosen to share personal data with its parent.
SAFEGUARDING_FROM_ABOVE_SHARED = SAFEGUARDING_FROM_ABOVE | {"residents.reveal_any"}

# Roles whose holders can see residents' personal data, and so must use two-factor sign-in.
PERSONAL_DATA_ROLES = PERMISSIONS["residents.reveal"]

# Roles an invitation can grant only from a session that has used two-factor: anything that
# runs the group, sees personal data or handles money. Someone holding only a coordinator's
# password must not be able to invite themselves in as one.
TWO_FACTOR_TO_INVITE = PERSONAL_DATA_ROLES | {COORDINATOR, SAFEGUARDING_LEAD, TREASURER}


def permissions_for(roles: frozenset[str] | set[str]) -> frozenset[str]:
    return frozenset(perm for perm, allowed in PERMISSIONS.items() if roles & allowed)
