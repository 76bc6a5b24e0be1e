"""The directory of local services: shared down the tree, kept by coordinators, audited,
stale ones nudged, another group's a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.groups.access import resolve_access
from kith.groups.today import needs_now
from kith.signposting import services
from kith.signposting.finding import visible_to
from kith.signposting.models import LocalService

pytestmark = pytest.mark.django_db


def test_it_shares_a_wards_services_with_its_streets_but_not_upwards(
        street, ward, food_bank, kitchen):
    assert set(visible_to(street)) == {food_bank, kitchen}
    assert set(visible_to(ward)) == {food_bank}


def test_it_writes_an_audit_row_for_each_change_and_none_for_no_change(street, priya, kitchen):
    services.update_service(kitchen, acting_user=priya, cost="Pay what you can")
    services.update_service(kitchen, acting_user=priya, cost="Pay what you can")
    services.mark_checked(kitchen, acting_user=priya)
    services.mark_checked(kitchen, acting_user=priya)
    actions = list(AuditEvent.objects.filter(group=street).order_by("pk")
                   .values_list("action", flat=True))
    assert actions == ["kith.service.created", "kith.service.updated", "kith.service.checked"]
    updated = AuditEvent.objects.get(action="kith.service.updated")
    assert (updated.old, updated.new) == ({"cost": ""}, {"cost": "Pay what you can"})


def test_it_places_a_service_at_its_own_postcode_and_refuses_one_it_cannot(street, priya):
    placed = services.create_service(street, acting_user=priya, organisation="A", name="B",
                                     needs=["food"], postcode="W10 5NW")
    assert placed.lat == pytest.approx(51.5242, abs=1e-3)
    with pytest.raises(services.ServiceError) as refused:
        services.create_service(street, acting_user=priya, organisation="A", name="C",
                                needs=["food"], postcode="N20 0ZZ")
    assert refused.value.field == "postcode"
    assert LocalService.objects.count() == 1


def _form(**changes) -> dict:
    data = {"organisation": "Golborne Pantry", "name": "Food bank", "needs": ["food"],
            "status": "active", "postcode": "w10 5nw", "radius_miles": "2",
            "languages": "English, arabic,English", "coverage": ""}
    return {**data, **changes}


def test_a_coordinator_adds_a_service_through_the_page(client, street, priya):
    client.force_login(priya)
    response = client.post(reverse("signposting:new", args=[street.slug]), _form())
    service = LocalService.objects.get()
    assert response.status_code == 302
    assert (service.group, service.postcode, service.radius_miles, service.languages) == (
        street, "W10 5NW", 2.0, ["English", "arabic"])


@pytest.mark.parametrize("changes, field, words", [
    ({"postcode": "W1O 5NW"}, "postcode", "Did you mean"),
    ({"postcode": "", "radius_miles": "2"}, "postcode", "needs a postcode"),
    ({"coverage": "W10 5NW", "radius_miles": ""}, "coverage", "full postcode"),
    ({"needs": []}, "needs", "Tick at least one"),
    ({"name": "Food\u202ebank"}, "name", "hidden character"),
    ({"phone": "ring us"}, "phone", "digits"),
])
def test_it_says_what_is_wrong_and_keeps_what_was_typed(client, street, priya, changes,
                                                        field, words):
    client.force_login(priya)
    response = client.post(reverse("signposting:new", args=[street.slug]), _form(**changes))
    assert response.status_code == 400
    assert words in " ".join(response.context["form"].errors[field])
    page = response.content.decode()
    assert 'value="Golborne Pantry"' in page  # what was typed stays in its box
    assert not LocalService.objects.exists()


def test_a_postcode_the_directory_lacks_is_refused_beside_the_box(client, street, priya):
    client.force_login(priya)
    response = client.post(reverse("signposting:new", args=[street.slug]),
                           _form(postcode="N20 0ZZ"))
    assert response.status_code == 400
    assert "N20 0ZZ" in " ".join(response.context["form"].errors["postcode"])


def test_only_the_owning_group_changes_a_service(client, street, priya, food_bank):
    client.force_login(priya)
    assert client.get(reverse("signposting:detail", args=[street.slug, food_bank.pk])
                      ).status_code == 200
    assert client.get(reverse("signposting:edit", args=[street.slug, food_bank.pk])
                      ).status_code == 404
    assert client.post(reverse("signposting:checked", args=[street.slug, food_bank.pk])
                       ).status_code == 404


@pytest.mark.parametrize("name", ["signposting:detail", "signposting:edit",
                                  "signposting:checked"])
def test_other_groups_services_are_not_found(client, street, priya, far_pantry, name):
    client.force_login(priya)
    url = reverse(name, args=[street.slug, far_pantry.pk])
    response = client.post(url) if name.endswith("checked") else client.get(url)
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="kith.service.checked").exists()


def test_the_caution_note_is_shown_first_in_a_box(client, street, sam, food_bank):
    client.force_login(sam)
    page = client.get(reverse("signposting:detail", args=[street.slug, food_bank.pk])
                      ).content.decode()
    assert page.index('class="caution"') < page.index("Tuesdays 10am")
    assert "Asks to see ID at the door." in page
    assert "Change these details" not in page  # call handlers read; coordinators change


def test_stale_services_are_nudged_on_the_list_and_the_today_page(client, street, priya,
                                                                    kitchen):
    client.force_login(priya)
    page = client.get(reverse("signposting:list", args=[street.slug])).content.decode()
    assert "1 service has not been checked for six months" in page
    assert "Not checked since 1 Jan 2020" in page
    items = {i.key: i.count for i in needs_now(street, resolve_access(priya, street))}
    assert items["services_stale"] == 1
    client.post(reverse("signposting:checked", args=[street.slug, kitchen.pk]),
                {"next": "list"})
    kitchen.refresh_from_db()
    assert kitchen.last_checked == timezone.localdate()
    assert "services_stale" not in {i.key for i in needs_now(street,
                                                             resolve_access(priya, street))}
