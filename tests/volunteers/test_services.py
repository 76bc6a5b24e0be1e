"""Kasia signs up, Priya checks and approves her, Kasia takes a break and one day leaves.

Every change is one transaction with its audit rows; a change that fails leaves nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from kith.core.fields import Sealed
from kith.core.models import AuditEvent
from kith.groups.models import Group, Membership
from kith.volunteers import services
from kith.volunteers.models import (
    CONSENT_VERSIONS,
    Consent,
    Vetting,
    VettingPolicy,
    VolunteerProfile,
)
from tests.factories import GroupFactory, MembershipFactory, PersonFactory
from tests.volunteers.conftest import ALL_CONSENTS, SIGN_UP, sign_up, verify

pytestmark = pytest.mark.django_db


def _actions(**filters) -> list[str]:
    return list(AuditEvent.objects.filter(**filters).order_by("pk").values_list("action", flat=True))


@pytest.fixture
def newcomer(db):
    return PersonFactory(email="kasia@example.org", display_name="Kasia Nowak")


# --- signing up


def test_it_signs_up_a_volunteer_into_the_most_local_group(
        newcomer, street, ward, priya, django_capture_on_commit_callbacks):
    ward.coverage = ["W10 5", "W10 6"]
    ward.save()
    with django_capture_on_commit_callbacks(execute=True):
        result = sign_up(newcomer, postcode="w105nw", on_duty=True)

    profile = VolunteerProfile.objects.get(person=newcomer)
    assert (result.group, result.how) == (street, "covers")  # the street before its ward
    assert profile.services == ["shopping", "dog_walking"]
    assert profile.availability == ["mon_eve", "sat_am"]
    assert (profile.transport, profile.radius_km, profile.weekly_cap, profile.on_duty) == (
        "bike", 2, 3, True)
    assert isinstance(profile.postcode, Sealed)
    newcomer.refresh_from_db()
    assert newcomer.postcode_sector == "W10 5"
    assert street.memberships.get(person=newcomer).roles == {"volunteer"}
    assert not ward.memberships.filter(person=newcomer).exists()
    assert {(c.kind, c.version) for c in Consent.objects.filter(person=newcomer)} == {
        (kind, version) for kind, version in CONSENT_VERSIONS.items()}
    assert _actions(actor=newcomer) == ["kith.volunteer.signed_up", "kith.group.member_added",
                                        "kith.volunteer.joined"]
    signed_up = AuditEvent.objects.get(action="kith.volunteer.signed_up")
    assert signed_up.new["postcode"] == "***"
    assert signed_up.new["postcode_sector"] == "W10 5"
    joined = AuditEvent.objects.get(action="kith.volunteer.joined")
    assert (joined.group, joined.new["how"]) == (street, "covers")
    [message] = mail.outbox
    assert message.to == ["priya@example.org"]
    assert "Kasia Nowak" in message.body and "W10 5" in message.body
    assert "W10 5NW" not in message.body
    assert f"/g/golborne-road/volunteers/{street.memberships.get(person=newcomer).pk}/" in message.body


def test_it_stores_the_full_postcode_only_as_ciphertext(newcomer, street):
    sign_up(newcomer, postcode="W10 5NW")
    with connection.cursor() as cursor:
        cursor.execute("SELECT postcode FROM volunteers_volunteerprofile")
        [(stored,)] = cursor.fetchall()
    assert "W10" not in stored and "5NW" not in stored


def test_it_joins_the_nearest_ward_or_borough_when_no_group_covers_the_postcode(
        newcomer, django_capture_on_commit_callbacks):
    near = GroupFactory(slug="notting-dale", name="Notting Dale", kind=Group.Kind.WARD,
                        coverage=["W11 1"])
    GroupFactory(slug="chelsea", name="Chelsea", kind=Group.Kind.BOROUGH, coverage=["SW3"])
    GroupFactory(slug="nearer-street", name="A street", kind=Group.Kind.STREET,
                 coverage=["W10 5"])  # nearer, but a street covers only its own patch
    lead = PersonFactory(email="dale@example.org")
    MembershipFactory(person=lead, group=near, is_coordinator=True)
    with django_capture_on_commit_callbacks(execute=True):
        result = sign_up(newcomer, postcode="W10 6DA")
    assert (result.group, result.how) == (near, "nearest")
    assert near.memberships.get(person=newcomer).is_volunteer
    assert AuditEvent.objects.get(action="kith.volunteer.joined").new["how"] == "nearest"
    assert [m.to for m in mail.outbox] == [["dale@example.org"]]


def test_it_keeps_the_profile_when_there_is_no_group_anywhere(newcomer):
    result = sign_up(newcomer, postcode="SE1 7PB")
    assert (result.group, result.how) == (None, "none")
    assert VolunteerProfile.objects.filter(person=newcomer).exists()
    assert not Membership.objects.filter(person=newcomer).exists()
    assert _actions() == ["kith.volunteer.signed_up"]


def test_it_leaves_someone_already_volunteering_in_their_group(tom, street):
    result = sign_up(tom, postcode="W10 6DA")
    assert (result.group, result.how) == (None, "already")
    assert list(Membership.objects.filter(person=tom).values_list("group__slug", flat=True)) == [
        "golborne-road"]


def test_it_saves_nothing_when_joining_the_group_fails(
        newcomer, street, priya, django_capture_on_commit_callbacks):
    verify(newcomer)
    with mock.patch("kith.groups.services.add_member", side_effect=RuntimeError("db gone")), \
            django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        services.sign_up(newcomer, acting_user=newcomer, postcode="W10 5NW",
                         consents=ALL_CONSENTS, **SIGN_UP)
    assert not VolunteerProfile.objects.exists()
    assert not Consent.objects.exists()
    assert not AuditEvent.objects.exists()
    newcomer.refresh_from_db()
    assert newcomer.postcode_sector == ""
    assert mail.outbox == []


def test_it_refuses_an_unproven_email_address(newcomer, street):
    with pytest.raises(ValidationError, match="Confirm your email"):
        services.sign_up(newcomer, acting_user=newcomer, postcode="W10 5NW",
                         consents=ALL_CONSENTS, **SIGN_UP)
    assert not VolunteerProfile.objects.exists()


def test_it_needs_every_consent(newcomer, street):
    verify(newcomer)
    with pytest.raises(ValidationError) as caught:
        services.sign_up(newcomer, acting_user=newcomer, postcode="W10 5NW",
                         consents=["data", "adult"], **SIGN_UP)
    assert set(caught.value.message_dict) == {"unpaid", "safety"}
    assert not VolunteerProfile.objects.exists()


@pytest.mark.parametrize("postcode, words", [
    ("W10", "only the first half"), ("W1O 5NW", "Did you mean"), ("90210", "ZIP"),
])
def test_it_words_postcode_problems_as_places_does(newcomer, street, postcode, words):
    verify(newcomer)
    with pytest.raises(ValidationError) as caught:
        services.sign_up(newcomer, acting_user=newcomer, postcode=postcode,
                         consents=ALL_CONSENTS, **SIGN_UP)
    assert words.lower() in " ".join(caught.value.message_dict["postcode"]).lower()


def test_it_refuses_a_second_sign_up_but_welcomes_back_someone_who_left(kasia, street):
    with pytest.raises(ValidationError, match="already signed up"):
        sign_up(kasia)
    services.leave(kasia.volunteer, acting_user=kasia)
    result = sign_up(kasia, services=["befriending"])
    profile = VolunteerProfile.objects.get(person=kasia)
    assert (profile.status, profile.services) == ("active", ["befriending"])
    assert result.group == street
    assert AuditEvent.objects.filter(action="kith.volunteer.signed_up").order_by("pk").last().new["returning"]


def test_it_records_a_new_account_made_at_sign_up():
    person = services.register_person(email="New@Example.org", display_name=" Ola ")
    assert (person.email, person.display_name) == ("new@example.org", "Ola")
    event = AuditEvent.objects.get()
    assert (event.action, event.new["email"]) == ("kith.person.signed_up", "***")


# --- checks and approval


def test_it_records_checks_and_writes_only_what_changed(kasia_membership, priya):
    day = timezone.localdate() - timedelta(days=3)
    services.record_vetting(kasia_membership, acting_user=priya, id_seen_at=day,
                            references_at=None, dbs_level="", dbs_date=None, safeguarding_at=None)
    services.record_vetting(kasia_membership, acting_user=priya, id_seen_at=day,
                            references_at=None, dbs_level="", dbs_date=None, safeguarding_at=None)
    services.record_vetting(kasia_membership, acting_user=priya, id_seen_at=day,
                            references_at=day, dbs_level="enhanced", dbs_date=day,
                            safeguarding_at=None)
    events = AuditEvent.objects.filter(action="kith.volunteer.vetting_updated").order_by("pk")
    assert [set(e.new) - {"person"} for e in events] == [
        {"id_seen_at"}, {"references_at", "dbs_level", "dbs_date"}]
    assert events[0].group == kasia_membership.group
    vetting = Vetting.objects.get()
    assert (vetting.dbs_level, vetting.is_approved) == ("enhanced", False)


@pytest.mark.parametrize("checks, field", [
    ({"id_seen_at": date.today() + timedelta(days=2)}, "id_seen_at"),
    ({"dbs_level": "basic"}, "dbs_date"),
    ({"dbs_date": date(2025, 1, 1)}, "dbs_level"),
])
def test_it_refuses_checks_that_cannot_be_right(kasia_membership, priya, checks, field):
    with pytest.raises(ValidationError) as caught:
        services.record_vetting(kasia_membership, acting_user=priya, **checks)
    assert field in caught.value.message_dict
    assert not Vetting.objects.exists()


def test_it_approves_once_and_can_withdraw(kasia_membership, priya):
    services.approve(kasia_membership, acting_user=priya)
    services.approve(kasia_membership, acting_user=priya)
    vetting = Vetting.objects.get()
    assert (vetting.is_approved, vetting.approved_by) == (True, priya)
    services.withdraw_approval(kasia_membership, acting_user=priya)
    assert not Vetting.objects.get().is_approved
    assert _actions(group=kasia_membership.group, actor=priya) == [
        "kith.volunteer.approved", "kith.volunteer.approval_withdrawn"]


def test_it_only_vets_volunteers(priya, street):
    own = street.memberships.get(person=priya)
    with pytest.raises(ValidationError, match="not a volunteer"):
        services.approve(own, acting_user=priya)
    assert not Vetting.objects.exists()


def test_it_keeps_each_groups_policy(street, priya):
    services.update_policy(street, acting_user=priya,
                           requirements={"shopping": ["id"], "prescriptions": ["dbs", "id"],
                                         "dog_walking": []})
    assert VettingPolicy.objects.get(group=street).requirements == {
        "shopping": ["id"], "prescriptions": ["id", "dbs"]}
    services.update_policy(street, acting_user=priya,
                           requirements={"shopping": ["id"], "prescriptions": ["id", "dbs"]})
    [event] = AuditEvent.objects.filter(action="kith.volunteer.policy_updated")
    assert event.old == {"requirements": {"prescriptions": ["id", "references", "dbs"]}}
    with pytest.raises(ValidationError):
        services.update_policy(street, acting_user=priya, requirements={"juggling": ["id"]})


# --- the volunteer's own changes


def test_it_switches_duty_and_records_each_switch(kasia):
    profile = kasia.volunteer
    services.set_on_duty(profile, on_duty=True, acting_user=kasia)
    services.set_on_duty(profile, on_duty=True, acting_user=kasia)
    services.set_on_duty(profile, on_duty=False, acting_user=kasia)
    assert [e.new for e in AuditEvent.objects.filter(action="kith.volunteer.duty_changed")
            .order_by("pk")] == [{"on_duty": True}, {"on_duty": False}]


def test_it_takes_a_break_and_ends_it_on_the_return_day(kasia):
    profile = kasia.volunteer
    services.set_on_duty(profile, on_duty=True, acting_user=kasia)
    today = timezone.localdate()
    services.take_break(profile, until=today + timedelta(days=7), acting_user=kasia)
    profile.refresh_from_db()
    assert (profile.status, profile.on_duty) == ("on_break", False)
    with pytest.raises(ValidationError, match="on a break"):
        services.set_on_duty(profile, on_duty=True, acting_user=kasia)
    assert not services.end_break_if_due(profile, today=today + timedelta(days=6))
    assert services.end_break_if_due(profile, today=today + timedelta(days=7))
    profile.refresh_from_db()
    assert (profile.status, profile.break_until) == ("active", None)
    assert _actions(action__startswith="kith.volunteer.break") == [
        "kith.volunteer.break_started", "kith.volunteer.break_ended"]


@pytest.mark.parametrize("days", [0, -3, 400])
def test_it_refuses_a_break_ending_today_in_the_past_or_next_year(kasia, days):
    with pytest.raises(ValidationError) as caught:
        services.take_break(kasia.volunteer, acting_user=kasia,
                            until=timezone.localdate() + timedelta(days=days))
    assert "until" in caught.value.message_dict
    assert VolunteerProfile.objects.get(person=kasia).status == "active"


def test_it_updates_details_and_masks_a_new_postcode(kasia):
    services.update_details(kasia.volunteer, acting_user=kasia, postcode="W10 6DA",
                            **{**SIGN_UP, "weekly_cap": 5})
    kasia.refresh_from_db()
    assert (kasia.postcode_sector, kasia.volunteer.weekly_cap) == ("W10 6", 5)
    event = AuditEvent.objects.get(action="kith.volunteer.updated")
    assert event.new == {"weekly_cap": 5, "postcode_sector": "W10 6", "postcode": "***"}
    assert event.old == {"weekly_cap": 3, "postcode_sector": "W10 5"}
    services.update_details(kasia.volunteer, acting_user=kasia, **{**SIGN_UP, "weekly_cap": 5})
    assert AuditEvent.objects.filter(action="kith.volunteer.updated").count() == 1


def test_it_asks_imported_volunteers_to_confirm_every_consent(kasia):
    VolunteerProfile.objects.filter(person=kasia).update(reconfirm_consent=True)
    with pytest.raises(ValidationError):
        services.confirm_consents(kasia, acting_user=kasia, kinds=["data"])
    services.confirm_consents(kasia, acting_user=kasia, kinds=ALL_CONSENTS)
    assert not VolunteerProfile.objects.get(person=kasia).reconfirm_consent
    assert AuditEvent.objects.get(action="kith.volunteer.consented").new["consents"] == dict(
        CONSENT_VERSIONS)


def test_it_asks_again_only_for_a_consent_whose_wording_changed(kasia, monkeypatch):
    monkeypatch.setitem(CONSENT_VERSIONS, Consent.Kind.SAFETY, 2)
    with pytest.raises(ValidationError):
        services.confirm_consents(kasia, acting_user=kasia, kinds=[])
    assert services.confirm_consents(kasia, acting_user=kasia, kinds=["safety"]) == {"safety": 2}


def test_it_lets_a_volunteer_leave_keeping_other_roles(kasia, street, ward, priya):
    MembershipFactory(person=kasia, group=ward, is_volunteer=True, is_call_handler=True)
    services.set_on_duty(kasia.volunteer, on_duty=True, acting_user=kasia)
    services.leave(kasia.volunteer, acting_user=kasia)
    profile = VolunteerProfile.objects.get(person=kasia)
    assert (profile.status, profile.on_duty) == ("left", False)
    assert not street.memberships.filter(person=kasia).exists()
    assert ward.memberships.get(person=kasia).roles == {"call_handler"}
    left = AuditEvent.objects.filter(action="kith.volunteer.left")
    assert {e.group for e in left} == {street, ward}
    assert _actions(actor=kasia, action__startswith="kith.group") == [
        "kith.group.member_added", "kith.group.member_removed", "kith.group.roles_changed"]
    services.leave(profile, acting_user=kasia)
    assert left.count() == 2
