"""can_take(): nobody takes a task before their group has checked them as its policy asks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from kith.volunteers import services
from kith.volunteers.models import CONSENT_VERSIONS, Consent, Vetting, VolunteerProfile
from kith.volunteers.policy import (
    CONSENTS,
    LEFT,
    NO_PROFILE,
    NOT_APPROVED,
    NOT_MEMBER,
    ON_BREAK,
    Facts,
    can_take,
    reason_text,
    reasons_not_to_take,
)

TODAY = date(2026, 3, 23)
CURRENT = {str(kind): version for kind, version in CONSENT_VERSIONS.items()}
READY = Facts(has_profile=True, consent_versions=CURRENT, is_volunteer_here=True, approved=True,
              checks=frozenset({"id", "references"}),
              requirements={"prescriptions": ["id", "references", "dbs"]})


def _with(**changes) -> Facts:
    return Facts(**{**READY.__dict__, **changes})


# --- the pure decision


def test_it_lets_an_approved_volunteer_take_a_task_with_no_checks_needed():
    assert reasons_not_to_take(READY, "shopping", TODAY) == []


def test_it_needs_every_check_the_policy_names_for_that_service():
    assert reasons_not_to_take(READY, "prescriptions", TODAY) == ["missing:dbs"]
    assert reasons_not_to_take(_with(checks=frozenset({"id", "references", "dbs"})),
                               "prescriptions", TODAY) == []
    assert reason_text("missing:dbs") == "needs a DBS check recorded"


@pytest.mark.parametrize("changes, reason", [
    ({"approved": False}, NOT_APPROVED),
    ({"is_volunteer_here": False}, NOT_MEMBER),
    ({"status": "left"}, LEFT),
    ({"status": "on_break", "break_until": TODAY + timedelta(days=1)}, ON_BREAK),
    ({"status": "on_break", "break_until": None}, ON_BREAK),
    ({"reconfirm_consent": True}, CONSENTS),
    ({"consent_versions": {**CURRENT, "safety": 0}}, CONSENTS),
    ({"consent_versions": {k: v for k, v in CURRENT.items() if k != "data"}}, CONSENTS),
])
def test_it_says_why_not(changes, reason):
    assert reasons_not_to_take(_with(**changes), "shopping", TODAY) == [reason]


def test_it_counts_a_break_over_on_its_return_date():
    back_today = _with(status="on_break", break_until=TODAY)
    assert reasons_not_to_take(back_today, "shopping", TODAY) == []


def test_it_gives_every_reason_at_once():
    assert reasons_not_to_take(Facts(has_profile=False), "shopping", TODAY) == [NO_PROFILE]
    assert reasons_not_to_take(_with(approved=False, reconfirm_consent=True, checks=frozenset()),
                               "prescriptions", TODAY) == [
        CONSENTS, NOT_APPROVED, "missing:id", "missing:references", "missing:dbs"]


# --- against the database



@pytest.mark.django_db
def test_it_keeps_kasia_off_tasks_until_priya_approves_her(kasia, kasia_membership, priya,
                                                           street):
    assert not can_take(kasia, street, "shopping")
    services.approve(kasia_membership, acting_user=priya)
    assert can_take(kasia, street, "shopping")
    assert not can_take(kasia, street, "prescriptions")  # the default policy wants a DBS check
    day = timezone.localdate()
    services.record_vetting(kasia_membership, acting_user=priya, id_seen_at=day,
                            references_at=day, dbs_level="enhanced", dbs_date=day)
    assert can_take(kasia, street, "prescriptions")


@pytest.mark.django_db
def test_it_follows_the_groups_own_policy(kasia, kasia_membership, priya, street):
    services.approve(kasia_membership, acting_user=priya)
    services.update_policy(street, acting_user=priya, requirements={"shopping": ["safeguarding"]})
    assert not can_take(kasia, street, "shopping")
    assert can_take(kasia, street, "prescriptions")  # this group asks nothing for it
    services.record_vetting(kasia_membership, acting_user=priya,
                            safeguarding_at=timezone.localdate())
    assert can_take(kasia, street, "shopping")


@pytest.mark.django_db
def test_it_takes_approval_in_one_group_as_no_approval_in_another(kasia, kasia_membership, priya,
                                                                  other_street):
    services.approve(kasia_membership, acting_user=priya)
    assert not can_take(kasia, other_street, "shopping")


@pytest.mark.django_db
def test_it_stops_offers_during_a_break_after_leaving_or_until_consents_are_confirmed(
        kasia, kasia_membership, priya, street):
    services.approve(kasia_membership, acting_user=priya)
    profile = kasia.volunteer
    services.take_break(profile, acting_user=kasia,
                        until=timezone.localdate() + timedelta(days=3))
    assert not can_take(kasia, street, "shopping")
    services.end_break(profile, acting_user=kasia)
    VolunteerProfile.objects.filter(pk=profile.pk).update(reconfirm_consent=True)
    assert not can_take(kasia, street, "shopping")
    services.confirm_consents(kasia, acting_user=kasia, kinds=list(Consent.Kind))
    assert can_take(kasia, street, "shopping")
    Consent.objects.filter(person=kasia, kind="unpaid").delete()
    assert not can_take(kasia, street, "shopping")
    services.confirm_consents(kasia, acting_user=kasia, kinds=["unpaid"])
    services.leave(profile, acting_user=kasia)
    assert not can_take(kasia, street, "shopping")
    assert Vetting.objects.get(person=kasia).is_approved  # the record stays; leaving is enough


@pytest.mark.django_db
def test_it_says_no_for_someone_without_a_profile(tom, street):
    assert not can_take(tom, street, "shopping")
    with pytest.raises(ValueError):
        can_take(tom, street, "juggling")
