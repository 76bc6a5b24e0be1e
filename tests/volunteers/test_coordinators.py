"""Priya looks after Golborne Road's volunteers: filters, the CSV, contact details, checks.

Lena, the group's safeguarding lead, checks volunteers too, but contact details and the CSV
are for coordinators.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from kith.core.models import AuditEvent, PersonalDataAccess
from kith.volunteers import roster, services
from kith.volunteers.models import Vetting, VettingPolicy, VolunteerProfile
from tests.conftest import confirm_two_factor, enable_totp
from tests.factories import MembershipFactory, PersonFactory
from tests.volunteers.conftest import sign_up

pytestmark = pytest.mark.django_db

LIST = "/g/golborne-road/volunteers/"


@pytest.fixture
def lena(street):
    person = PersonFactory(email="lena@example.org", display_name="Lena Berg")
    MembershipFactory(person=person, group=street, is_safeguarding_lead=True)
    return person


@pytest.fixture
def team(kasia, kasia_membership, priya, street, tom):
    """Kasia (waiting), Ben (approved, on duty, W10 6), Cleo (on a break), Dan (idle)."""
    ben = PersonFactory(email="ben@example.org", display_name="Ben Adams")
    sign_up(ben, services=["befriending"], availability=["tue_pm"], postcode="W10 6DA")
    MembershipFactory(person=ben, group=street, is_volunteer=True)  # no group covers W10 6
    services.approve(street.memberships.get(person=ben), acting_user=priya)
    services.set_on_duty(ben.volunteer, on_duty=True, acting_user=ben)
    cleo = PersonFactory(email="cleo@example.org", display_name="=Cleo Formula")
    sign_up(cleo, services=["shopping"], availability=["mon_eve"], phone="+447911123456")
    services.take_break(cleo.volunteer, acting_user=cleo,
                        until=timezone.localdate() + timedelta(days=5))
    dan = PersonFactory(email="dan@example.org", display_name="Dan Idle")
    sign_up(dan, services=["prescriptions"], availability=[])
    VolunteerProfile.objects.filter(person=dan).update(
        last_active_at=timezone.now() - timedelta(days=60))
    return {"kasia": kasia, "ben": ben, "cleo": cleo, "dan": dan, "tom": tom}


def _names(response) -> list[str]:
    return [str(row.person) for row in response.context["page"]]


@pytest.mark.parametrize("query, names", [
    ("", ["=Cleo Formula", "Ben Adams", "Dan Idle", "Kasia Nowak", "Tom Brennan"]),
    ("service=shopping", ["=Cleo Formula", "Kasia Nowak"]),
    ("area=W10+6", ["Ben Adams"]),
    ("slot=mon_eve", ["=Cleo Formula", "Kasia Nowak"]),
    ("vetting=approved", ["Ben Adams"]),
    ("vetting=waiting", ["=Cleo Formula", "Dan Idle", "Kasia Nowak", "Tom Brennan"]),
    ("status=on_duty", ["Ben Adams"]),
    ("status=on_break", ["=Cleo Formula"]),
    ("status=no_profile", ["Tom Brennan"]),
    ("status=active", ["Ben Adams", "Dan Idle", "Kasia Nowak"]),
    ("active=7", ["=Cleo Formula", "Ben Adams", "Kasia Nowak"]),
    ("active=idle", ["Dan Idle", "Tom Brennan"]),
    ("service=shopping&slot=sat_am&vetting=waiting", ["Kasia Nowak"]),
])
def test_it_filters_the_volunteers(client, priya, team, query, names):
    client.force_login(priya)
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    assert sorted(_names(response)) == sorted(names)


def test_it_ignores_a_filter_it_does_not_know_and_says_so(client, priya, team):
    client.force_login(priya)
    response = client.get(f"{LIST}?service=juggling&area=%00&slot=sat_am")
    assert response.status_code == 200
    assert "That isn&#x27;t one of the choices; ignored." in response.content.decode()
    assert _names(response) == ["Kasia Nowak"]


def test_it_sorts_by_load_so_the_busiest_and_idlest_stand_out(client, priya, team, monkeypatch):
    client.force_login(priya)
    # No tasks yet: every load is 0 and the busiest sort falls back to "longest since active".
    assert _names(client.get(f"{LIST}?sort=busiest"))[0] == "Tom Brennan"
    loads = {team["kasia"].pk: 20, team["ben"].pk: 2}
    monkeypatch.setattr(roster, "load_last_30_days",
                        lambda group, ids: {pid: loads.get(pid, 0) for pid in ids})
    response = client.get(f"{LIST}?sort=busiest")
    assert _names(response)[:2] == ["Kasia Nowak", "Ben Adams"]
    assert "Overworked" in response.content.decode()  # 20 in a month, at most 3 a week
    assert _names(client.get(f"{LIST}?sort=idlest"))[0] == "Tom Brennan"


def test_it_shows_emails_to_coordinators_only(client, priya, lena, team):
    client.force_login(priya)
    assert "mailto:ben@example.org" in client.get(LIST).content.decode()
    client.force_login(lena)
    page = client.get(LIST).content.decode()
    assert "Ben Adams" in page and "ben@example.org" not in page
    assert "Download this list" not in page
    assert client.get(f"{LIST}export.csv").status_code == 403


def test_it_exports_the_filtered_list_without_sealed_fields(client, priya, team):
    client.force_login(priya)
    response = client.get(f"{LIST}export.csv?service=shopping&sort=name")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["Name", "Email", "Area"]
    assert [r[0] for r in rows[1:]] == ["'=Cleo Formula", "Kasia Nowak"]  # no formula runs
    assert rows[2][1:5] == ["kasia@example.org", "W10 5", "Shopping; Dog walking",
                            "Monday evening; Saturday morning"]
    assert "7911" not in body and "W10 5NW" not in body  # phone and full postcode stay sealed
    event = AuditEvent.objects.get(action="kith.volunteer.exported")
    assert (event.actor, event.new) == (priya, {"filters": {"service": "shopping",
                                                            "sort": "name"}, "count": 2})


def test_it_reveals_phone_and_postcode_with_a_reason_and_two_factor(client, priya, team,
                                                                   street):
    cleo = team["cleo"]
    url = f"{LIST}{street.memberships.get(person=cleo).pk}/"
    client.force_login(priya)
    page = client.get(url).content.decode()
    assert "cleo@example.org" in page and "7911" not in page and "W10 5NW" not in page
    refused = client.post(url, {"field": "phone", "reason": "calling about Saturday"})
    assert "Set up two-factor sign-in" in refused.content.decode()
    enable_totp(priya)
    confirm_two_factor(client)
    assert "Say why you need to see it." in client.post(url, {"field": "phone"}).content.decode()
    shown = client.post(url, {"field": "phone", "reason": "calling about Saturday"})
    assert "07911 123456" in shown.content.decode()
    shown = client.post(url, {"field": "postcode", "reason": "planning the round"})
    assert "W10 5NW" in shown.content.decode() and "no-store" in shown["Cache-Control"]
    looks = PersonalDataAccess.objects.order_by("pk")
    assert [(a.field, a.subject_type, a.reason) for a in looks] == [
        ("phone", "accounts.person", "calling about Saturday"),
        ("postcode", "volunteers.volunteerprofile", "planning the round")]
    assert "W10 5NW" not in client.get(url).content.decode()  # one response only


def test_it_keeps_contact_details_from_the_safeguarding_lead(client, lena, team, street):
    client.force_login(lena)
    url = f"{LIST}{street.memberships.get(person=team['cleo']).pk}/"
    page = client.get(url).content.decode()
    assert "cleo@example.org" not in page
    assert "Only the group's coordinators see" in page
    assert client.post(url, {"field": "phone", "reason": "x"}).status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_it_records_checks_and_approval(client, lena, kasia_membership):
    client.force_login(lena)
    url = f"{LIST}{kasia_membership.pk}/"
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(f"{url}vetting/", {"id_seen_at": future, "dbs_level": "basic"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "That date is in the future." in text
    assert f'value="{future}"' in text  # what was typed stays
    assert not Vetting.objects.exists()
    today = timezone.localdate().isoformat()
    response = client.post(f"{url}vetting/", {"id_seen_at": today, "references_at": "1/2/2026"})
    assert response.url == url
    vetting = Vetting.objects.get()
    assert (str(vetting.id_seen_at), str(vetting.references_at)) == (today, "2026-02-01")
    client.post(f"{url}approve/")
    assert Vetting.objects.get().is_approved
    page = client.get(url).content.decode()
    assert "Approved" in page and "Shopping: yes." in page
    client.post(f"{url}approve/", {"action": "withdraw"})
    assert not Vetting.objects.get().is_approved


def test_it_edits_the_checks_each_service_needs(client, priya, street):
    client.force_login(priya)
    url = "/g/golborne-road/volunteers/checks/"
    page = client.get(url).content.decode()
    assert ('name="requirements_prescriptions" value="dbs" '
            'id="id_requirements_prescriptions_dbs" checked') in page
    client.post(url, {"requirements_shopping": ["id", "safeguarding"],
                      "requirements_befriending": ["nonsense"]})
    assert VettingPolicy.objects.get(group=street).requirements == {
        "shopping": ["id", "safeguarding"]}
    assert AuditEvent.objects.filter(action="kith.volunteer.policy_updated").count() == 1


@pytest.mark.parametrize("who", ["priya_self", "other_group", "unknown", "huge"])
def test_it_gives_404_for_anyone_not_a_volunteer_here(client, priya, nadia, other_street, kasia,
                                                      street, who):
    elsewhere = MembershipFactory(person=PersonFactory(), group=other_street, is_volunteer=True)
    pk = {"priya_self": street.memberships.get(person=priya).pk, "other_group": elsewhere.pk,
          "unknown": 999999, "huge": "9" * 30}[who]
    client.force_login(priya)
    assert client.get(f"{LIST}{pk}/").status_code == 404
    assert client.post(f"{LIST}{pk}/approve/").status_code == 404
    assert client.post(f"{LIST}{pk}/vetting/", {"dbs_level": "basic"}).status_code == 404
    assert not Vetting.objects.exists()


def test_it_lets_no_other_groups_coordinator_in(client, nadia, team):
    client.force_login(nadia)
    assert client.get(LIST).status_code == 404
    assert client.get(f"{LIST}export.csv").status_code == 404
