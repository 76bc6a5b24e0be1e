"""Group services: each change writes exactly one expected AuditEvent in its own transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.groups import services
from kith.groups.models import Group, Invitation, Membership

pytestmark = pytest.mark.django_db


def _events():
    return list(AuditEvent.objects.order_by("id"))


def _only_event():
    events = _events()
    assert len(events) == 1, [e.action for e in events]
    return events[0]


def _membership(person, group):
    return Membership.objects.get(person=person, group=group)


# --- create_group / update_group ---------------------------------------------------------


def test_it_records_a_new_group_with_contacts_masked(priya, ward):
    group = services.create_group(
        acting_user=priya, name="Elgin Crescent", slug="elgin-crescent", kind="street",
        parent=ward, phone="+442079460555", email="elgin@example.org",
    )
    event = _only_event()
    assert (event.action, event.actor, event.group) == ("kith.group.created", priya, group)
    assert (event.object_type, event.object_id) == ("groups.group", str(group.pk))
    assert event.old == {}
    assert event.new["name"] == "Elgin Crescent"
    assert event.new["parent"] == str(ward.pk)
    assert event.new["phone"] == "***"
    assert event.new["email"] == "***"


def test_it_refuses_an_invalid_group_and_records_nothing(priya, ward):
    with pytest.raises(ValidationError):
        services.create_group(acting_user=priya, name="Bad", slug="bad", kind="street",
                              parent=ward, whatsapp_url="https://wa.me/447700900123")
    assert not Group.objects.filter(slug="bad").exists()
    assert _events() == []


def test_it_records_only_the_fields_an_update_changed(priya, street):
    services.update_group(street, acting_user=priya, name="Golborne Road Helpers",
                          description=street.description, email="golborne@example.org")
    event = _only_event()
    assert (event.action, event.actor, event.group) == ("kith.group.updated", priya, street)
    assert event.old == {"name": "Golborne Road Neighbours", "email": ""}
    assert event.new == {"name": "Golborne Road Helpers", "email": "***"}


def test_it_records_nothing_when_an_update_changes_nothing(priya, street):
    services.update_group(street, acting_user=priya, name=street.name)
    assert _events() == []


def test_it_leaves_the_group_alone_when_an_update_is_invalid(priya, street):
    with pytest.raises(ValidationError):
        services.update_group(street, acting_user=priya, name="Renamed",
                              facebook_url="https://example.org/groups/x")
    street.refresh_from_db()
    assert street.name == "Golborne Road Neighbours"
    assert _events() == []


# --- members ------------------------------------------------------------------------------


def test_it_records_a_new_member(priya, street, olu):
    membership = services.add_member(street, olu, roles=["volunteer"], acting_user=priya)
    event = _only_event()
    assert (event.action, event.actor, event.group) == ("kith.group.member_added", priya, street)
    assert (event.object_type, event.object_id) == ("groups.membership", str(membership.pk))
    assert event.old == {}
    assert event.new == {"person": olu.pk, "roles": ["volunteer"]}


def test_it_records_roles_added_to_an_existing_member(priya, street, tom):
    services.add_member(street, tom, roles=["call_handler"], acting_user=priya)
    event = _only_event()
    assert event.action == "kith.group.roles_changed"
    assert event.old == {"roles": ["volunteer"]}
    assert event.new == {"person": tom.pk, "roles": ["call_handler", "volunteer"]}


def test_it_records_a_change_of_roles(priya, street, tom):
    membership = services.change_roles(_membership(tom, street), roles=["call_handler"],
                                       acting_user=priya)
    event = _only_event()
    assert (event.action, event.actor, event.group) == ("kith.group.roles_changed", priya, street)
    assert event.object_id == str(membership.pk)
    assert event.old == {"roles": ["volunteer"]}
    assert event.new == {"roles": ["call_handler"]}
    assert _membership(tom, street).roles == {"call_handler"}


def test_it_records_nothing_when_roles_stay_the_same(priya, street, tom):
    services.change_roles(_membership(tom, street), roles=["volunteer"], acting_user=priya)
    assert _events() == []


def test_it_records_a_member_leaving(priya, street, tom):
    membership = _membership(tom, street)
    services.remove_member(membership, acting_user=priya)
    event = _only_event()
    assert (event.action, event.actor, event.group) == ("kith.group.member_removed", priya, street)
    assert event.object_id == str(membership.pk)
    assert event.old == {"person": tom.pk, "roles": ["volunteer"]}
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_it_refuses_to_demote_the_last_coordinator(priya, street):
    with pytest.raises(ValidationError, match="at least one coordinator"):
        services.change_roles(_membership(priya, street), roles=["volunteer"], acting_user=priya)
    assert _membership(priya, street).roles == {"coordinator"}
    assert _events() == []


def test_it_refuses_to_remove_the_last_coordinator(priya, street):
    with pytest.raises(ValidationError, match="at least one coordinator"):
        services.remove_member(_membership(priya, street), acting_user=priya)
    assert _membership(priya, street).roles == {"coordinator"}
    assert _events() == []


def test_it_lets_a_coordinator_step_down_when_another_remains(priya, sam, street):
    services.add_member(street, sam, roles=["coordinator"], acting_user=priya)
    services.change_roles(_membership(priya, street), roles=["volunteer"], acting_user=priya)
    assert _membership(priya, street).roles == {"volunteer"}


@pytest.mark.parametrize("roles, message", [
    (["overlord"], "Unknown role: overlord"),
    (["volunteer", "king"], "Unknown role: king"),
    ([], "at least one role"),
])
@pytest.mark.parametrize("call", ["add_member", "change_roles", "create_invitation"])
def test_it_refuses_unknown_or_no_roles(priya, street, tom, olu, call, roles, message):
    run = {
        "add_member": lambda: services.add_member(street, olu, roles=roles, acting_user=priya),
        "change_roles": lambda: services.change_roles(_membership(tom, street), roles=roles,
                                                      acting_user=priya),
        "create_invitation": lambda: services.create_invitation(street, roles=roles,
                                                                acting_user=priya),
    }[call]
    with pytest.raises(ValidationError, match=message):
        run()
    assert _events() == []
    assert not Membership.objects.filter(person=olu).exists()
    assert not Invitation.objects.exists()
    assert _membership(tom, street).roles == {"volunteer"}


@pytest.mark.parametrize("call", ["add_member", "update_group", "create_invitation"])
def test_it_rolls_back_the_change_when_the_audit_write_fails(monkeypatch, priya, street, olu,
                                                              call):
    def broken(*args, **kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "log_action", broken)
    run = {
        "add_member": lambda: services.add_member(street, olu, roles=["volunteer"],
                                                  acting_user=priya),
        "update_group": lambda: services.update_group(street, acting_user=priya, name="Gone"),
        "create_invitation": lambda: services.create_invitation(street, roles=["volunteer"],
                                                                acting_user=priya),
    }[call]
    with pytest.raises(RuntimeError):
        run()
    assert not Membership.objects.filter(person=olu).exists()
    assert Group.objects.get(pk=street.pk).name == "Golborne Road Neighbours"
    assert not Invitation.objects.exists()


# --- invitations --------------------------------------------------------------------------


def test_it_records_a_link_invitation_and_sends_nothing(priya, street, mailoutbox,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.create_invitation(street, roles=["volunteer"], acting_user=priya)
    event = _only_event()
    assert (event.action, event.actor, event.group) == (
        "kith.group.invitation_created", priya, street)
    assert (event.object_type, event.object_id) == ("groups.invitation", str(invitation.pk))
    assert event.new == {"email": "", "roles": ["volunteer"]}
    assert mailoutbox == []


def test_it_emails_an_invitation_only_after_commit(priya, street, mailoutbox,
                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invitation = services.create_invitation(street, roles=["call_handler", "volunteer"],
                                                email="  New.Person@Example.org ",
                                                acting_user=priya)
        assert mailoutbox == []
    assert len(callbacks) == 1
    assert invitation.email == "new.person@example.org"
    event = _only_event()
    assert event.new == {"email": "***", "roles": ["call_handler", "volunteer"]}
    [mail] = mailoutbox
    assert mail.to == ["new.person@example.org"]
    assert "Golborne Road Neighbours" in mail.subject
    assert invitation.get_absolute_url() in mail.body


def test_it_records_a_revoked_invitation(priya, street):
    invitation = services.create_invitation(street, roles=["volunteer"], acting_user=priya)
    services.revoke_invitation(invitation, acting_user=priya)
    event = _events()[-1]
    assert (event.action, event.actor, event.group) == (
        "kith.group.invitation_revoked", priya, street)
    assert event.object_id == str(invitation.pk)
    assert (event.old, event.new) == ({"status": "open"}, {"status": "revoked"})
    invitation.refresh_from_db()
    assert invitation.status == "revoked"


def test_it_refuses_to_revoke_twice(priya, street):
    invitation = services.create_invitation(street, roles=["volunteer"], acting_user=priya)
    services.revoke_invitation(invitation, acting_user=priya)
    with pytest.raises(ValidationError, match="already revoked"):
        services.revoke_invitation(invitation, acting_user=priya)
    assert AuditEvent.objects.filter(action="kith.group.invitation_revoked").count() == 1


def test_it_records_an_accepted_invitation_and_the_new_member(priya, street, olu):
    invitation = services.create_invitation(street, roles=["volunteer"], acting_user=priya)
    membership = services.accept_invitation(invitation, person=olu)
    accepted, added = _events()[1:]
    assert (accepted.action, accepted.actor, accepted.group) == (
        "kith.group.invitation_accepted", olu, street)
    assert accepted.object_id == str(invitation.pk)
    assert accepted.new == {"person": olu.pk, "roles": ["volunteer"]}
    assert (added.action, added.actor, added.object_id) == (
        "kith.group.member_added", olu, str(membership.pk))
    assert membership.roles == {"volunteer"}
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == ("accepted", olu)


def _expire(invitation, priya, person):
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1))


def _revoke(invitation, priya, person):
    services.revoke_invitation(invitation, acting_user=priya)


def _accept(invitation, priya, person):
    services.accept_invitation(invitation, person=person)


@pytest.mark.parametrize("spoil, status", [
    (_expire, "expired"), (_revoke, "revoked"), (_accept, "accepted"),
])
def test_it_refuses_an_invitation_that_is_not_open(priya, street, tom, olu, spoil, status):
    invitation = services.create_invitation(street, roles=["coordinator"], acting_user=priya)
    spoil(invitation, priya, tom)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match=status):
        services.accept_invitation(invitation, person=olu)
    assert not Membership.objects.filter(person=olu).exists()
    assert AuditEvent.objects.count() == before


# --- kinds and contact links --------------------------------------------------------------


def _group(**fields):
    return Group(name="Test", slug="test-group", kind="street", **fields)


@pytest.mark.parametrize("field, url", [
    ("whatsapp_url", "https://wa.me/447700900123"),
    ("whatsapp_url", "http://chat.whatsapp.com/AbCdEfGhIjKl"),
    ("whatsapp_url", "https://chat.whatsapp.com/short"),
    ("whatsapp_url", "https://chat.whatsapp.com.evil.example/AbCdEfGhIjKl"),
    ("whatsapp_url", "https://chat.whatsapp.com/AbCdEfGhIjKl?x=1"),
    ("facebook_url", "https://www.facebook.com/pages/golborne"),
    ("facebook_url", "http://www.facebook.com/groups/golborne"),
    ("facebook_url", "https://facebook.com.evil.example/groups/golborne"),
    ("facebook_url", "https://www.facebook.com/groups/golborne?ref=share"),
    ("facebook_url", "javascript:alert(1)"),
])
def test_it_rejects_bad_contact_links(field, url):
    with pytest.raises(ValidationError) as caught:
        _group(**{field: url}).full_clean()
    assert field in caught.value.message_dict


@pytest.mark.parametrize("fields", [
    {"whatsapp_url": "https://chat.whatsapp.com/AbCdEfGhIjKl0123"},
    {"facebook_url": "https://www.facebook.com/groups/golborne-road"},
    {"facebook_url": "https://m.facebook.com/groups/golborne.road/"},
    {"facebook_url": "https://facebook.com/groups/golborne_road"},
])
def test_it_accepts_good_contact_links(db, fields):
    _group(**fields).full_clean()


def test_it_rejects_an_unknown_kind(db):
    with pytest.raises(ValidationError) as caught:
        Group(name="Test", slug="test-group", kind="city").full_clean()
    assert "kind" in caught.value.message_dict


def test_it_refuses_a_child_shallower_than_its_parent(priya, street):
    with pytest.raises(ValidationError):
        services.create_group(acting_user=priya, name="Upside-down Ward", slug="upside-down",
                              kind="ward", parent=street)


def test_it_refuses_a_group_that_is_its_own_parent(priya, street):
    with pytest.raises(ValidationError):
        services.update_group(street, acting_user=priya, parent=street)
