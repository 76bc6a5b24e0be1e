"""Sam takes a request over the phone: a returning caller is found by number, a new one is
checked against people already on record, and nothing typed is lost to a mistake."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from kith.core.models import PersonalDataAccess
from kith.groups import services as group_services
from kith.requests.intake import Contact, Need, take_request
from kith.requests.models import HelpRequest
from kith.residents.models import Resident
from kith.residents.services import register_resident

pytestmark = pytest.mark.django_db

URL = reverse("requests:intake", args=["golborne-road"])


def _detail(req) -> str:
    return reverse("requests:detail", args=["golborne-road", req.reference])


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def ahmed(street):
    """Mrs Ahmed asked for shopping three days ago, and agreed to her details being kept."""
    taken = take_request(street, channel="phone", triage=True,
                         contact=Contact(name="Mrs Ahmed", phone="+447911123456",
                                         address="14 Golborne Road", postcode="W10 5NW"),
                         need=Need(service="shopping"))
    HelpRequest.objects.filter(pk=taken.request.pk).update(
        created_at=timezone.now() - timedelta(days=3, hours=1))
    return taken.request.resident


@pytest.fixture
def signed_in(client, sam):
    client.force_login(sam)
    return client


def _form(**changes) -> dict:
    data = {"name": "Mr Lewis", "phone": "07911 123457", "postcode": "W10 5NW", "address": "",
            "service": "prescriptions", "urgency": "soon", "when": "", "details": "",
            "language": "", "contact_by": "call", "consent": "on"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- step 1: who is calling? ---------------------------------------------------------------

def test_it_starts_with_the_phone_number(signed_in):
    response = signed_in.get(URL)
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="search_phone"' in text and "autofocus" in text
    assert response.context["form"] is None


def test_it_finds_a_returning_resident_by_number_and_fills_in_the_form(signed_in, ahmed):
    response = signed_in.post(URL, {"lookup": "1", "phone": "07911 123456"})
    text = " ".join(response.content.decode().split())
    assert "Returning: Mrs Ahmed" in text
    assert "1 past request (last: shopping, 3 days ago)" in text
    form = response.context["form"]
    assert form.initial["resident"] == ahmed.pk and form.initial["name"] == "Mrs Ahmed"
    assert f'name="resident" value="{ahmed.pk}"' in text
    assert "On file, sealed: phone number, address, full postcode" in text
    assert "14 Golborne Road" not in text and 'value="W10 5NW"' not in text  # nothing sealed
    assert not PersonalDataAccess.objects.exists()
    # The next thing to do is choose the service: the cursor waits there.
    assert 'value="shopping" id="id_service_0" autofocus' in text


def test_it_shows_a_returning_residents_open_request(signed_in, ahmed):
    text = signed_in.post(URL, {"lookup": "1", "phone": "+44 7911 123456"}).content.decode()
    req = ahmed.requests.get()
    assert "Still open:" in text and req.reference in text


def test_it_says_new_caller_and_keeps_the_number(signed_in, ahmed):
    response = signed_in.post(URL, {"lookup": "1", "phone": "07911123457"})
    text = response.content.decode()
    assert "New caller." in text
    assert response.context["form"].initial == {"phone": "07911 123457"}
    assert 'id="id_name"' in text and "Returning" not in text


def test_it_says_what_is_wrong_with_the_number(signed_in):
    response = signed_in.post(URL, {"lookup": "1", "phone": "07700 900123"})
    text = response.content.decode()
    assert "That is not a UK phone number in use" in text
    assert 'value="07700 900123"' in text
    assert response.context["form"] is None


def test_it_takes_a_caller_with_no_number(signed_in):
    response = signed_in.get(URL, {"new": "1"})
    assert response.context["form"] is not None
    response = signed_in.post(URL, _form(phone="", address=""))
    assert response.status_code == 400
    assert "Give a phone number or an address" in response.content.decode()
    response = signed_in.post(URL, _form(phone="", address="Flat 2, 9 Golborne Road"))
    assert response.status_code == 302


def test_it_offers_only_the_groups_own_services(signed_in, street, priya):
    group_services.update_group(street, acting_user=priya, services=["shopping", "dog_walking"])
    form = signed_in.get(URL, {"new": "1"}).context["form"]
    assert [key for key, _ in form.fields["service"].choices] == ["shopping", "dog_walking"]


def test_it_offers_every_service_when_the_group_lists_none(signed_in, street):
    form = signed_in.get(URL, {"new": "1"}).context["form"]
    assert len(form.fields["service"].choices) == 12


def test_it_opens_the_chosen_services_script_for_htmx(signed_in):
    response = signed_in.get(URL, {"script": "1", "service": "prescriptions"}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "Ask about collecting prescriptions" in text and "Which pharmacy" in text
    assert "<html" not in text


# --- step 2: saving ------------------------------------------------------------------------

def test_it_saves_a_returning_residents_request_in_one_go(signed_in, sam, ahmed):
    response = signed_in.post(URL, _form(resident=ahmed.pk, name="Mrs Ahmed", phone="07911 123456",
                                         postcode="", service="prescriptions", consent=None))
    req = HelpRequest.objects.get(service="prescriptions")
    assert response.status_code == 302 and response.url == _detail(req)
    assert (req.resident, req.channel, req.state, req.created_by) == (ahmed, "phone", "triaged", sam)
    assert req.consent_at is not None  # she agreed before, on her first request
    assert Resident.objects.count() == 1
    spelled = " ".join(req.reference.replace("-", ""))
    assert _messages(response) == [
        f"Saved. Read them their reference number: {req.reference} ({spelled})."]


def test_it_saves_a_new_caller_and_records_them(signed_in):
    response = signed_in.post(URL, _form(details="Blood pressure tablets from Boots",
                                         at_risk="on", language="Polish"))
    req = HelpRequest.objects.get()
    assert response.url == _detail(req)
    resident = req.resident
    assert (resident.name, resident.postcode_sector, resident.language, resident.at_risk) == (
        "Mr Lewis", "W10 5", "Polish", True)
    assert str(resident.phone) == "•••• hidden" and resident.phone_digest
    assert req.consent_at is not None and req.urgency == "soon"


def test_it_needs_the_consent_line_read_to_a_new_caller_and_keeps_what_was_typed(signed_in):
    response = signed_in.post(URL, _form(consent=None, details="Blood pressure tablets",
                                         when="Tuesday morning"))
    text = response.content.decode()
    assert response.status_code == 400
    assert "Read them the consent line" in text
    assert 'value="Mr Lewis"' in text and "Blood pressure tablets" in text
    assert 'value="Tuesday morning"' in text
    assert 'value="prescriptions" id="id_service_1" checked' in text
    assert not HelpRequest.objects.exists()


@pytest.mark.parametrize("changes, error", [
    ({"postcode": "W1O 5NW"}, "Did you mean W10 5NW?"),
    ({"phone": "07700 900123"}, "That is not a UK phone number in use"),
    ({"service": ""}, "Choose what help they need."),
    ({"service": "juggling"}, "Select a valid choice"),
    ({"name": "  "}, "Enter a name to call them by."),
])
def test_it_keeps_everything_typed_when_something_is_wrong(signed_in, changes, error):
    response = signed_in.post(URL, _form(details="Tablets from Boots", **changes))
    text = response.content.decode()
    assert response.status_code == 400
    assert error in text and "Tablets from Boots" in text
    assert not HelpRequest.objects.exists()


def test_it_accepts_just_a_postcode_sector(signed_in):
    signed_in.post(URL, _form(postcode="w10 5"))
    assert HelpRequest.objects.get().resident.postcode_sector == "W10 5"


def test_it_refuses_a_resident_from_another_group(signed_in, other_street):
    theirs = register_resident(other_street, acting_user=None, name="Mr Lewis",
                               phone="+447911123400")
    response = signed_in.post(URL, _form(resident=theirs.pk))
    assert response.status_code == 400
    assert "not in this group" in response.content.decode()
    assert not HelpRequest.objects.exists()


# --- possible duplicates -------------------------------------------------------------------

@pytest.fixture
def lewis(street):
    """Already on record, with another number."""
    return register_resident(street, acting_user=None, name="Mr Lewis", phone="+447911123400",
                             postcode="W10 5AA")


def test_it_warns_that_a_new_caller_may_be_someone_on_record(signed_in, lewis):
    response = signed_in.post(URL, _form(name="mr lewis", details="Tablets"))
    text = " ".join(response.content.decode().split())
    assert response.status_code == 200
    assert "Possibly the same person as Mr Lewis (W10 5)</h2>" in text
    assert "<legend>Use that record?</legend>" in text
    assert "> Tablets</textarea>" in text
    assert not HelpRequest.objects.exists()


def test_it_uses_the_record_chosen_from_the_warning(signed_in, lewis):
    response = signed_in.post(URL, _form(name="mr lewis", same_as=str(lewis.pk), asked_same="1"))
    req = HelpRequest.objects.get()
    assert response.url == _detail(req)
    assert req.resident == lewis and Resident.objects.count() == 1


def test_it_saves_a_different_person_when_told_so(signed_in, lewis):
    signed_in.post(URL, _form(name="Mr Lewis", same_as="new", asked_same="1"))
    assert HelpRequest.objects.get().resident != lewis
    assert Resident.objects.filter(name="Mr Lewis").count() == 2


def test_it_asks_again_if_no_choice_was_made(signed_in, lewis):
    response = signed_in.post(URL, _form(asked_same="1"))
    assert response.status_code == 400
    assert "Say whether this is the same person" in response.content.decode()


def test_it_does_not_warn_about_someone_in_another_sector(signed_in, street):
    register_resident(street, acting_user=None, name="Mr Lewis", postcode_sector="W10 6")
    assert signed_in.post(URL, _form()).status_code == 302


def test_it_joins_a_request_the_same_number_made_today(signed_in, street):
    first = take_request(street, channel="web", contact=Contact(name="Mr Lewis",
                                                                phone="+447911123457"),
                         need=Need(service="shopping")).request
    response = signed_in.post(URL, _form())
    assert response.url == _detail(first)
    assert HelpRequest.objects.count() == 1
    assert any("added to" in m and first.reference in m for m in _messages(response))


def test_it_holds_a_request_from_someone_the_group_no_longer_serves(signed_in, street, priya):
    from kith.requests import exclusions

    exclusions.add_exclusion(street, reason="abuse", phone="07911 123457", actor=priya)
    response = signed_in.post(URL, _form())
    req = HelpRequest.objects.get()
    assert response.url == _detail(req) and req.state == "on_hold"
    assert any("A coordinator needs to look at it" in m for m in _messages(response))


# --- the script's answers ------------------------------------------------------------------

def test_the_chosen_services_script_has_a_box_for_each_answer(signed_in):
    response = signed_in.get(URL, {"script": "1", "service": "prescriptions"},
                             HTTP_HX_REQUEST="true")
    text = response.content.decode()
    for key in ("pharmacy", "ready", "charge", "at_the_door"):
        assert f'name="answer-{key}"' in text, key


def test_the_scripts_answers_and_who_asked_are_saved_with_the_request(signed_in):
    signed_in.post(URL, _form(details="Blood pressure tablets", asked_by="Dev,  his son",
                              **{"answer-pharmacy": "Boots, Golborne Road",
                                 "answer-charge": "Free", "answer-at_the_door": "Buzzer 3"}))
    req = HelpRequest.objects.get()
    assert req.details._open() == ("Blood pressure tablets\nPharmacy: Boots, Golborne Road\n"
                                   "Prescription charge: Free\nAt the door: Buzzer 3")
    assert req.asked_by == "Dev, his son"


def test_the_scripts_answers_are_kept_when_something_else_is_wrong(signed_in):
    response = signed_in.post(URL, _form(consent=None, **{"answer-pharmacy": "Boots"}))
    assert response.status_code == 400
    assert 'value="Boots"' in response.content.decode()
    assert not HelpRequest.objects.exists()
