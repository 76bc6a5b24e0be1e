"""Bad input on the views: unknown ids give 404, odd searches and filters give 200 with a
plain message, forms keep what was typed, and nothing ever answers 500."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from kith.core.models import AuditEvent, PersonalDataAccess
from kith.groups import services
from kith.groups.models import Group, Invitation, Membership
from kith.residents.models import Resident
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db

SLUG = "golborne-road"
HUGE = "9" * 30  # matches <int:pk>, but is far outside any database's integer range
MARKUP = "<script>alert(1)</script>"


def _text(response) -> str:
    return response.content.decode()


def _signed_in(client, person):
    client.force_login(person)
    return client


@pytest.mark.parametrize("path", [
    "/g/nope/",
    "/g/nope/members/",
    "/g/nope/residents/",
    "/g/Golborne-Road/",
    f"/g/{SLUG}/members/0/",
    f"/g/{SLUG}/members/999999/",
    f"/g/{SLUG}/members/{HUGE}/",
    f"/g/{SLUG}/residents/999999/",
    f"/g/{SLUG}/residents/{HUGE}/",
    "/invite/not-a-token/",
    "/invite/" + "x" * 300 + "/",
    "/invite/%F0%9F%8D%B2/",
    "/invite/%3Cscript%3E/",
    pytest.param("/invite/nul%00byte/", id="nul-byte-token"),
])
def test_it_gives_404_for_unknown_ids(client, priya, path):
    response = _signed_in(client, priya).get(path)
    assert response.status_code == 404
    assert "Page not found" in _text(response)


@pytest.mark.parametrize("path", [
    f"/g/{SLUG}/members/999999/remove/",
    f"/g/{SLUG}/members/{HUGE}/remove/",
    f"/g/{SLUG}/invitations/999999/revoke/",
    "/invite/not-a-token/",
])
def test_it_gives_404_when_posting_to_unknown_ids(client, priya, path):
    assert _signed_in(client, priya).post(path).status_code == 404


def test_it_gives_404_for_another_groups_member_or_resident_under_this_group(client, priya,
                                                                           nadia, other_street):
    theirs = ResidentFactory(group=other_street, name="Mr Lots")
    _signed_in(client, priya)
    nadias = Membership.objects.get(person=nadia).pk
    assert client.get(reverse("groups:member_edit", args=[SLUG, nadias])).status_code == 404
    assert client.post(reverse("groups:member_remove", args=[SLUG, nadias])).status_code == 404
    assert client.get(reverse("residents:detail", args=[SLUG, theirs.pk])).status_code == 404
    assert Membership.objects.filter(person=nadia).exists()


SEARCHES = [MARKUP, "x" * 5000, "🍲 soup", "'; DROP TABLE residents; --", "%", "_", "a&b=c#d",
            pytest.param("nul\x00byte", id="nul-byte")]


@pytest.mark.parametrize("term", SEARCHES)
@pytest.mark.parametrize("name,nothing", [
    ("residents:list", "No residents called"),
    ("groups:access_log", "No one has looked at personal details matching"),
])
def test_it_searches_with_anything_typed_and_says_so_plainly(client, priya, mrs_ahmed, name,
                                                            nothing, term):
    response = _signed_in(client, priya).get(reverse(name, args=[SLUG]), {"q": term})
    assert response.status_code == 200
    assert nothing in _text(response)
    assert MARKUP not in _text(response)


def test_it_finds_a_resident_by_a_name_with_emoji(client, sam, street):
    ResidentFactory(group=street, name="Mrs 🍲 Soup")
    response = _signed_in(client, sam).get(reverse("residents:list", args=[SLUG]), {"q": "🍲"})
    assert "Mrs 🍲 Soup" in _text(response)


@pytest.mark.parametrize("query,message", [
    ({"action": MARKUP}, "Select a valid choice"),
    ({"action": "🍲"}, "Select a valid choice"),
    ({"actor": "999999"}, "Select a valid choice"),
    ({"actor": "not-a-number"}, "Select a valid choice"),
    ({"since": "not-a-date"}, "Enter a valid date"),
    ({"until": "2024-02-30"}, "Enter a valid date"),
    ({"since": "x" * 5000}, "Enter a valid date"),
    ({"since": "2024-05-02", "until": "2024-05-01"}, "date is after the"),
    ({"until": "1900-01-01"}, "Nothing matches those filters"),
    ({"page": "abc"}, "Filter"),
    ({"page": "-1"}, "Filter"),
    ({"page": HUGE}, "Filter"),
])
def test_it_filters_the_audit_trail_with_anything_typed(client, priya, tom, query, message):
    services.add_member(Group.objects.get(slug=SLUG), tom, roles={"call_handler"},
                        acting_user=priya)
    response = _signed_in(client, priya).get(reverse("groups:audit", args=[SLUG]), query)
    assert response.status_code == 200
    assert message in _text(response)
    assert MARKUP not in _text(response)


def _post_group_details(client, person, **wrong):
    typed = {"name": "Golborne Road Friends", "description": "Hot meals on Tuesdays 🍲",
             "whatsapp_url": "", "facebook_url": "", "phone": "", "email": "",
             "coverage": "W10 5", **wrong}
    return _signed_in(client, person).post(reverse("groups:settings", args=[SLUG]), typed)


@pytest.mark.parametrize("field,value,label", [
    ("whatsapp_url", "https://example.com/not-whatsapp", "WhatsApp invite link:"),
    ("facebook_url", "https://example.com/page", "Facebook group:"),
    ("phone", "12345", "Phone line: That is not a UK phone number"),
    ("email", "not-an-email", "Contact email: Enter a valid email address"),
    ("coverage", "W10 5NW", "Areas you cover: “W10 5NW” is a full postcode"),
    ("name", "", "Name: This field is required"),
    ("name", "x" * 500, "Name: Ensure this value has at most 120 characters"),
    ("services", ["bogus"], "Services you offer: Select a valid choice"),
])
def test_it_keeps_the_group_details_typed_when_one_is_wrong(client, priya, street, field, value,
                                                          label):
    response = _post_group_details(client, priya, **{field: value})
    assert response.status_code == 200
    assert label in _text(response)
    assert "Hot meals on Tuesdays 🍲" in _text(response)
    assert Group.objects.get(slug=SLUG).description == street.description


@pytest.mark.parametrize("field,value,error", [
    ("whatsapp_url", "https://example.com/not-whatsapp", "A WhatsApp invite link looks like"),
    ("facebook_url", "https://example.com/page", "A Facebook group link looks like"),
])
def test_it_says_what_a_whatsapp_or_facebook_link_looks_like(client, priya, street, field, value,
                                                            error):
    assert error in _text(_post_group_details(client, priya, **{field: value}))


@pytest.mark.parametrize("phone,error", [
    ("12345", "phone number"),
    ("+1 212 555 0100", "Enter a UK phone number"),
    ("call me 🍲", "phone number"),
    ("0" * 40, "at most 25 characters"),
])
def test_it_keeps_the_residents_name_and_address_when_the_phone_is_wrong(client, sam, phone,
                                                                       error):
    typed = {"name": "Mr O'Brien", "phone": phone, "address": "Flat 2, 14 Golborne Road",
             "postcode_sector": "W10 5", "notes": ""}
    response = _signed_in(client, sam).post(reverse("residents:new", args=[SLUG]), typed)
    assert response.status_code == 200
    assert error in _text(response)
    assert "Mr O&#x27;Brien" in _text(response)
    assert "Flat 2, 14 Golborne Road" in _text(response)
    assert not Resident.objects.exists()


@pytest.mark.parametrize("email", ["not-an-email", "priya@", "<b>@example.org", "🍲@🍲"])
def test_it_keeps_a_bad_invitation_email_and_says_what_is_wrong(client, priya, email):
    response = _signed_in(client, priya).post(reverse("groups:invitations", args=[SLUG]),
                                              {"email": email, "roles": ["volunteer"]})
    assert response.status_code == 200
    assert "Enter a valid email address" in _text(response)
    assert f'value="{escape(email)}"' in _text(response)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("roles,message", [
    (["overlord"], "Select a valid choice"),
    ([], "Choose at least one role"),
])
def test_it_refuses_made_up_or_missing_roles(client, priya, tom, roles, message):
    """The browser always sends the CSRF token, so the form is bound even with no box ticked."""
    data = {"csrfmiddlewaretoken": "sent-by-every-browser", "roles": roles}
    _signed_in(client, priya)
    toms = Membership.objects.get(person=tom)
    for url in [reverse("groups:invitations", args=[SLUG]),
                reverse("groups:member_edit", args=[SLUG, toms.pk])]:
        response = client.post(url, data)
        assert response.status_code == 200
        assert message in _text(response)
    assert not Invitation.objects.exists()
    assert Membership.objects.get(pk=toms.pk).roles == {"volunteer"}


def test_it_refuses_an_email_too_long_to_store(client, priya):
    email = "x" * 300 + "@example.org"
    response = _signed_in(client, priya).post(reverse("groups:invitations", args=[SLUG]),
                                              {"email": email, "roles": ["volunteer"]})
    assert response.status_code == 200
    assert "at most 254 characters" in _text(response)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("data,message", [
    ({"field": "password", "reason": "curious"}, "Contact details"),  # tampered hidden field
    ({"field": "phone", "reason": ""}, "Say why you need to see it"),
    ({"field": "phone", "reason": "x" * 1000}, "at most 200 characters"),
])
def test_it_explains_a_bad_request_to_see_contact_details(client, priya, mrs_ahmed, data, message):
    url = reverse("residents:detail", args=[SLUG, mrs_ahmed.pk])
    response = _signed_in(client, priya).post(url, data)
    assert response.status_code == 400  # as on every page with the one reveal box
    assert message in _text(response)
    assert not PersonalDataAccess.objects.exists()


def test_it_refuses_to_remove_the_last_coordinator(client, priya):
    mine = Membership.objects.get(person=priya)
    url = reverse("groups:member_remove", args=[SLUG, mine.pk])
    response = _signed_in(client, priya).post(url, follow=True)
    assert response.status_code == 200
    assert "A group needs at least one coordinator" in _text(response)
    assert Membership.objects.get(pk=mine.pk).roles == {"coordinator"}
    assert not AuditEvent.objects.filter(action="kith.group.member_removed").exists()


def test_it_refuses_to_demote_the_last_coordinator(client, priya):
    mine = Membership.objects.get(person=priya)
    url = reverse("groups:member_edit", args=[SLUG, mine.pk])
    response = _signed_in(client, priya).post(url, {"roles": ["volunteer"]})
    assert response.status_code == 200
    assert "A group needs at least one coordinator" in _text(response)
    assert Membership.objects.get(pk=mine.pk).roles == {"coordinator"}


def test_it_says_plainly_when_an_invitation_is_no_longer_open(client, priya, olu, street):
    invitation = services.create_invitation(street, roles=["volunteer"], acting_user=priya)
    services.revoke_invitation(invitation, acting_user=priya)
    _signed_in(client, priya)
    revoke = reverse("groups:invitation_revoke", args=[SLUG, invitation.pk])
    assert "already revoked" in _text(client.post(revoke, follow=True))
    response = _signed_in(client, olu).post(invitation.get_absolute_url(), follow=True)
    assert response.status_code == 200
    assert "This invitation is revoked" in _text(response)
    assert not Membership.objects.filter(person=olu).exists()


@pytest.mark.parametrize("name,args,data", [
    ("groups:settings", [SLUG], {"name": "Taken over", "coverage": ""}),
    ("groups:invitations", [SLUG], {"roles": ["coordinator"]}),
    ("residents:new", [SLUG], {"name": "Mr Forged", "phone": "020 7946 0000"}),
])
def test_it_enforces_csrf(priya, name, args, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(priya)
    events = AuditEvent.objects.count()
    response = client.post(reverse(name, args=args), data)
    assert response.status_code == 403
    assert "CSRF" in _text(response)
    assert AuditEvent.objects.count() == events


def _next_page_query(response) -> dict[str, list[str]]:
    content = _text(response)
    start = content.index('href="?', content.index('class="pager"')) + len('href="')
    href = content[start:content.index('"', start)].replace("&amp;", "&")
    return parse_qs(urlsplit(href).query)


def test_it_keeps_an_odd_resident_search_on_the_next_page(client, sam, street):
    term = "Fish & Chips #1"
    ResidentFactory.create_batch(51, group=street, name=term)
    response = _signed_in(client, sam).get(reverse("residents:list", args=[SLUG]), {"q": term})
    assert _next_page_query(response) == {"q": [term], "page": ["2"]}


def test_it_keeps_the_access_log_search_on_the_next_page(client, priya, street, mrs_ahmed):
    for _ in range(51):
        PersonalDataAccess.objects.create(viewer=priya, group=street, subject_type="r",
                                          subject_id="1", subject_repr="Mrs Ahmed",
                                          field="phone", reason="calling back")
    response = _signed_in(client, priya).get(reverse("groups:access_log", args=[SLUG]),
                                              {"q": "Ahmed"})
    assert _next_page_query(response) == {"q": ["Ahmed"], "page": ["2"]}
