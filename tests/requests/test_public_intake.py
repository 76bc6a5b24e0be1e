"""Asking for help without an account: a resident (or someone for them) fills in the web form
on Golborne Road's page, or a pharmacy refers someone; either way they get a reference number.

A request from someone on the exclusion list looks exactly like anyone else's to its sender.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kith.places.postcodes import PostcodeError, parse
from kith.requests import views_public
from kith.requests.exclusions import add_exclusion
from kith.requests.lifecycle import NEW, ON_HOLD
from kith.requests.models import Callback, HelpRequest, RequestPolicy
from kith.residents.models import Resident

pytestmark = pytest.mark.django_db

ASK = {
    "name": "Joan", "phone": "07911 123456", "email": "", "contact_by": "call",
    "postcode": "w10 5nw", "language": "Polish", "service": "shopping",
    "details": "Milk, bread and the paper", "urgency": "soon", "when": "weekday mornings",
    "consent": "on",
}
REFER = {
    "name": "Mr Okoye", "phone": "07911 123458", "email": "", "postcode": "W10 5NW",
    "language": "", "service": "prescriptions", "details": "Uses a walking frame",
    "urgency": "week", "when": "", "partner_kind": "pharmacy",
    "partner_name": "Golborne Pharmacy", "referrer_name": "Ayesha Khan",
    "referrer_contact": "020 7946 0100", "consent": "on",
}


def ask_url(group):
    return reverse("requests:ask", args=[group.slug])


def sent_url(group):
    return reverse("requests:ask_sent", args=[group.slug])


def refer_url(group):
    return reverse("requests:refer", args=[group.slug])


def text_of(response) -> str:
    """The page's words, without tags, one space between them."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").split())


def assert_kept(response, data: dict, *, except_: tuple[str, ...] = ()) -> None:
    """Everything typed is still in the form."""
    html = response.content.decode()
    for name, value in data.items():
        if name in except_ or not value:
            continue
        if name in ("consent", "on_behalf"):
            assert re.search(rf'name="{name}"[^>]*checked', html), name
        elif name in ("service", "urgency", "contact_by", "partner_kind"):
            if f'name="{name}" value="{value}"' not in html:
                continue  # not one of the choices (made up), so nothing to tick
            assert re.search(rf'name="{name}" value="{value}"[^>]*checked', html), name
        elif name == "details":
            assert value in html, name
        else:
            assert f'name="{name}" value="{value}"' in html or re.search(
                rf'name="{name}"[^>]*value="{re.escape(value)}"', html), name


# --- asking for help


def test_it_takes_a_request_from_the_web_form_and_shows_the_reference(client, street, mailoutbox):
    page = client.get(ask_url(street))
    assert page.status_code == 200
    words = text_of(page)
    assert "Ask Golborne Road Neighbours for help" in words
    assert "Only the organisers of Golborne Road Neighbours will see them" in words

    response = client.post(ask_url(street), ASK)
    assert response.status_code == 302
    assert response["Location"] == sent_url(street)

    req = HelpRequest.objects.get()
    assert (req.group, req.channel, req.service, req.urgency, req.contact_by) == (
        street, "web", "shopping", "soon", "call")
    assert req.when == "weekday mornings"
    assert req.details._open() == "Milk, bread and the paper"  # sealed at rest
    assert req.consent_at is not None
    assert req.created_by is None and req.asked_by == ""
    resident = req.resident
    assert resident.name == "Joan" and resident.language == "Polish"
    assert resident.postcode._open() == "W10 5NW" and resident.postcode_sector == "W10 5"
    assert resident.phone._open() == "+447911123456"
    callback = Callback.objects.get(request=req)
    assert callback.kind == Callback.Kind.REQUEST and callback.in_queue

    sent = client.get(sent_url(street))
    words = text_of(sent)
    assert req.reference in words
    assert "Please write this down" in words
    assert "ring you within 24 hours" in words
    assert "already" not in words
    assert reverse("requests:status") in sent.content.decode()


def test_it_asks_by_email_only_and_promises_an_email(client, street):
    data = {**ASK, "phone": "", "email": "joan@example.org", "contact_by": "email"}
    assert client.post(ask_url(street), data).status_code == 302
    req = HelpRequest.objects.get()
    assert req.contact_by == "email" and req.resident.email._open() == "joan@example.org"
    assert "email you within 24 hours" in text_of(client.get(sent_url(street)))


def test_it_records_who_asked_for_someone_else(client, street):
    data = {**ASK, "name": "Mrs Ahmed", "on_behalf": "on", "asked_by": "Sara (her daughter)"}
    client.post(ask_url(street), data)
    req = HelpRequest.objects.get()
    assert req.resident.name == "Mrs Ahmed" and req.asked_by == "Sara (her daughter)"


def test_it_offers_only_the_groups_own_services(client, street):
    street.services = ["prescriptions", "shopping"]
    street.save()
    html = client.get(ask_url(street)).content.decode()
    assert "Collecting prescriptions" in html and "Shopping" in html
    assert "Dog walking" not in html
    response = client.post(ask_url(street), {**ASK, "service": "dog_walking"})
    assert "Choose one of the kinds of help listed." in text_of(response)
    assert not HelpRequest.objects.exists()


def test_it_offers_every_service_when_the_group_lists_none(client, street):
    assert street.services == []
    html = client.get(ask_url(street)).content.decode()
    assert "Dog walking" in html and "Interpreting" in html


def test_it_shows_the_callback_target_and_the_groups_phone(client, street):
    street.phone = "+442079460000"
    street.save()
    RequestPolicy.objects.create(group=street, callback_target_hours=48)
    client.post(ask_url(street), ASK)
    words = text_of(client.get(sent_url(street)))
    assert "within 2 days" in words
    assert "020 7946 0000" in words


def test_it_promises_a_sooner_call_for_help_today(client, street):
    client.post(ask_url(street), {**ASK, "urgency": "today"})
    assert "ring you within 4 hours" in text_of(client.get(sent_url(street)))


def _postcode_message(raw: str) -> str:
    with pytest.raises(PostcodeError) as caught:
        parse(raw)
    return str(caught.value)


@pytest.mark.parametrize("changes, message", [
    ({"name": ""}, "Tell us what to call you."),
    ({"phone": "", "email": ""}, "Give a phone number or an email address, so we can get back to you."),
    ({"phone": "call me"}, "Enter a phone number with digits only"),
    ({"phone": "07700 900123"}, "That is not a UK phone number in use."),
    ({"phone": "079111234567"}, "That phone number has too few or too many digits."),
    ({"phone": "+33 1 23 45 67 89"}, "Enter a UK phone number (starting 0 or +44)."),
    ({"email": "joan@"}, "Enter an email address like name@example.org."),
    ({"postcode": ""}, "Enter the postcode, like W10 5NW."),
    ({"postcode": "W10 5N0"}, _postcode_message("W10 5N0")),
    ({"postcode": "90210"}, _postcode_message("90210")),
    ({"service": ""}, "Choose what you need help with."),
    ({"urgency": ""}, "Choose when you need help."),
    ({"urgency": "yesterday"}, "Choose one of the times listed."),
    ({"contact_by": "email"}, "To email you we need your email address."),
    ({"contact_by": "text", "phone": "020 7946 0000"}, "looks like a landline"),
    ({"contact_by": "call", "phone": "", "email": "joan@example.org"},
     "To phone you we need your number."),
    ({"on_behalf": "on", "asked_by": ""}, "Tell us your name, so we know who asked for them."),
    ({"details": "x" * 1001}, "Keep this to 1000 characters or fewer (it has 1001)."),
    ({"consent": ""}, "Tick this box so the group can keep your details"),
])
def test_it_explains_each_mistake_and_keeps_what_was_typed(client, street, changes, message):
    data = {**ASK, **changes}
    response = client.post(ask_url(street), data)
    assert response.status_code == 200
    words = text_of(response)
    assert "There is a problem" in words
    assert message in words
    assert_kept(response, data)
    assert not HelpRequest.objects.exists()


def test_it_joins_a_second_ask_from_the_same_number_within_a_day(client, street):
    client.post(ask_url(street), ASK)
    first = HelpRequest.objects.get()

    again = client.post(ask_url(street), {**ASK, "service": "prescriptions", "phone": "+447911123456"})
    assert again.status_code == 302
    assert HelpRequest.objects.count() == 1
    assert first.events.filter(action="asked_again").exists()
    words = text_of(client.get(sent_url(street)))
    assert "We already have your request from today, so we have added this to it." in words
    assert first.reference in words

    client.post(ask_url(street), {**ASK, "phone": "07911 123457"})  # a different number
    assert HelpRequest.objects.count() == 2
    assert "already" not in text_of(client.get(sent_url(street)))


def _page_without(response, *secrets: str) -> str:
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    for secret in secrets:
        html = html.replace(secret, "REFERENCE")
    return html


def test_an_excluded_person_sees_a_normal_success_but_no_callback_is_queued(client, street, priya,
                                                                            django_capture_on_commit_callbacks):
    from django.test import Client

    add_exclusion(street, reason="abuse", actor=priya, phone="07911 123456",
                  note="Shouted at a volunteer")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ask_url(street), ASK)
    assert response.status_code == 302 and response["Location"] == sent_url(street)
    held = HelpRequest.objects.get()
    assert held.state == ON_HOLD
    assert not Callback.objects.filter(request=held).exists()
    excluded_page = client.get(sent_url(street))

    someone_else = Client()
    someone_else.post(ask_url(street), {**ASK, "phone": "07911 123457"})
    normal = HelpRequest.objects.exclude(pk=held.pk).get()
    assert normal.state == NEW and Callback.objects.filter(request=normal).exists()
    normal_page = someone_else.get(sent_url(street))

    assert excluded_page.status_code == normal_page.status_code == 200
    assert held.reference in text_of(excluded_page)
    assert _page_without(excluded_page, held.reference) == _page_without(normal_page, normal.reference)
    for word in ("exclu", "safeguard", "coordinator", "hold"):
        assert word not in text_of(excluded_page).lower()


def test_it_ignores_a_filled_honeypot_and_keeps_what_was_typed(client, street):
    data = {**ASK, views_public.HONEYPOT: "http://cheap-pills.example"}
    response = client.post(ask_url(street), data)
    assert response.status_code == 200
    assert "Something went wrong sending the form" in text_of(response)
    assert_kept(response, ASK)
    assert "cheap-pills" not in response.content.decode()
    assert not HelpRequest.objects.exists()


def test_it_limits_requests_per_address_and_keeps_what_was_typed(client, street, monkeypatch):
    monkeypatch.setattr(views_public, "ASK_LIMIT", 2)
    client.post(ask_url(street), {**ASK, "name": ""})  # a mistake does not count
    client.post(ask_url(street), {**ASK, "phone": "07911 100001"})
    client.post(ask_url(street), {**ASK, "phone": "07911 100002"})
    assert HelpRequest.objects.count() == 2

    data = {**ASK, "phone": "07911 100003"}
    response = client.post(ask_url(street), data)
    assert response.status_code == 429
    assert "which is as many as we accept" in text_of(response)
    assert_kept(response, data)
    assert HelpRequest.objects.count() == 2
    # Another address is not held up.
    other = client.post(ask_url(street), {**ASK, "phone": "07911 100004"}, REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 302


def test_the_sent_page_needs_something_sent(client, street, other_street):
    assert client.get(sent_url(street))["Location"] == ask_url(street)
    client.post(ask_url(street), ASK)
    # This session sent to Golborne Road, not Lots Road.
    assert client.get(sent_url(other_street))["Location"] == ask_url(other_street)


@pytest.mark.parametrize("name", ["requests:ask", "requests:ask_sent", "requests:refer"])
def test_an_unknown_group_is_a_404(client, db, name):
    url = reverse(name, args=["no-such-group"])
    assert client.get(url).status_code == 404
    if name != "requests:ask_sent":
        assert client.post(url, ASK).status_code == 404


def test_the_group_page_and_the_ask_page_link_each_other(client, street):
    group_page = client.get(reverse("directory:group", args=[street.slug])).content.decode()
    assert f'href="{ask_url(street)}"' in group_page
    assert f'href="{reverse("requests:status")}"' in group_page
    assert f'href="{refer_url(street)}"' in group_page
    ask_page = client.get(ask_url(street)).content.decode()
    assert f'href="{reverse("directory:group", args=[street.slug])}"' in ask_page
    assert f'href="{reverse("requests:status")}"' in ask_page


def test_the_form_is_labelled_for_screen_readers(client, street):
    html = client.get(ask_url(street)).content.decode()
    for legend in ("What do you need help with?", "When do you need help?",
                   "How should we get in touch?"):
        assert re.search(rf"<fieldset[^>]*>\s*<legend>{re.escape(legend)}</legend>", html), legend
    for field in ("name", "phone", "email", "postcode", "details", "when", "language", "asked_by"):
        assert f'<label for="id_{field}"' in html, field
    assert 'aria-describedby="id_postcode_helptext' in html
    assert 'placeholder' not in html
    assert '<datalist id="languages">' in html


# --- partner referrals


def test_a_pharmacy_refers_someone_who_agreed(client, street):
    page = client.get(refer_url(street))
    assert page.status_code == 200
    assert "The person agreed to be referred to this group" in text_of(page)

    response = client.post(refer_url(street), REFER)
    assert response["Location"] == sent_url(street)
    req = HelpRequest.objects.get()
    assert (req.channel, req.partner_kind, req.partner_name, req.asked_by) == (
        "referral", "pharmacy", "Golborne Pharmacy", "Ayesha Khan")
    assert req.partner_contact._open() == "+442079460100"
    assert req.consent_at is not None
    assert req.service == "prescriptions" and req.contact_by == "call"
    assert req.resident.name == "Mr Okoye"
    assert Callback.objects.filter(request=req).exists()

    words = text_of(client.get(sent_url(street)))
    assert "Thank you. We have your referral" in words
    assert req.reference in words
    assert "Please give this number to the person you referred" in words


def test_a_referral_by_email_keeps_the_referrers_email(client, street):
    data = {**REFER, "phone": "", "email": "okoye@example.org",
            "referrer_contact": "ayesha@foodbank.example"}
    assert client.post(refer_url(street), data).status_code == 302
    req = HelpRequest.objects.get()
    assert req.contact_by == "email" and req.partner_contact._open() == "ayesha@foodbank.example"


@pytest.mark.parametrize("changes, message", [
    ({"consent": ""}, "Tick this box to confirm the person agreed."),
    ({"partner_kind": ""}, "Choose what kind of organisation you are."),
    ({"partner_name": ""}, "Enter the name of your organisation."),
    ({"referrer_name": ""}, "Enter your name, so the group knows who referred them."),
    ({"referrer_contact": "ayesha@"}, "Enter an email address like name@example.org."),
    ({"referrer_contact": "ring the shop"}, "Enter a phone number with digits only"),
    ({"phone": "", "email": ""}, "Give their phone number or email address, so the group can reach them."),
    ({"postcode": "W10"}, _postcode_message("W10")),
    ({"service": ""}, "Choose what they need help with."),
])
def test_a_referral_explains_each_mistake_and_keeps_what_was_typed(client, street, changes, message):
    data = {**REFER, **changes}
    response = client.post(refer_url(street), data)
    assert response.status_code == 200
    assert message in text_of(response)
    assert_kept(response, data)
    assert not HelpRequest.objects.exists()


def test_referrals_have_their_own_limit(client, street, monkeypatch):
    monkeypatch.setattr(views_public, "REFER_LIMIT", 1)
    client.post(refer_url(street), REFER)
    response = client.post(refer_url(street), {**REFER, "phone": "07911 123459"})
    assert response.status_code == 429
    assert HelpRequest.objects.count() == 1
    # Asking for yourself is counted separately.
    assert client.post(ask_url(street), ASK).status_code == 302


def test_a_signed_in_person_asks_like_anyone_else(client, street, tom):
    client.force_login(tom)
    assert client.post(ask_url(street), ASK).status_code == 302
    assert HelpRequest.objects.get().created_by is None
    assert Resident.objects.get().created_by is None
