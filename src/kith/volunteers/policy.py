"""Who may take a task: the gate between signing up and helping a neighbour.

`can_take(person, group, service)` is what matching asks before offering a task or assigning
one. It is pure-ish: `facts_for()` reads what it needs from the database (six small queries),
and `reasons_not_to_take()` decides on those facts alone, so it can be tested, and called for
many volunteers at once, without a database.

A volunteer may take a task for `service` in `group` only when all of these hold:

- they have a volunteer profile and are a volunteer in that group;
- a coordinator or safeguarding lead of that group has approved them;
- every check the group's policy asks for that service is recorded (VettingPolicy, or
  DEFAULT_REQUIREMENTS for a group that has not decided);
- their consents are at the current wording (CONSENT_VERSIONS) and nobody has asked them to
  confirm again (`reconfirm_consent`, set by the spreadsheet import);
- they have not left, and are not on a break. A break ends on its return date: from that day
  they count as back, even before they next open Kith (which is when they are welcomed back);
- no exclusion in force in that group or a group above it names them (zero tolerance).

Some rules are about one request, not the kind of task: `request_reasons(person, req)` adds
them (a prescription's collection policy, kith.safety.prescriptions: only a volunteer the
resident knows, or nobody but a partner pharmacy, stricter still for a controlled drug).
Offering, assigning by hand and accepting all ask it beside `reasons_not_to_take`.

`may_hold(person, group, service)` asks the same of someone who already holds a task, an
offer or a route: it is what every grant checks on each request, and what
`kith.requests.handover.take_back_work` uses to decide what goes back when a role changes.
It differs from `can_take` in one way only: consents asked again because their wording
changed do not take work off anyone (new work waits until they confirm).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from kith.groups.catalogue import SERVICE_LABELS
from kith.volunteers.models import (
    CHECK_LABELS,
    CONSENT_VERSIONS,
    DEFAULT_REQUIREMENTS,
    Consent,
    Vetting,
    VettingPolicy,
    VolunteerProfile,
)

# Reasons, as codes; REASON_TEXT words them for coordinators. "missing:<check>" for checks.
NO_PROFILE = "no_profile"
LEFT = "left"
ON_BREAK = "on_break"
CONSENTS = "consents"
NOT_MEMBER = "not_member"
NOT_APPROVED = "not_approved"
EXCLUDED = "excluded"
MISSING = "missing:"
# A prescription's collection policy (kith.safety.prescriptions), per request.
RX_PHARMACY = "rx_pharmacy"
RX_NOT_KNOWN = "rx_not_known"

REASON_TEXT = {
    NO_PROFILE: "has not filled in a volunteer profile",
    LEFT: "has left",
    ON_BREAK: "is taking a break",
    CONSENTS: "needs to confirm their consents again",
    NOT_MEMBER: "is not a volunteer in this group",
    NOT_APPROVED: "is not approved yet",
    EXCLUDED: "is excluded from this group",
    RX_PHARMACY: "may not collect it: this group's rule sends prescriptions like this one "
                 "only through a partner pharmacy",
    RX_NOT_KNOWN: "has not helped this resident before, and this group lets only someone "
                  "they know collect this prescription",
}


MISSING_TEXT = {
    "id": "needs their ID seen",
    "references": "needs references checked",
    "dbs": "needs a DBS check recorded",
    "safeguarding": "needs safeguarding training recorded",
}


# The same reasons said to the volunteer themselves ("You can't take ... : you are taking a
# break"), in the web page or the text answering their YES: never "their" about themselves.
REASON_TEXT_YOU = {
    NO_PROFILE: "have not filled in your volunteer profile",
    LEFT: "have left",
    ON_BREAK: "are taking a break",
    CONSENTS: "need to confirm your consents again",
    NOT_MEMBER: "are not a volunteer in this group",
    NOT_APPROVED: "are not approved yet",
    EXCLUDED: "are excluded from this group",
    RX_PHARMACY: "may not collect it: this group's rule sends prescriptions like this one "
                 "only through a partner pharmacy",
    RX_NOT_KNOWN: "have not helped this resident before, and this group lets only someone "
                  "they know collect this prescription",
}

MISSING_TEXT_YOU = {
    "id": "need your ID seen",
    "references": "need your references checked",
    "dbs": "need a DBS check recorded",
    "safeguarding": "need safeguarding training recorded",
}


def reason_text(code: str, *, to_volunteer: bool = False) -> str:
    """The reason in words: about the volunteer for coordinators ("is taking a break"), or,
    `to_volunteer`, to them ("are taking a break"); both follow "Tom" or "you"."""
    reasons, missing = ((REASON_TEXT_YOU, MISSING_TEXT_YOU) if to_volunteer
                        else (REASON_TEXT, MISSING_TEXT))
    if code.startswith(MISSING):
        check = code.removeprefix(MISSING)
        verb = "need" if to_volunteer else "needs"
        return missing.get(check, f"{verb} {CHECK_LABELS.get(check, check)} recorded")
    return reasons.get(code, code)


@dataclass(frozen=True)
class Facts:
    """Everything the decision needs about one person in one group."""

    has_profile: bool
    status: str = VolunteerProfile.Status.ACTIVE
    break_until: date | None = None
    reconfirm_consent: bool = False
    consent_versions: dict[str, int] = field(default_factory=dict)  # kind -> newest version given
    is_volunteer_here: bool = False
    approved: bool = False
    checks: frozenset[str] = frozenset()  # the checks recorded
    requirements: dict[str, list[str]] = field(default_factory=dict)  # service -> checks needed
    excluded: bool = False  # an exclusion in force here or above names them


def requirements_for(group) -> dict[str, list[str]]:
    """The group's own policy, or the default for a group that has not decided."""
    policy = VettingPolicy.objects.filter(group=group).first()
    return dict(policy.requirements) if policy is not None else dict(DEFAULT_REQUIREMENTS)


def checks_recorded(vetting: Vetting | None) -> frozenset[str]:
    if vetting is None:
        return frozenset()
    recorded = {
        "id": vetting.id_seen_at is not None,
        "references": vetting.references_at is not None,
        "dbs": bool(vetting.dbs_level) and vetting.dbs_date is not None,
        "safeguarding": vetting.safeguarding_at is not None,
    }
    return frozenset(check for check, done in recorded.items() if done)


def consent_versions(person) -> dict[str, int]:
    versions: dict[str, int] = {}
    for kind, version in Consent.objects.filter(person=person).values_list("kind", "version"):
        versions[kind] = max(version, versions.get(kind, 0))
    return versions


def outdated_consents(versions: dict[str, int]) -> list[str]:
    """The consent kinds not given at their current wording."""
    return [kind for kind, current in CONSENT_VERSIONS.items() if versions.get(kind, 0) < current]


def on_break(status: str, break_until: date | None, today: date) -> bool:
    return status == VolunteerProfile.Status.ON_BREAK and (break_until is None
                                                           or break_until > today)


def facts_for(person, group) -> Facts:
    return facts_for_many([person.pk], group)[person.pk]


def facts_for_many(person_ids: list[int], group) -> dict[int, Facts]:
    """Everything the decision needs about each of these people in `group`, in one query a
    kind however many they are (a request's page checks every volunteer it suggests)."""

    profiles = {p.person_id: p for p in VolunteerProfile.objects.filter(person_id__in=person_ids)}
    vettings = {v.person_id: v for v in Vetting.objects.filter(person_id__in=person_ids,
                                                               group=group)}
    versions: dict[int, dict[str, int]] = {}
    for pk, kind, version in Consent.objects.filter(person_id__in=person_ids).values_list(
            "person_id", "kind", "version"):
        mine = versions.setdefault(pk, {})
        mine[kind] = max(version, mine.get(kind, 0))
    here = set(group.memberships.filter(person_id__in=person_ids, is_volunteer=True)
               .values_list("person_id", flat=True))
    named = _excluded_here(person_ids, group)
    requirements = requirements_for(group)
    facts = {}
    for pk in person_ids:
        profile, vetting = profiles.get(pk), vettings.get(pk)
        facts[pk] = Facts(has_profile=False) if profile is None else Facts(
            has_profile=True, status=profile.status, break_until=profile.break_until,
            reconfirm_consent=profile.reconfirm_consent, consent_versions=versions.get(pk, {}),
            is_volunteer_here=pk in here,
            approved=vetting is not None and vetting.is_approved, checks=checks_recorded(vetting),
            requirements=requirements, excluded=pk in named)
    return facts


def excluded_here(person, group) -> bool:
    """Does an exclusion in force in `group`, or a group above it, name this person?"""
    return person.pk in _excluded_here([person.pk], group)


def _excluded_here(person_ids: list[int], group) -> set[int]:
    from kith.requests.models import Exclusion

    named = set(Exclusion.objects.filter(person_id__in=person_ids, lifted_at__isnull=True)
                .values_list("person_id", "group_id"))
    if not named:  # nearly everyone is named by none: only then walk up the tree
        return set()
    here = {group.pk, *(g.pk for g in group.ancestors())}
    return {person for person, named_in in named if named_in in here}


def reasons_not_to_take(facts: Facts, service: str, today: date) -> list[str]:
    """Pure: every reason this person may not take a `service` task today (none: they may)."""
    if not facts.has_profile:
        return [NO_PROFILE]
    reasons = []
    if facts.status == VolunteerProfile.Status.LEFT:
        reasons.append(LEFT)
    elif on_break(facts.status, facts.break_until, today):
        reasons.append(ON_BREAK)
    if facts.reconfirm_consent or outdated_consents(facts.consent_versions):
        reasons.append(CONSENTS)
    if not facts.is_volunteer_here:
        reasons.append(NOT_MEMBER)
    if not facts.approved:
        reasons.append(NOT_APPROVED)
    if facts.excluded:
        reasons.append(EXCLUDED)
    for check in facts.requirements.get(service, []):
        if check not in facts.checks:
            reasons.append(f"{MISSING}{check}")
    return reasons


def request_reasons(person, req) -> list[str]:
    """Reasons about this one request rather than its kind of task (none: it has no rule of
    its own for them): a prescription's collection policy."""
    from kith.safety.prescriptions import reasons_not_to_collect

    return reasons_not_to_collect(person, req)


def can_take(person, group, service: str) -> bool:
    """May `person` accept a `service` task in `group` now? For matching to ask."""
    if service not in SERVICE_LABELS:
        raise ValueError(f"Unknown service: {service!r}")
    return not reasons_not_to_take(facts_for(person, group), service, timezone.localdate())


def reasons_not_to_hold(facts: Facts, service: str, today: date) -> list[str]:
    """Pure: why this person may no longer hold a `service` task, offer or route (none: they
    may). As reasons_not_to_take, but consents asked again for new wording take nothing away."""
    return [code for code in reasons_not_to_take(facts, service, today) if code != CONSENTS]


def may_hold(person, group, service: str) -> bool:
    """May `person` still hold their `service` task, offer or route in `group`? Every grant
    asks this on each request, so a path that forgets to take the work back cannot leak."""
    if not getattr(person, "is_authenticated", False):
        return False
    return not reasons_not_to_hold(facts_for(person, group), service, timezone.localdate())
