"""The audit trail: masking, append-only rows, read-only admin, request ids and the trail page."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.db import transaction

from kith.core.audit import log_action, mask
from kith.core.models import AuditEvent, PersonalDataAccess
from kith.groups import services
from tests.conftest import confirm_two_factor, enable_totp
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

TRAIL = "/g/golborne-road/audit/"
SETTINGS = "/g/golborne-road/settings/"


# --- mask() -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [
    "phone", "email", "address", "notes", "password", "token", "home_phone", "Email",
    "invite_token", "postcode", "api_key",
])
def test_it_masks_sensitive_keys(key):
    assert mask({key: "+442079460100"}) == {key: "***"}


@pytest.mark.parametrize("empty", [None, "", [], {}])
def test_it_keeps_empty_sensitive_values_visible(empty):
    assert mask({"phone": empty}) == {"phone": empty}


def test_it_keeps_ordinary_keys_in_the_clear():
    assert mask({"name": "Golborne Road", "roles": ["volunteer"], "person": 7}) == {
        "name": "Golborne Road", "roles": ["volunteer"], "person": 7}


def test_it_masks_nested_dicts():
    assert mask({"contact": {"phone": "07700", "name": "Mrs Ahmed", "inner": {"email": "a@b"}}}) \
        == {"contact": {"phone": "***", "name": "Mrs Ahmed", "inner": {"email": "***"}}}


def test_it_masks_a_whole_sensitive_dict():
    assert mask({"address": {"line1": "14 Golborne Road"}}) == {"address": "***"}


def test_it_masks_dicts_inside_lists():
    masked = mask({"contacts": [{"name": "Mrs Ahmed", "phone": "+442079460100"}]})
    assert "+442079460100" not in str(masked)


def test_it_copies_rather_than_changes_the_input():
    values = {"phone": "07700"}
    mask(values)
    assert values == {"phone": "07700"}


# --- log_action() -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_log_outside_a_transaction(street):
    with pytest.raises(RuntimeError, match="inside the change's transaction"):
        log_action("kith.test.done", actor=None, group=street)
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_it_logs_inside_a_transaction(street, priya):
    with transaction.atomic():
        event = log_action("kith.test.done", actor=priya, group=street, obj=street,
                           new={"email": "x@example.org"})
    event.refresh_from_db()
    assert (event.actor, event.group, event.object_type) == (priya, street, "groups.group")
    assert event.new == {"email": "***"}


def test_it_records_no_actor_for_anonymous_or_system(street):
    from django.contrib.auth.models import AnonymousUser

    for actor in (None, AnonymousUser()):
        assert log_action("kith.test.done", actor=actor, group=street).actor is None


# --- append-only rows ---------------------------------------------------------------------


@pytest.fixture
def event(street, priya):
    return log_action("kith.test.done", actor=priya, group=street, obj=street,
                      new={"name": "x"})


@pytest.fixture
def access(street, priya, mrs_ahmed):
    return PersonalDataAccess.objects.create(
        viewer=priya, group=street, subject_type="residents.resident",
        subject_id=str(mrs_ahmed.pk), field="phone", reason="calling back")


@pytest.mark.parametrize("row_fixture, attribute", [("event", "action"), ("access", "reason")])
def test_it_refuses_to_change_or_delete_a_trail_row(request, row_fixture, attribute):
    row = request.getfixturevalue(row_fixture)
    original = getattr(row, attribute)
    setattr(row, attribute, "tampered")
    with pytest.raises(PermissionError, match="append-only"):
        row.save()
    with pytest.raises(PermissionError, match="append-only"):
        row.delete()
    stored = type(row).objects.get(pk=row.pk)
    assert getattr(stored, attribute) == original


# --- admin --------------------------------------------------------------------------------


@pytest.fixture
def superuser_request(rf):
    request = rf.get("/admin/")
    request.user = PersonFactory(email="root@example.org", is_superuser=True, is_staff=True)
    return request


@pytest.mark.parametrize("row_fixture", ["event", "access"])
def test_it_gives_even_a_superuser_a_read_only_admin(request, superuser_request, row_fixture):
    row = request.getfixturevalue(row_fixture)
    model_admin = admin.site._registry[type(row)]
    assert model_admin.has_view_permission(superuser_request, row)
    assert not model_admin.has_add_permission(superuser_request)
    assert not model_admin.has_change_permission(superuser_request, row)
    assert not model_admin.has_delete_permission(superuser_request, row)
    assert "delete_selected" not in model_admin.get_actions(superuser_request)


def test_it_serves_the_admin_list_but_not_the_add_page(client, event, superuser_request):
    client.force_login(enable_totp(superuser_request.user))
    confirm_two_factor(client)  # the admin needs two-factor used in this session
    assert client.get("/admin/core/auditevent/").status_code == 200
    assert client.get("/admin/core/auditevent/add/").status_code == 403


# --- request ids --------------------------------------------------------------------------


def _settings_form(**overrides):
    data = {"name": "Golborne Road Neighbours", "description": "", "whatsapp_url": "",
            "facebook_url": "", "phone": "", "email": "",
            "coverage": "W10 5"}
    data.update(overrides)
    return data


def test_it_stamps_the_request_id_on_the_audit_row(client, priya):
    client.force_login(priya)
    response = client.post(SETTINGS, _settings_form(name="Golborne Road Helpers"),
                           HTTP_X_REQUEST_ID="req-abc.123")
    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-abc.123"
    event = AuditEvent.objects.get(action="kith.group.updated")
    assert event.request_id == "req-abc.123"
    assert event.actor == priya
    assert event.new["name"] == "Golborne Road Helpers"


@pytest.mark.parametrize("header", ["has spaces", "x" * 65, "semi;colon", ""])
def test_it_mints_a_request_id_when_the_header_is_unsafe(client, priya, header):
    client.force_login(priya)
    response = client.post(SETTINGS, _settings_form(name="Renamed"), HTTP_X_REQUEST_ID=header)
    event = AuditEvent.objects.get(action="kith.group.updated")
    assert re.fullmatch(r"[0-9a-f]{32}", event.request_id)
    assert response["X-Request-ID"] == event.request_id


def test_it_masks_the_group_email_changed_through_the_settings_page(client, priya):
    client.force_login(priya)
    client.post(SETTINGS, _settings_form(email="golborne@example.org"))
    event = AuditEvent.objects.get(action="kith.group.updated")
    assert event.new == {"email": "***"}
    page = client.get(TRAIL)
    assert b"golborne@example.org" not in page.content


# --- the trail page -----------------------------------------------------------------------


@pytest.fixture
def history(priya, street, tom, olu, nadia, other_street):
    services.add_member(street, olu, roles=["coordinator"], acting_user=priya)
    services.create_invitation(street, roles=["volunteer"], acting_user=priya)
    services.update_group(street, acting_user=olu, description="We help with shopping.")
    # Another group's events must never appear here.
    services.update_group(other_street, acting_user=nadia, description="Lots Road news")


def _listed(response):
    return [(e.action, e.actor) for e in response.context["page"]]


def test_it_lists_the_groups_events_newest_first(client, priya, olu, history):
    client.force_login(priya)
    response = client.get(TRAIL)
    assert response.status_code == 200
    assert _listed(response) == [
        ("kith.group.updated", olu),
        ("kith.group.invitation_created", priya),
        ("kith.group.member_added", priya),
    ]


def test_it_filters_the_trail_by_action(client, priya, history):
    client.force_login(priya)
    response = client.get(TRAIL, {"action": "kith.group.invitation_created"})
    assert _listed(response) == [("kith.group.invitation_created", priya)]


def test_it_filters_the_trail_by_actor(client, priya, olu, history):
    client.force_login(priya)
    response = client.get(TRAIL, {"actor": str(olu.pk)})
    assert _listed(response) == [("kith.group.updated", olu)]


def test_it_offers_only_this_groups_actors_and_actions(client, priya, nadia, history):
    client.force_login(priya)
    form = client.get(TRAIL).context["form"]
    actor_ids = {value for value, _ in form.fields["actor"].choices if value}
    assert str(nadia.pk) not in actor_ids
    response = client.get(TRAIL, {"actor": str(nadia.pk)})
    assert not response.context["form"].is_valid()
    assert all(actor != nadia for _, actor in _listed(response))
