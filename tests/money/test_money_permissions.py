"""The treasurer's column of the permission matrix, for every money page, beside the
coordinator, the volunteer and an outsider (tests/test_permission_matrix.py has the usual
personas). Another group's ids are 404 to everyone here, never 500."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from kith.money import services
from kith.money.models import Flag
from tests.money.conftest import receipt_upload, spent_at

pytestmark = pytest.mark.django_db

PAGES = ["task", "queue", "claim", "receipt", "balances", "reimburse", "ledger", "csv", "fund",
         "settings"]
EXPECTED = {
    #              task queue claim receipt balances reimburse ledger csv fund settings
    "tess":       [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "priya":      [200, 200, 200, 200, 200, 200, 200, 200, 403, 200],
    "tom":        [200, 403, 403, 200, 403, 403, 403, 403, 403, 403],
    "olu":        [404, 404, 404, 404, 404, 404, 404, 404, 404, 404],
}


@pytest.fixture
def money_world(street, shopping, tom, tess, priya, olu):
    claim = services.record_claim(shopping, volunteer=tom, shop="Tesco", spent_at=spent_at(),
                                  lines=[("Bread", Decimal("3.10"))], upload=receipt_upload())
    with transaction.atomic():
        flag = Flag.objects.create(group=street, kind=Flag.Kind.DUPLICATE, claim=claim, why="x")
    return {"claim": claim, "flag": flag, "req": shopping, "tom": tom}


def _url(page, world, slug="golborne-road"):
    args = {"task": [world["req"].reference], "claim": [world["claim"].pk],
            "receipt": [world["claim"].pk], "reimburse": [world["tom"].pk]}.get(page, [])
    return reverse(f"money:{page}", args=[slug, *args])


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_each_persona_gets_what_the_table_says(client, request, money_world, persona):
    client.force_login(request.getfixturevalue(persona))
    seen = [client.get(_url(page, money_world)).status_code for page in PAGES]
    assert seen == EXPECTED[persona]


def test_the_treasurer_may_reverse_but_not_review_flags(client, money_world, tess):
    from kith.money.models import JournalEntry

    with transaction.atomic():
        entry = services.fund_in(money_world["req"].group, kind="donation",
                                 amount=Decimal("10.00"), description="Fete", actor=tess)
    client.force_login(tess)
    response = client.post(reverse("money:reverse", args=["golborne-road", entry.pk]),
                           {"reason": "Typed twice"})
    assert response.status_code == 302
    assert JournalEntry.objects.filter(reverses=entry).exists()
    response = client.post(reverse("money:flag", args=["golborne-road", money_world["flag"].pk]),
                           {"outcome": "Fine"})
    assert response.status_code == 403


def test_a_volunteer_cannot_see_another_volunteers_task_or_receipt(client, money_world, street):
    from tests.factories import MembershipFactory, PersonFactory

    jo = PersonFactory(email="jo@example.org")
    MembershipFactory(person=jo, group=street, is_volunteer=True)
    client.force_login(jo)
    assert client.get(_url("task", money_world)).status_code == 404
    assert client.get(_url("receipt", money_world)).status_code == 404


def test_another_groups_ids_are_not_found(client, money_world, nadia):
    """Nadia coordinates Lots Road: Golborne Road's claim, entry and flag ids through her own
    group's pages are 404."""
    from kith.money.models import JournalEntry

    client.force_login(nadia)
    for page in ("claim", "receipt", "task"):
        assert client.get(_url(page, money_world, slug="lots-road")).status_code == 404
    entry = JournalEntry.objects.first()
    assert client.post(reverse("money:flag", args=["lots-road", money_world["flag"].pk]),
                       {"outcome": "x"}).status_code == 404
    assert client.post(reverse("money:reverse", args=["lots-road", entry.pk]),
                       {"reason": "x"}).status_code == 404
