"""Sealed personal data: ciphertext at rest, masked in memory, revealed only with need-to-know."""

from __future__ import annotations

import io
import stat

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core import serializers
from django.core.management import CommandError, call_command
from django.db import connection
from django.template import Context, Template
from django.test import override_settings
from django.utils import timezone

from kith.core import crypto
from kith.core.fields import MASK, Sealed
from kith.core.models import AuditEvent, PersonalDataAccess
from kith.core.privacy import NeedToKnowDenied, reveal
from kith.groups.access import has_permission
from kith.residents.models import Resident
from tests.conftest import enable_totp
from tests.factories import MembershipFactory, PersonFactory, ResidentFactory

pytestmark = pytest.mark.django_db

PHONE = "+442079460100"
ADDRESS = "14 Golborne Road, London W10 5NW"


@pytest.fixture
def fresh_keys():
    crypto.reset_cache()
    yield
    crypto.reset_cache()


@pytest.fixture
def key_file(tmp_path, fresh_keys):
    """Keys kept in a file under tmp_path, as on a clone with nothing in the environment."""
    path = tmp_path / "field_keys"
    with override_settings(KITH_FIELD_KEYS=[], KITH_FIELD_KEYS_FILE=path):
        crypto.reset_cache()
        yield path
    crypto.reset_cache()


def _raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def _raw_tokens():
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, address, notes FROM residents_resident")
        tokens = [v for row in cursor.fetchall() for v in row if v]
        cursor.execute("SELECT phone FROM accounts_person")
        tokens += [v for (v,) in cursor.fetchall() if v]
    return tokens


# --- at rest and in memory ----------------------------------------------------------------


@pytest.mark.parametrize("column, plaintext", [("phone", PHONE), ("address", ADDRESS)])
def test_it_stores_ciphertext_not_plaintext(mrs_ahmed, column, plaintext):
    stored = _raw("residents_resident", column, mrs_ahmed.pk)
    assert plaintext not in stored
    assert "Golborne" not in stored
    key = Fernet(settings.KITH_FIELD_KEYS[0].encode())
    assert key.decrypt(stored.encode()).decode() == plaintext


def test_it_seals_the_value_in_memory_once_saved(mrs_ahmed):
    assert isinstance(mrs_ahmed.phone, Sealed)
    loaded = Resident.objects.get(pk=mrs_ahmed.pk)
    assert isinstance(loaded.phone, Sealed)
    assert loaded.notes is None


def test_it_masks_a_sealed_value_in_str_repr_and_templates(mrs_ahmed):
    loaded = Resident.objects.get(pk=mrs_ahmed.pk)
    assert str(loaded.phone) == MASK
    assert repr(loaded.phone) == "<Sealed>"
    assert f"{loaded.phone}" == MASK
    rendered = Template("{{ r.phone }} / {{ r.address }}").render(Context({"r": loaded}))
    assert rendered == f"{MASK} / {MASK}"
    assert PHONE not in rendered


def test_it_serialises_ciphertext_only(mrs_ahmed):
    dumped = serializers.serialize("json", [Resident.objects.get(pk=mrs_ahmed.pk)])
    assert PHONE not in dumped
    assert "Golborne Road, London" not in dumped


def test_it_never_shows_the_number_on_the_resident_page(client, priya, mrs_ahmed):
    enable_totp(priya)
    client.force_login(priya)
    response = client.get(f"/g/golborne-road/residents/{mrs_ahmed.pk}/")
    assert response.status_code == 200
    assert PHONE.encode() not in response.content
    assert not PersonalDataAccess.objects.exists()


# --- reveal() -----------------------------------------------------------------------------


def test_it_reveals_with_two_factor_and_records_one_access(priya, street, mrs_ahmed):
    enable_totp(priya)
    assert reveal(mrs_ahmed, "phone", viewer=priya, group=street,
                  reason=" calling back ") == PHONE
    access = PersonalDataAccess.objects.get()
    assert (access.viewer, access.group, access.field, access.reason) == (
        priya, street, "phone", "calling back")
    assert (access.subject_type, access.subject_id, access.subject_repr) == (
        "residents.resident", str(mrs_ahmed.pk), "Mrs Ahmed")


def test_it_lets_a_call_handler_with_two_factor_reveal_for_the_call_they_hold(sam, street,
                                                                               mrs_ahmed):
    from kith.requests import callbacks, check_ups

    enable_totp(sam)
    assert callbacks.claim(check_ups.book_check_in(mrs_ahmed, at=timezone.now()), sam)
    assert reveal(mrs_ahmed, "address", viewer=sam, group=street, reason="delivery") == ADDRESS
    assert PersonalDataAccess.objects.filter(viewer=sam, field="address").count() == 1


def test_it_returns_none_for_an_empty_field_and_records_nothing(priya, street, mrs_ahmed):
    enable_totp(priya)
    assert reveal(mrs_ahmed, "notes", viewer=priya, group=street, reason="checking") is None
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize("viewer, reason, totp, message", [
    ("priya", "", True, "Say why"),
    ("priya", "   ", True, "Say why"),
    ("priya", "calling back", False, "two-factor"),
    ("tom", "calling back", True, "does not include"),
    ("olu", "calling back", True, "does not include"),
    ("nadia", "calling back", True, "does not include"),
])
def test_it_refuses_to_reveal_and_records_nothing(request, street, mrs_ahmed, viewer, reason,
                                                  totp, message):
    person = request.getfixturevalue(viewer)
    if totp:
        enable_totp(person)
    with pytest.raises(NeedToKnowDenied, match=message):
        reveal(mrs_ahmed, "phone", viewer=person, group=street, reason=reason)
    assert not PersonalDataAccess.objects.exists()


def test_it_refuses_an_anonymous_viewer(street, mrs_ahmed):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NeedToKnowDenied):
        reveal(mrs_ahmed, "phone", viewer=AnonymousUser(), group=street, reason="curious")
    assert not PersonalDataAccess.objects.exists()


def test_it_refuses_to_reveal_a_resident_through_another_group(nadia, other_street, mrs_ahmed):
    enable_totp(nadia)
    with pytest.raises(NeedToKnowDenied):
        reveal(mrs_ahmed, "phone", viewer=nadia, group=other_street, reason="calling back")
    assert not PersonalDataAccess.objects.exists()


# --- sharing with the ward ----------------------------------------------------------------


@pytest.fixture
def ward_coordinator(ward):
    person = PersonFactory(email="wendy@example.org", display_name="Wendy Ward")
    MembershipFactory(person=person, group=ward, is_coordinator=True)
    return enable_totp(person)


@pytest.fixture
def borough_coordinator(borough):
    person = PersonFactory(email="dev@example.org", display_name="Dev Patel")
    MembershipFactory(person=person, group=borough, is_coordinator=True)
    return enable_totp(person)


def test_it_hides_a_streets_residents_from_the_ward_unless_shared(client, ward_coordinator,
                                                                  street, mrs_ahmed):
    assert not has_permission(ward_coordinator, street, "residents.view")
    with pytest.raises(NeedToKnowDenied):
        reveal(mrs_ahmed, "phone", viewer=ward_coordinator, group=street, reason="cover")
    client.force_login(ward_coordinator)
    assert client.get("/g/golborne-road/residents/").status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_it_shows_a_sharing_streets_residents_to_the_ward(client, ward_coordinator, street,
                                                           mrs_ahmed):
    street.shares_personal_data_with_parent = True
    street.save()
    assert has_permission(ward_coordinator, street, "residents.view")
    assert reveal(mrs_ahmed, "phone", viewer=ward_coordinator, group=street,
                  reason="covering for Priya") == PHONE
    access = PersonalDataAccess.objects.get()
    assert (access.viewer, access.group) == (ward_coordinator, street)
    client.force_login(ward_coordinator)
    assert b"Mrs Ahmed" in client.get("/g/golborne-road/residents/").content


@pytest.mark.parametrize("street_shares, ward_shares, sees", [
    (False, False, False), (True, False, False), (False, True, False), (True, True, True),
])
def test_it_shows_the_borough_only_what_every_level_shares(borough_coordinator, ward, street,
                                                           street_shares, ward_shares, sees):
    street.shares_personal_data_with_parent = street_shares
    street.save()
    ward.shares_personal_data_with_parent = ward_shares
    ward.save()
    assert has_permission(borough_coordinator, street, "residents.reveal") is sees
    assert has_permission(borough_coordinator, street, "group.view")


# --- key rotation -------------------------------------------------------------------------


def _give_phone(person, phone="+442079460999"):
    from kith.accounts.services import update_profile

    update_profile(person, acting_user=person, display_name=person.display_name, phone=phone)


def test_it_rotates_to_a_new_key_kept_in_the_file(key_file, priya, street):
    resident = ResidentFactory(group=street, name="Mrs Ahmed", notes="Lives alone")
    _give_phone(priya)
    old_key = key_file.read_text().strip()
    assert len(old_key.splitlines()) == 1

    call_command("rotate_keys", stdout=io.StringIO())

    lines = key_file.read_text().split()
    assert len(lines) == 2
    assert lines[1] == old_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    newest = Fernet(lines[0].encode())
    tokens = _raw_tokens()
    assert len(tokens) == 4
    for token in tokens:
        newest.decrypt(token.encode())
    enable_totp(priya)
    resident = Resident.objects.get(pk=resident.pk)
    assert reveal(resident, "phone", viewer=priya, group=street, reason="check") == PHONE
    assert reveal(resident, "notes", viewer=priya, group=street, reason="check") == "Lives alone"


def test_it_reencrypts_under_the_first_environment_key(fresh_keys, priya, street):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(KITH_FIELD_KEYS=[old]):
        crypto.reset_cache()
        resident = ResidentFactory(group=street, name="Mr Quinn")
        _give_phone(priya)
    with override_settings(KITH_FIELD_KEYS=[new, old]):
        crypto.reset_cache()
        call_command("rotate_keys", "--reencrypt-only", stdout=io.StringIO())
        for token in _raw_tokens():
            Fernet(new.encode()).decrypt(token.encode())
        enable_totp(priya)
        resident = Resident.objects.get(pk=resident.pk)
        assert reveal(resident, "address", viewer=priya, group=street, reason="x") == ADDRESS


def test_it_refuses_to_add_a_key_when_keys_come_from_the_environment(fresh_keys, mrs_ahmed):
    with pytest.raises(CommandError, match="KITH_FIELD_KEYS"):
        call_command("rotate_keys")
    key = Fernet(settings.KITH_FIELD_KEYS[0].encode())
    assert key.decrypt(_raw("residents_resident", "phone", mrs_ahmed.pk).encode()) == PHONE.encode()


def test_it_says_when_no_key_can_read_a_value(fresh_keys, mrs_ahmed):
    stranger = Fernet.generate_key().decode()
    with override_settings(KITH_FIELD_KEYS=[stranger]):
        crypto.reset_cache()
        with pytest.raises(crypto.UnreadableSecret):
            crypto.decrypt(Resident.objects.get(pk=mrs_ahmed.pk).phone.token)


# --- a person's own phone -----------------------------------------------------------------


def test_it_audits_a_profile_phone_with_the_number_masked(client, tom):
    client.force_login(tom)
    response = client.post("/account/", {"display_name": "Tom Brennan", "phone": "020 7946 0123"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="kith.person.updated")
    assert (event.actor, event.object_id) == (tom, str(tom.pk))
    assert event.new["phone"] == "***"
    assert "7946" not in str(event.old) + str(event.new)
    stored = _raw("accounts_person", "phone", tom.pk)
    assert stored and "7946" not in stored
    assert crypto.decrypt(stored) == "+442079460123"


def test_one_look_writes_one_row_per_subject_or_none_at_all(priya, street, mrs_ahmed):
    from kith.core.models import PersonalDataAccess
    from kith.core.privacy import one_look, reveal
    from tests.conftest import enable_totp

    enable_totp(priya)
    with one_look():
        for field in ("phone", "address"):
            reveal(mrs_ahmed, field, viewer=priya, group=street, reason="Calling back")
    row = PersonalDataAccess.objects.get(viewer=priya)
    assert row.field == "phone, address" and row.reason == "Calling back"

    with pytest.raises(RuntimeError), one_look():
        reveal(mrs_ahmed, "phone", viewer=priya, group=street, reason="Second look")
        raise RuntimeError("the page failed before it was shown")
    assert PersonalDataAccess.objects.filter(reason="Second look").count() == 0
