"""Every change to volunteers: signing up, their own details, checks, approval and the policy.

Each function runs in one transaction and writes its audit row in it (kith.volunteer.*).
Emails go out with transaction.on_commit, so nothing is mailed for a change that rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core.audit import log_action, snapshot
from kith.core.mail import send_templated, site_url
from kith.directory.geocoding import Place, place_for
from kith.directory.search import group_centre, groups_covering
from kith.groups import services as group_services
from kith.groups.catalogue import SERVICE_LABELS
from kith.groups.models import Group, Membership
from kith.groups.roles import COORDINATOR, VOLUNTEER
from kith.places.geo import haversine_m
from kith.places.postcodes import PostcodeError, parse
from kith.volunteers.models import (
    CHECK_LABELS,
    CHECKS,
    CONSENT_VERSIONS,
    DEFAULT_REQUIREMENTS,
    SLOTS,
    Consent,
    Vetting,
    VettingPolicy,
    VolunteerProfile,
)
from kith.volunteers.policy import checks_recorded, consent_versions, outdated_consents

# What a volunteer tells us about themselves (the full postcode is handled on its own: sealed).
DETAIL_FIELDS = ["services", "availability", "languages", "transport", "radius_km", "weekly_cap"]
VETTING_FIELDS = ["id_seen_at", "references_at", "dbs_level", "dbs_date", "safeguarding_at"]
LONGEST_BREAK = timedelta(days=366)
ACTIVE_EVERY = timedelta(hours=1)  # last_active_at is refreshed at most this often


@dataclass(frozen=True)
class SignUp:
    profile: VolunteerProfile
    group: Group | None  # the group they joined now; None if they were already a volunteer
    how: str  # "covers", "nearest", "already" or "none"


# --- finding their group


def home_group_for(place: Place) -> tuple[Group | None, str]:
    """The most local group covering the place; else the nearest ward or borough group.

    Returns (group, how) where how is "covers", "nearest" or "none".
    """
    covering = groups_covering(place)
    if covering:
        return covering[0].group, "covers"
    nearest: tuple[float, str, Group] | None = None
    for group in Group.objects.filter(kind__in=[Group.Kind.WARD, Group.Kind.BOROUGH]):
        centre = group_centre(group)
        if centre is None:
            continue
        candidate = (haversine_m(place.point, centre), group.name, group)
        if nearest is None or candidate[:2] < nearest[:2]:
            nearest = candidate
    return (nearest[2], "nearest") if nearest else (None, "none")


def locate(postcode: str) -> Place:
    """A full postcode's place, or a ValidationError on `postcode` in kith.places' words."""
    try:
        return place_for(parse(postcode).text)
    except PostcodeError as exc:
        raise ValidationError({"postcode": str(exc)}) from None


# --- signing up


def email_verified(person) -> bool:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=person, email__iexact=person.email,
                                       verified=True).exists()


@transaction.atomic
def register_person(*, email: str, display_name: str):
    """A new account for someone signing up as a volunteer, before their email is proven.

    They join no group and have no profile until they confirm the emailed code (sign_up()).
    """
    person = get_user_model().objects.create_user(email, display_name=display_name.strip())
    log_action("kith.person.signed_up", actor=None, obj=person,
               new={"email": person.email, "display_name": person.display_name,
                    "via": "volunteer sign-up"})
    return person


def _check_consents(kinds) -> None:
    missing = [kind for kind in CONSENT_VERSIONS if kind not in set(kinds)]
    if missing:
        raise ValidationError({kind: "Tick this to volunteer with us." for kind in missing})


def _record_consents(person, kinds) -> dict[str, int]:
    given = {}
    for kind in kinds:
        version = CONSENT_VERSIONS[Consent.Kind(kind)]
        Consent.objects.get_or_create(person=person, kind=kind, version=version)
        given[str(kind)] = version
    return given


def _clean_details(details: dict) -> dict:
    unknown = [s for s in details.get("services", []) if s not in SERVICE_LABELS]
    if unknown:
        raise ValidationError({"services": "Choose from the list of ways to help."})
    if not details.get("services"):
        raise ValidationError({"services": "Choose at least one way you can help."})
    if any(slot not in SLOTS for slot in details.get("availability", [])):
        raise ValidationError({"availability": "Choose times from the table."})
    if details.get("transport") not in VolunteerProfile.Transport.values:
        raise ValidationError({"transport": "Choose how you get about."})
    return {
        "services": [s for s in SERVICE_LABELS if s in details["services"]],
        "availability": [s for s in SLOTS if s in details.get("availability", [])],
        "languages": list(details.get("languages", [])),
        "transport": details["transport"],
        "radius_km": int(details["radius_km"]),
        "weekly_cap": int(details["weekly_cap"]),
    }


@transaction.atomic
def sign_up(person, *, acting_user, postcode: str, consents, on_duty: bool = False,
            phone: str | None = None, display_name: str | None = None, **details) -> SignUp:
    """Make `person` a volunteer: profile, consents, area, and their local group.

    The person's email must be proven already (the view sends them through allauth's
    sign-in code first). They join the most local group covering their postcode, or the
    nearest ward or borough group when none covers it, unless they already volunteer in a
    group; that group's coordinators are emailed once this commits.
    """
    if not email_verified(person):
        raise ValidationError("Confirm your email address with the code we sent first.")
    _check_consents(consents)
    cleaned = _clean_details(details)
    place = locate(postcode)
    profile = VolunteerProfile.objects.select_for_update().filter(person=person).first()
    if profile is not None and profile.status != VolunteerProfile.Status.LEFT:
        raise ValidationError("You're already signed up as a volunteer.")
    returning = profile is not None
    profile = profile or VolunteerProfile(person=person)
    for name, value in cleaned.items():
        setattr(profile, name, value)
    profile.postcode = place.label
    profile.on_duty = on_duty
    profile.status = VolunteerProfile.Status.ACTIVE
    profile.break_until = None
    profile.reconfirm_consent = False
    profile.last_active_at = timezone.now()
    profile.save()
    person.postcode_sector = place.sector or ""
    if phone:
        person.phone = phone
    if display_name and not person.display_name:
        person.display_name = display_name.strip()[:100]
    person.save()
    given = _record_consents(person, consents)
    log_action("kith.volunteer.signed_up", actor=acting_user, obj=profile, new={
        **snapshot(profile, DETAIL_FIELDS + ["on_duty"]), "postcode": place.label,
        "postcode_sector": person.postcode_sector, "consents": given, "returning": returning,
    })
    if person.memberships.filter(is_volunteer=True).exists():
        return SignUp(profile, None, "already")
    group, how = home_group_for(place)
    if group is None:
        return SignUp(profile, None, how)
    membership = group_services.add_member(group, person, roles={VOLUNTEER},
                                           acting_user=acting_user)
    log_action("kith.volunteer.joined", actor=acting_user, group=group, obj=membership,
               new={"person": person.pk, "postcode_sector": person.postcode_sector,
                    "how": how})
    _tell_coordinators(group, profile, how)  # queued in this transaction
    return SignUp(profile, group, how)


def _tell_coordinators(group: Group, profile: VolunteerProfile, how: str) -> None:
    coordinators = (Membership.objects.with_role(COORDINATOR).filter(group=group)
                    .select_related("person"))
    membership = group.memberships.get(person=profile.person)
    url = site_url(reverse("volunteers:detail", args=[group.slug, membership.pk]))
    for coordinator in coordinators:
        send_templated(
            to=coordinator.person.email, subject=f"New volunteer in {group.name}",
            person=coordinator.person, group=group,
            template="volunteers/email/new_volunteer.txt",
            context={"group": group, "profile": profile, "person": profile.person,
                     "coordinator": coordinator.person, "url": url, "how": how,
                     "services": [SERVICE_LABELS[s] for s in profile.services]},
        )


# --- their own changes


def mark_active(profile: VolunteerProfile) -> None:
    """Note that the volunteer used Kith (for "last active"). Not an audited change."""
    now = timezone.now()
    if profile.last_active_at is None or now - profile.last_active_at > ACTIVE_EVERY:
        VolunteerProfile.objects.filter(pk=profile.pk).update(last_active_at=now)
        profile.last_active_at = now


def _locked(profile: VolunteerProfile) -> VolunteerProfile:
    return VolunteerProfile.objects.select_for_update().select_related("person").get(pk=profile.pk)


def _check_not_left(profile: VolunteerProfile) -> None:
    if profile.status == VolunteerProfile.Status.LEFT:
        raise ValidationError("You have left. Sign up again to volunteer.")


@transaction.atomic
def update_details(profile: VolunteerProfile, *, acting_user, postcode: str | None = None,
                   **details) -> VolunteerProfile:
    """A volunteer changes what they offer and when. An empty postcode keeps the saved one.

    A new postcode updates their area (sector) but not their groups: moving group is a
    coordinator's decision.
    """
    profile = _locked(profile)
    _check_not_left(profile)
    cleaned = _clean_details(details)
    person = profile.person
    old = {**snapshot(profile, DETAIL_FIELDS), "postcode_sector": person.postcode_sector}
    for name, value in cleaned.items():
        setattr(profile, name, value)
    if not postcode and snapshot(profile, DETAIL_FIELDS) == {k: old[k] for k in DETAIL_FIELDS}:
        # Saved unchanged: no save, so the match cards are not rebuilt either.
        mark_active(profile)
        return profile
    if postcode:
        place = locate(postcode)
        profile.postcode = place.label
        person.postcode_sector = place.sector or ""
        person.save(update_fields=["postcode_sector"])
    profile.last_active_at = timezone.now()
    profile.save()
    new = {**snapshot(profile, DETAIL_FIELDS), "postcode_sector": person.postcode_sector}
    changed = {k for k in new if new[k] != old[k]}
    if changed or postcode:
        log_action("kith.volunteer.updated", actor=acting_user, obj=profile,
                   old={k: old[k] for k in changed},
                   new={**{k: new[k] for k in changed}, **({"postcode": postcode} if postcode else {})})
    return profile


@transaction.atomic
def set_on_duty(profile: VolunteerProfile, *, on_duty: bool, acting_user) -> VolunteerProfile:
    profile = _locked(profile)
    _check_not_left(profile)
    if on_duty and profile.status == VolunteerProfile.Status.ON_BREAK:
        raise ValidationError("You're on a break. Say you're back first.")
    profile.last_active_at = timezone.now()
    if profile.on_duty == on_duty:
        profile.save(update_fields=["last_active_at"])
        return profile
    profile.on_duty = on_duty
    profile.save(update_fields=["on_duty", "last_active_at"])
    log_action("kith.volunteer.duty_changed", actor=acting_user, obj=profile,
               old={"on_duty": not on_duty}, new={"on_duty": on_duty})
    return profile


@transaction.atomic
def take_break(profile: VolunteerProfile, *, until: date, acting_user,
               today: date | None = None) -> VolunteerProfile:
    """Off duty, and no offers, until the return date (the morning they are back)."""
    today = today or timezone.localdate()
    if until <= today:
        raise ValidationError({"until": "Choose a day after today."})
    if until - today > LONGEST_BREAK:
        raise ValidationError({"until": "Choose a day within a year. You can always extend it."})
    profile = _locked(profile)
    _check_not_left(profile)
    old = snapshot(profile, ["status", "break_until", "on_duty"])
    profile.status = VolunteerProfile.Status.ON_BREAK
    profile.break_until = until
    profile.on_duty = False
    profile.last_active_at = timezone.now()
    profile.save()
    log_action("kith.volunteer.break_started", actor=acting_user, obj=profile, old=old,
               new=snapshot(profile, ["status", "break_until", "on_duty"]))
    # No new work on a break, and what they hold goes back so nobody waits on them.
    _take_back(profile.person, None, acting_user=acting_user, why=_(
        "%(person)s is taking a break until %(date)s.") % {
        "person": profile.person, "date": f"{until:%-d %B %Y}"})
    return profile


@transaction.atomic
def end_break(profile: VolunteerProfile, *, acting_user) -> VolunteerProfile:
    profile = _locked(profile)
    if profile.status != VolunteerProfile.Status.ON_BREAK:
        return profile
    old = snapshot(profile, ["status", "break_until"])
    profile.status = VolunteerProfile.Status.ACTIVE
    profile.break_until = None
    profile.last_active_at = timezone.now()
    profile.save()
    log_action("kith.volunteer.break_ended", actor=acting_user, obj=profile, old=old,
               new=snapshot(profile, ["status", "break_until"]))
    return profile


def end_break_if_due(profile: VolunteerProfile, *, today: date | None = None) -> bool:
    """Their return date has come: back to active. True if this ended a break."""
    today = today or timezone.localdate()
    if (profile.status == VolunteerProfile.Status.ON_BREAK and profile.break_until is not None
            and profile.break_until <= today):
        end_break(profile, acting_user=profile.person)
        return True
    return False


@transaction.atomic
def confirm_consents(person, *, acting_user, kinds) -> dict[str, int]:
    """Consent again to the current wording; clears the import's "confirm again" flag."""
    versions = consent_versions(person)
    profile = VolunteerProfile.objects.select_for_update().filter(person=person).first()
    needed = list(CONSENT_VERSIONS) if profile and profile.reconfirm_consent else \
        outdated_consents(versions)
    _check_consents(set(kinds) | (set(CONSENT_VERSIONS) - set(needed)))
    given = _record_consents(person, needed)
    if profile is not None and profile.reconfirm_consent:
        profile.reconfirm_consent = False
        profile.save(update_fields=["reconfirm_consent"])
    if given:
        log_action("kith.volunteer.consented", actor=acting_user, obj=profile or person,
                   new={"consents": given})
    return given


@transaction.atomic
def leave(profile: VolunteerProfile, *, acting_user) -> VolunteerProfile:
    """Stop volunteering: off duty, status left, the volunteer role dropped in every group.

    Other roles (a coordinator who also volunteered) stay. The account and its details stay
    too, sealed: erasing them is a separate request, not built yet.
    """
    profile = _locked(profile)
    if profile.status == VolunteerProfile.Status.LEFT:
        return profile
    old = snapshot(profile, ["status", "on_duty", "break_until"])
    profile.status = VolunteerProfile.Status.LEFT
    profile.on_duty = False
    profile.break_until = None
    profile.save()
    memberships = list(Membership.objects.select_for_update()
                       .filter(person=profile.person, is_volunteer=True).select_related("group"))
    for membership in memberships:
        log_action("kith.volunteer.left", actor=acting_user, group=membership.group,
                   obj=profile, old=old, new=snapshot(profile, ["status", "on_duty"]))
        why = _("%(person)s stopped volunteering with %(group)s.") % {
            "person": profile.person, "group": membership.group.name}
        remaining = membership.roles - {VOLUNTEER}
        if remaining:
            group_services.change_roles(membership, roles=remaining, acting_user=acting_user,
                                        why=why)
        else:
            group_services.remove_member(membership, acting_user=acting_user, why=why)
    if not memberships:
        log_action("kith.volunteer.left", actor=acting_user, obj=profile, old=old,
                   new=snapshot(profile, ["status", "on_duty"]))
    # Anything still held anywhere (the rules see "left" now) goes back too.
    _take_back(profile.person, None, acting_user=acting_user,
               why=_("%(person)s stopped volunteering.") % {"person": profile.person})
    return profile


def _take_back(person, group: Group | None, *, why: str, acting_user) -> None:
    """Their standing changed: what they may no longer hold goes back (handover.py)."""
    from kith.requests.handover import take_back_work

    take_back_work(person, group, why=why, acting_user=acting_user)


# --- coordinators and safeguarding leads


def _volunteer_membership(membership: Membership) -> Membership:
    membership = Membership.objects.select_for_update().select_related("group", "person").get(
        pk=membership.pk)
    if not membership.is_volunteer:
        raise ValidationError("They are not a volunteer in this group.")
    return membership


@transaction.atomic
def record_vetting(membership: Membership, *, acting_user, today: date | None = None,
                   **checks) -> Vetting:
    """Record the checks a group has made on one of its volunteers. Caller holds volunteers.vet."""
    today = today or timezone.localdate()
    membership = _volunteer_membership(membership)
    unknown = set(checks) - set(VETTING_FIELDS)
    if unknown:
        raise ValueError(f"Unknown checks: {sorted(unknown)}")
    errors = {}
    for name in ("id_seen_at", "references_at", "dbs_date", "safeguarding_at"):
        if checks.get(name) and checks[name] > today:
            errors[name] = "That date is in the future. Give the day it happened."
    if checks.get("dbs_level") and not checks.get("dbs_date"):
        errors["dbs_date"] = "Give the date on the DBS certificate."
    if checks.get("dbs_date") and not checks.get("dbs_level"):
        errors["dbs_level"] = "Choose the level of the DBS check."
    if errors:
        raise ValidationError(errors)
    values = {name: value or ("" if name == "dbs_level" else None) for name, value in checks.items()}
    vetting = Vetting.objects.select_for_update().filter(
        person=membership.person, group=membership.group).first()
    old = snapshot(vetting or Vetting(), VETTING_FIELDS)
    new = {**old, **snapshot(Vetting(**values), list(values))}
    changed = {k for k in new if new[k] != old[k]}
    if not changed:  # saved unchanged, or empty with no row yet: nothing is written
        return vetting or Vetting(person=membership.person, group=membership.group)
    if vetting is None:
        vetting, _created = Vetting.objects.select_for_update().get_or_create(
            person=membership.person, group=membership.group)
    had = checks_recorded(vetting)
    for name, value in values.items():
        setattr(vetting, name, value)
    vetting.save()
    log_action("kith.volunteer.vetting_updated", actor=acting_user, group=membership.group,
               obj=vetting, old={k: old[k] for k in changed},
               new={"person": membership.person_id, **{k: new[k] for k in changed}})
    lost = [CHECK_LABELS[c] for c in CHECKS if c in had - checks_recorded(vetting)]
    if lost:
        # Only the work that needs a lost check goes back (prescriptions need a DBS).
        _take_back(membership.person, membership.group, acting_user=acting_user, why=_(
            "%(person)s's checks in %(group)s changed: %(checks)s no longer recorded.") % {
            "person": membership.person, "checks": ", ".join(lost),
            "group": membership.group.name})
    return vetting


@transaction.atomic
def approve(membership: Membership, *, acting_user) -> Vetting:
    """Let a volunteer take tasks in this group (within the checks each service needs)."""
    membership = _volunteer_membership(membership)
    vetting, _created = Vetting.objects.select_for_update().get_or_create(
        person=membership.person, group=membership.group)
    if vetting.is_approved:
        return vetting
    vetting.approved_at = timezone.now()
    vetting.approved_by = acting_user
    vetting.save()
    log_action("kith.volunteer.approved", actor=acting_user, group=membership.group, obj=vetting,
               new={"person": membership.person_id, "approved_at": vetting.approved_at})
    return vetting


@transaction.atomic
def withdraw_approval(membership: Membership, *, acting_user) -> Vetting | None:
    membership = _volunteer_membership(membership)
    vetting = Vetting.objects.select_for_update().filter(person=membership.person,
                                                         group=membership.group).first()
    if vetting is None or not vetting.is_approved:
        return vetting
    old = {"approved_at": vetting.approved_at, "approved_by": vetting.approved_by_id}
    vetting.approved_at = None
    vetting.approved_by = None
    vetting.save()
    log_action("kith.volunteer.approval_withdrawn", actor=acting_user, group=membership.group,
               obj=vetting, old=old, new={"person": membership.person_id, "approved_at": None})
    _take_back(membership.person, membership.group, acting_user=acting_user, why=_(
        "%(person)s's approval in %(group)s was withdrawn.") % {
        "person": membership.person, "group": membership.group.name})
    return vetting


@transaction.atomic
def update_policy(group: Group, *, acting_user, requirements: dict[str, list[str]]) -> VettingPolicy:
    """Which checks each service needs in this group. Caller holds volunteers.vet."""
    cleaned = {}
    for service, checks in requirements.items():
        if service not in SERVICE_LABELS or any(c not in CHECKS for c in checks):
            raise ValidationError("Choose services and checks from the table.")
        if checks:
            cleaned[service] = [c for c in CHECKS if c in checks]
    policy = VettingPolicy.objects.select_for_update().filter(group=group).first()
    # A group without a policy row was following the default.
    old = {k: list(v) for k, v in DEFAULT_REQUIREMENTS.items()} if policy is None \
        else policy.requirements
    if old == cleaned:  # saved unchanged: no row written, not even one repeating the default
        return policy or VettingPolicy(group=group, requirements=cleaned)
    if policy is None:
        policy, _created = VettingPolicy.objects.select_for_update().get_or_create(group=group)
    policy.requirements = cleaned
    policy.save()
    log_action("kith.volunteer.policy_updated", actor=acting_user, group=group, obj=policy,
               old={"requirements": old}, new={"requirements": cleaned})
    _take_back_in_group(group, acting_user=acting_user)
    return policy


def _take_back_in_group(group: Group, *, acting_user) -> None:
    """The policy asks for more: work held by someone without the new checks goes back."""
    from django.contrib.auth import get_user_model

    from kith.requests.handover import holders_in

    for person in get_user_model().objects.filter(pk__in=holders_in(group)).order_by("pk"):
        _take_back(person, group, acting_user=acting_user, why=_(
            "%(group)s now asks for checks %(person)s doesn't have recorded.") % {
            "group": group.name, "person": person})


@transaction.atomic
def record_export(group: Group, *, acting_user, filters: dict, count: int) -> None:
    """A coordinator downloaded the (filtered) volunteer list: who, when, which filters."""
    log_action("kith.volunteer.exported", actor=acting_user, group=group,
               new={"filters": filters, "count": count})
