"""Two people, one phone number: a second ask from a number Kith knows, with another name and
another postcode, is someone else (a neighbour using a friend's mobile, a number passed on).

Linking it by the number alone once joined Hendon's ask to a Portobello resident's request as
"Asked again": each could then see the other's request on its status page, and the Portobello
record took the Hendon postcode. The rule (requests/intake.same_person): the number AND the
name or the postcode. Otherwise a new resident and request, flagged to whoever calls back.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from kith.core.models import AuditEvent
from kith.requests.intake import Contact, Need, take_request
from kith.requests.models import HelpRequest
from kith.residents.models import Resident
from tests.requests.test_public_intake import ASK, ask_url, sent_url, text_of

pytestmark = pytest.mark.django_db

PORTOBELLO = {**ASK, "name": "Portobello Test", "postcode": "W10 6AA"}
HENDON = {**ASK, "name": "Hendon Test2", "postcode": "NW4 4BE", "service": "befriending"}


def test_the_same_phone_with_another_name_and_postcode_is_another_person(client, street):
    client.post(ask_url(street), PORTOBELLO)
    first = HelpRequest.objects.get()
    client.post(ask_url(street), HENDON)

    assert HelpRequest.objects.count() == 2
    assert not first.events.filter(action="asked_again").exists()
    second = HelpRequest.objects.exclude(pk=first.pk).get()
    assert second.resident != first.resident
    assert Resident.objects.get(pk=first.resident_id).postcode_sector == "W10 6"  # untouched
    assert second.resident.name == "Hendon Test2" and second.resident.postcode_sector == "NW4 4"
    words = text_of(client.get(sent_url(street)))
    assert "already" not in words and first.reference not in words
    assert second.reference in words


def test_the_new_request_is_flagged_for_whoever_calls_back(client, street, priya):
    client.post(ask_url(street), PORTOBELLO)
    client.post(ask_url(street), HENDON)
    second = HelpRequest.objects.get(resident__name="Hendon Test2")
    (flag,) = second.events.filter(action="same_phone")
    assert "Portobello" not in flag.note and "W10" not in flag.note
    audit = AuditEvent.objects.get(action="kith.request.same_phone")
    assert audit.new == {"resident": second.resident_id}
    first = HelpRequest.objects.get(resident__name="Portobello Test")
    assert not first.events.filter(action="same_phone").exists()
    client.force_login(priya)
    page = text_of(client.get(reverse("requests:detail", args=[street.slug, second.reference])))
    assert "Same phone number as another resident" in page


@pytest.mark.parametrize("again, why", [
    ({"name": "Portobello Test", "postcode": "NW4 4BE"}, "same name, moved"),
    ({"name": "Mrs P. Test", "postcode": "W10 6AA"}, "same postcode, name written otherwise"),
    ({"name": "portobello  TEST", "postcode": "NW4 4BE"}, "same name, other case and spacing"),
    ({"name": "Portobello", "postcode": "NW4 4BE"}, "one name's words all in the other's"),
])
def test_the_same_phone_and_the_name_or_postcode_is_the_same_person(client, street, again, why):
    client.post(ask_url(street), PORTOBELLO)
    first = HelpRequest.objects.get()
    client.post(ask_url(street), {**PORTOBELLO, **again, "service": "befriending"})
    assert HelpRequest.objects.count() == 1, why
    assert first.events.filter(action="asked_again").exists(), why
    assert not AuditEvent.objects.filter(action="kith.request.same_phone").exists(), why


def test_a_returning_number_after_a_day_finds_its_resident_only_if_it_is_them(street):
    def ask(name, postcode):
        contact = Contact(name=name, phone="+447911123456", postcode=postcode,
                          postcode_sector=postcode[:-2].strip())
        return take_request(street, channel="web", contact=contact,
                            need=Need(service="shopping")).request

    first = ask("Portobello Test", "W10 6AA")
    HelpRequest.objects.filter(pk=first.pk).update(state="done")  # no longer open
    assert ask("Portobello Test", "W10 6AA").resident == first.resident
    other = ask("Hendon Test2", "NW4 4BE")
    assert other.resident != first.resident
    assert Resident.objects.filter(phone_digest=first.resident.phone_digest).count() == 2
