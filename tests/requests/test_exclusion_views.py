"""The exclusion list (zero tolerance): adding by phone or name and postcode, excluding a
resident on record, lifting with a reason, and what intake does with a match."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kith.core.digest import identity_digest, phone_digest
from kith.core.models import AuditEvent
from kith.requests import exclusions, lifecycle
from kith.requests.intake import Contact, Need, take_request
from kith.requests.models import Callback, Exclusion, RequestEvent
from tests.factories import MembershipFactory, PersonFactory, ResidentFactory

pytestmark = pytest.mark.django_db

SLUG = "golborne-road"
URL = reverse("requests:exclusions", args=[SLUG])
PHONE = "07911 123456"


def _text(response) -> str:
    return response.content.decode()


def _lift_url(exclusion):
    return reverse("requests:lift_exclusion", args=[SLUG, exclusion.pk])


@pytest.fixture
def lena(street):
    person = PersonFactory(email="lena@example.org", display_name="Lena Haddad")
    MembershipFactory(person=person, group=street, is_safeguarding_lead=True)
    return person


def test_it_explains_the_policy_to_coordinators_and_safeguarding_leads(client, priya, lena, sam, tom):
    for person in (priya, lena):
        client.force_login(person)
        page = _text(client.get(URL))
        assert "nobody should have to put up with abuse" in page and "scrambled fingerprint" in page
    for person in (sam, tom):
        client.force_login(person)
        assert client.get(URL).status_code == 403


def test_it_adds_an_exclusion_by_phone_keeping_only_a_digest(client, priya, street):
    client.force_login(priya)
    response = client.post(URL, {"phone": PHONE, "reason": "abuse", "note": "Shouted at Sam"})
    assert response.status_code == 302
    exclusion = Exclusion.objects.get()
    assert exclusion.phone_digest == phone_digest(PHONE) and not exclusion.identity_digest
    assert (exclusion.group, exclusion.created_by, exclusion.reason) == (street, priya, "abuse")
    audit = AuditEvent.objects.get(action="kith.exclusion.added")
    assert audit.actor == priya and audit.new["note"] == "***"
    page = _text(client.get(URL))
    assert "Verbal abuse or offensive language" in page and "Priya Shah" in page
    assert "matches a phone number" in page
    assert "07911" not in page and "123456" not in page and "Shouted" not in page


def test_it_adds_an_exclusion_by_name_and_full_postcode(client, lena):
    client.force_login(lena)
    response = client.post(URL, {"name": "Mr Grey", "postcode": "w105nw", "reason": "harassment"})
    assert response.status_code == 302
    exclusion = Exclusion.objects.get()
    assert exclusion.identity_digest == identity_digest("Mr Grey", "W10 5NW")
    assert "Mr Grey" not in _text(client.get(URL))


@pytest.mark.parametrize(("data", "message"), [
    ({"reason": "abuse"}, "Give a phone number, or a name with a full postcode."),
    ({"name": "Mr Grey", "reason": "abuse"}, "Give the full postcode too"),
    ({"postcode": "W10 5NW", "reason": "abuse"}, "Give the name too"),
    ({"phone": "07700 900123", "reason": "abuse"}, "That is not a UK phone number in use."),
    ({"phone": "call me", "reason": "abuse"}, "Enter a phone number with digits only"),
    ({"name": "Mr Grey", "postcode": "W10", "reason": "abuse"}, "W10"),
    ({"phone": PHONE}, "Choose what happened."),
    ({"phone": PHONE, "reason": "rudeness"}, "Choose what happened."),
])
def test_it_explains_what_is_missing_and_keeps_what_was_typed(client, priya, data, message):
    client.force_login(priya)
    response = client.post(URL, data)
    assert response.status_code == 400
    assert message in _text(response).replace("&#x27;", "'")
    if data.get("name"):
        assert f'value="{data["name"]}"' in _text(response)
    assert not Exclusion.objects.exists()


def test_it_excludes_a_resident_on_record_after_a_confirm_step(client, priya, street):
    from kith.residents.services import register_resident

    resident = register_resident(street, acting_user=priya, name="Mr Grey", phone="+447911123456",
                                 postcode="W10 5NW")
    client.force_login(priya)
    confirm = _text(client.get(URL, {"resident": resident.pk}))
    assert "Exclude Mr Grey?" in confirm and "Yes, exclude Mr Grey" in confirm
    assert not Exclusion.objects.exists()
    missing = client.post(URL, {"resident": resident.pk})
    assert missing.status_code == 400 and "Choose what happened." in _text(missing)
    response = client.post(URL, {"resident": resident.pk, "reason": "violence", "note": "Threats"})
    assert response.status_code == 302
    exclusion = Exclusion.objects.get()
    assert exclusion.phone_digest == phone_digest(PHONE)
    assert exclusion.identity_digest == identity_digest("Mr Grey", "W10 5NW")
    assert AuditEvent.objects.get(action="kith.exclusion.added").new["resident"] == resident.pk


def test_it_says_when_a_resident_has_nothing_to_exclude_by(client, priya, street):
    bare = ResidentFactory(group=street, name="Mr Nobody", phone=None, phone_digest="")
    client.force_login(priya)
    response = client.post(URL, {"resident": bare.pk, "reason": "abuse"})
    assert response.status_code == 400
    assert "This resident has no phone number or full postcode to exclude by." in _text(response)
    assert not Exclusion.objects.exists()


def test_it_gives_404_for_another_groups_resident_or_exclusion(client, priya, nadia, other_street):
    theirs = ResidentFactory(group=other_street, name="Mr Lots")
    their_exclusion = exclusions.add_exclusion(other_street, reason="abuse", phone=PHONE, actor=nadia)
    client.force_login(priya)
    assert client.get(URL, {"resident": theirs.pk}).status_code == 404
    assert client.get(URL, {"resident": "abc"}).status_code == 404
    assert client.post(URL, {"resident": theirs.pk, "reason": "abuse"}).status_code == 404
    assert client.post(_lift_url(their_exclusion), {"note": "Sorted"}).status_code == 404
    assert Exclusion.objects.get().lifted_at is None


def test_it_lifts_an_exclusion_only_with_a_note(client, priya, street):
    exclusion = exclusions.add_exclusion(street, reason="demands", phone=PHONE, actor=priya)
    client.force_login(priya)
    assert client.get(_lift_url(exclusion)).status_code == 405
    refused = client.post(_lift_url(exclusion), {"note": ""})
    assert refused.status_code == 400 and "Say why you are lifting it." in _text(refused)
    response = client.post(_lift_url(exclusion), {"note": "Apologised and agreed terms"})
    assert response.status_code == 302
    exclusion.refresh_from_db()
    assert exclusion.lifted_at is not None and exclusion.lifted_by == priya
    audit = AuditEvent.objects.get(action="kith.exclusion.lifted")
    assert audit.new["reason"] == "Apologised and agreed terms"
    page = _text(client.get(URL))
    assert "No one is excluded by" in page and "lifted" in page
    again = client.post(_lift_url(exclusion), {"note": "Twice"})
    assert "This exclusion was already lifted." in _text(client.get(again.url))


def test_an_excluded_phone_puts_a_new_request_on_hold_with_no_callback(client, priya, street):
    client.force_login(priya)
    client.post(URL, {"phone": PHONE, "reason": "abuse"})
    taken = take_request(street, channel="phone", contact=Contact(name="Mr Grey", phone="+447911123456"),
                         need=Need(service="shopping"))
    req = taken.request
    assert taken.excluded and req.state == lifecycle.ON_HOLD
    assert not Callback.objects.filter(request=req).exists()
    assert RequestEvent.objects.filter(request=req, action="exclusion_match").exists()
    page = _text(client.get(reverse("requests:detail", args=[SLUG, req.reference])))
    assert "Matched the exclusion list" in page and "On hold" in page

    # Once lifted, the same number is served like anyone else.
    client.post(_lift_url(Exclusion.objects.get()), {"note": "Apologised"})
    client.post(reverse("requests:move", args=[SLUG, req.reference]),
                {"action": "cancel", "note": "Matched the list"})
    again = take_request(street, channel="web", contact=Contact(name="Mr Grey", phone="+447911123456"),
                         need=Need(service="shopping"))
    assert not again.excluded and Callback.objects.filter(request=again.request).exists()
