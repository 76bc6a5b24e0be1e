"""The erasure pages: who may erase a whole account (#12), the fresh two-factor a coordinator
needs (#12b), a person's own deletion behind a code (#19) for every account (#17)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from kith.erasure.models import Erasure
from kith.residents.models import Resident
from tests.conftest import confirm_two_factor, enable_totp
from tests.factories import MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _coordinator_signed_in(client, person):
    """Signed in with two-factor proved in this session, as an erasure needs."""
    enable_totp(person)
    client.force_login(person)
    confirm_two_factor(client)


def _person(email, name):
    return PersonFactory(email=email, display_name=name)


def _active(person) -> bool:
    return get_user_model().objects.get(pk=person.pk).is_active


# --- #12: the whole account only by someone who answers for every group they are in ----------


@pytest.fixture
def wendy(street, ward):
    """Coordinates Golborne Ward (with Dev), and volunteers on Golborne Road too."""
    wendy = _person("wendy@example.org", "Wendy Hart")
    MembershipFactory(person=wendy, group=ward, is_coordinator=True)
    MembershipFactory(person=wendy, group=street, is_volunteer=True)
    dev = _person("dev@example.org", "Dev Patel")
    MembershipFactory(person=dev, group=ward, is_coordinator=True)
    return wendy


@pytest.fixture
def co_coordinator(street, priya):
    """Sara co-coordinates Golborne Road and nothing else."""
    sara = _person("sara@example.org", "Sara Lind")
    MembershipFactory(person=sara, group=street, is_coordinator=True)
    return sara


def test_a_street_coordinator_cannot_erase_a_ward_coordinators_account(
        client, street, wendy, co_coordinator):
    _coordinator_signed_in(client, co_coordinator)
    url = reverse("erasure:volunteer", args=[street.slug, wendy.memberships.get(
        group=street).pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "They also have a role in Golborne Ward" in page.text
    assert "ask its coordinators, Wendy Hart, Dev Patel" in page.text
    assert "Erase Wendy Hart's account" not in page.text
    assert reverse("groups:members", args=[street.slug]) in page.text
    assert client.post(url, {"asked": "on", "confirm": "on"}).status_code == 403
    assert _active(wendy) and not Erasure.objects.exists()


def test_a_coordinator_of_every_group_they_are_in_may_erase(client, street, other_street,
                                                            ward, wendy, tom):
    # Tom is also in Lots Road; Wendy coordinates the ward above both streets, and the street.
    MembershipFactory(person=tom, group=other_street, is_volunteer=True)
    wendy.memberships.filter(group=street).update(is_coordinator=True)
    _coordinator_signed_in(client, wendy)
    url = reverse("erasure:volunteer", args=[street.slug, tom.memberships.get(
        group=street).pk])
    page = client.get(url)
    assert "They also have a role" not in page.text
    assert "Erase Tom Brennan's account" in page.text
    assert client.post(url, {"asked": "on", "confirm": "on"}).status_code == 302
    assert not _active(tom)


# --- #12b: a coordinator's erasure needs two-factor proved in this session ----------------


def test_erasing_a_resident_without_two_factor_is_refused(client, street, priya):
    edna = Resident.objects.create(group=street, name="Edna Pargeter")
    url = reverse("erasure:resident", args=[street.slug, edna.pk])
    client.force_login(priya)  # no authenticator at all
    page = client.get(url)
    assert "Set it up now" in page.text and "Erase Edna" not in page.text
    page = client.post(url, {"asked": "on", "confirm": "on"})
    assert page.status_code == 403
    assert "Nothing was erased" in page.text
    assert not Erasure.objects.exists()
    # An app set up but not used in this session: still refused, with the way to confirm.
    enable_totp(priya)
    page = client.post(url, {"asked": "on", "confirm": "on"})
    assert page.status_code == 403 and "confirm it's you" in page.text
    assert not Erasure.objects.exists()
    confirm_two_factor(client)
    assert client.post(url, {"asked": "on", "confirm": "on"}).status_code == 302
    assert Erasure.objects.filter(kind="resident", subject_id=edna.pk).exists()


def test_erasing_a_volunteer_without_two_factor_is_refused(client, street, priya, tom):
    url = reverse("erasure:volunteer", args=[street.slug, tom.memberships.get().pk])
    client.force_login(priya)
    assert "Erase Tom Brennan" not in client.get(url).text
    assert client.post(url, {"asked": "on", "confirm": "on"}).status_code == 403
    assert _active(tom) and not Erasure.objects.exists()


# --- #19 and #17: anyone deletes their own account, once they prove it is them now ---------


def sent_code(client, person) -> str:
    """Ask the delete page for a code, and read it from the message sent (as they would)."""
    import re

    from kith.messaging.models import Message

    client.post(reverse("erasure:me"), {"action": "send"})
    message = Message.objects.filter(person=person).latest("pk")
    body = message.body._open()
    assert "delete your Kith account" in body  # what it is for, not "download"
    return re.search(r"\b(\d{6})\b", body).group(1)


def test_deleting_your_own_account_needs_the_code_sent_to_you(client, street, tom):
    client.force_login(tom)
    page = client.get(reverse("erasure:me"))
    assert reverse("transparency:own") in page.text
    assert "Download a copy of your data first" in page.text
    # One tick, no code (someone else at their open session): nothing is erased.
    page = client.post(reverse("erasure:me"), {"action": "delete", "confirm": "on"})
    assert page.status_code == 400 and _active(tom)
    assert "Type the 6-digit code we sent you" in page.text
    code = sent_code(client, tom)
    wrong = "000000" if code != "000000" else "111111"
    page = client.post(reverse("erasure:me"), {"action": "delete", "confirm": "on",
                                                "code": wrong})
    assert page.status_code == 400 and "That code is not right" in page.text
    assert _active(tom) and not Erasure.objects.exists()
    page = client.post(reverse("erasure:me"), {"action": "delete", "confirm": "on",
                                                "code": code})
    assert "Your account and details are deleted" in page.text
    assert not _active(tom)
    assert Erasure.objects.filter(kind="volunteer", subject_id=tom.pk).exists()


def test_a_code_for_someone_else_does_not_delete_you(client, street, tom, sam):
    client.force_login(tom)
    tom_code = sent_code(client, tom)
    client.force_login(sam)
    page = client.post(reverse("erasure:me"), {"action": "delete", "confirm": "on",
                                                "code": tom_code})
    assert page.status_code == 400 and _active(sam) and _active(tom)


def test_a_call_handler_with_no_volunteer_profile_deletes_their_account(client, street, sam):
    client.force_login(sam)
    account = client.get(reverse("accounts:profile"))
    assert reverse("erasure:me") in account.text
    page = client.get(reverse("erasure:me"))
    assert page.status_code == 200 and "Delete my account" in page.text
    page = client.post(reverse("erasure:me"), {"action": "delete", "confirm": "on",
                                                "code": sent_code(client, sam)})
    assert "Your account and details are deleted" in page.text
    assert not _active(sam)


def test_someone_in_no_group_can_delete_their_account(client, olu):
    client.force_login(olu)
    page = client.post(reverse("erasure:me"), {"action": "delete", "confirm": "on",
                                                "code": sent_code(client, olu)})
    assert "Your account and details are deleted" in page.text and not _active(olu)


def test_a_code_sent_to_download_a_copy_does_not_delete_the_account(client, street, tom):
    import re

    from kith.messaging.models import Message

    client.force_login(tom)
    client.post(reverse("transparency:own"), {"action": "send"})
    body = Message.objects.filter(person=tom).latest("pk").body._open()
    assert "download a copy of your data" in body
    code = re.search(r"\b(\d{6})\b", body).group(1)
    page = client.post(reverse("erasure:me"), {"action": "delete", "confirm": "on",
                                                "code": code})
    assert page.status_code == 400 and _active(tom)
