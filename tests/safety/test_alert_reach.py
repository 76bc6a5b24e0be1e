"""Review M, S6: while a check-in is in alert, the people Kith alerted see the volunteer's
phone number and the address they went to on the check-ins page, without two-factor; each
look is logged naming the check-in; nobody else sees them, and nobody once it is closed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from kith.core.models import PersonalDataAccess
from kith.requests.sweeps import tick
from kith.safety import checkins
from kith.safety.models import SafetyPolicy

pytestmark = pytest.mark.django_db

TOM_PHONE = "07700 900123"


@pytest.fixture
def out(task, tom, street):
    tom.phone = TOM_PHONE
    tom.save()
    SafetyPolicy.objects.create(group=street, grace_minutes=20)
    return checkins.do_start_visit(task, acting_user=tom, minutes=60)


def _page(client, person, street) -> str:
    client.force_login(person)
    response = client.get(reverse("safety:check_ins", args=[street.slug]))
    assert response.status_code == 200
    return response.content.decode()


def _missed(check_in, minutes=21):
    tick(check_in.due_at + timedelta(minutes=1))  # asked
    tick(check_in.due_at + timedelta(minutes=minutes))  # coordinators alerted


def test_the_alerted_coordinator_sees_the_number_and_address_each_look_logged(
        client, out, priya, street):
    _missed(out)
    page = _page(client, priya, street)  # Priya has no two-factor
    assert "07700 900123" in page and "14 Golborne Road" in page and "W10 5NW" in page
    looks = PersonalDataAccess.objects.filter(viewer=priya)
    assert {(look.subject_type, look.field) for look in looks} == {
        ("accounts.person", "phone"), ("residents.resident", "address, postcode")}
    assert all(f"check-in {out.pk}" in look.reason and out.request.reference in look.reason
               for look in looks)
    _page(client, priya, street)
    assert PersonalDataAccess.objects.filter(viewer=priya).count() == 4  # every look


def test_someone_not_yet_alerted_does_not_see_them(client, out, priya, lena, street):
    _missed(out)  # the coordinators are alerted; the lead only after another grace
    page = _page(client, lena, street)
    assert "07700 900123" not in page and "14 Golborne Road" not in page
    assert not PersonalDataAccess.objects.filter(viewer=lena).exists()
    tick(out.due_at + timedelta(minutes=42))  # now the lead is told too
    assert "07700 900123" in _page(client, lena, street)


def test_a_missed_check_in_before_the_alert_shows_nothing(client, out, priya, street):
    tick(out.due_at + timedelta(minutes=1))  # only the volunteer asked so far
    assert "07700 900123" not in _page(client, priya, street)


def test_i_need_help_now_shows_them_to_coordinators_and_leads(client, out, tom, priya, lena,
                                                              street):
    checkins.do_ask_for_help(out, acting_user=tom)
    for person in (priya, lena):
        page = _page(client, person, street)
        assert "07700 900123" in page and "14 Golborne Road" in page


def test_once_closed_the_usual_rules_apply(client, out, tom, priya, street):
    from kith.core.privacy import NeedToKnowDenied, reveal
    from kith.safety.views import AlertGrant

    checkins.do_ask_for_help(out, acting_user=tom)
    grant = AlertGrant(out, frozenset({priya.pk}))
    checkins.do_close_check_in(out, acting_user=priya, note="Rang him, all fine")
    out.refresh_from_db()
    assert "07700 900123" not in _page(client, priya, street)
    with pytest.raises(NeedToKnowDenied):
        reveal(tom, "phone", viewer=priya, group=street, reason="alert", grant=grant)
    assert not PersonalDataAccess.objects.filter(viewer=priya).exists()


def test_the_address_is_said_once_stacked_for_a_phone(client, out, priya, street):
    """The address already ending in its postcode is not followed by it again (review m2,
    S6a), and the block stacks each line (no narrow column on a phone)."""
    from kith.safety.views import _where

    resident = out.request.resident
    resident.address, resident.postcode = "14 Golborne Road, London W10 5NW", "W10 5NW"
    resident.save()
    _missed(out)
    page = _page(client, priya, street)
    assert page.count("W10 5NW") == 1 and '<dl class="reach">' in page
    assert _where("14 Golborne Road", "W10 5NW") == "14 Golborne Road, W10 5NW"
    assert _where("", "W10 5NW") == "W10 5NW"
    assert _where("Flat 2, 14 Golborne Road w105nw", "W10 5NW") == "Flat 2, 14 Golborne Road w105nw"
