"""The request list's Open tab and its filters say what they show: done requests are not
open, and a filter value the list cannot use is named, not silently dropped."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kith.requests.models import HelpRequest
from tests.requests.test_services import ask

pytestmark = pytest.mark.django_db


def _rows(client, street, **query) -> tuple[int, str]:
    page = client.get(reverse("requests:list", args=[street.slug]), query).content.decode()
    return len(re.findall(r'<th scope="row"', page)), page


def test_open_leaves_out_done_and_cancelled(client, street, priya, sam):
    for n, state in enumerate(["triaged", "done", "checked_up", "cancelled"]):
        req = ask(street, channel="phone", acting_user=sam, phone=f"+44770092{n:04d}",
                  name=f"Resident {n}").request
        HelpRequest.objects.filter(pk=req.pk).update(state=state)
    client.force_login(priya)
    assert _rows(client, street)[0] == 1
    assert _rows(client, street, state="open", sort="deadline")[0] == 1
    assert _rows(client, street, state="done")[0] == 2


@pytest.mark.parametrize("query, named", [
    ({"area": "SW5 9"}, "The area “SW5 9” was not understood"),
    ({"service": "bogus"}, "The kind of help “bogus” was not understood"),
    ({"state": "sideways"}, "The list “sideways” was not understood"),
])
def test_a_filter_value_not_understood_is_named(client, street, priya, sam, query, named):
    ask(street, channel="phone", acting_user=sam)
    client.force_login(priya)
    _count, page = _rows(client, street, **query)
    assert named in page and 'class="error-summary"' in page


def test_good_filters_say_nothing_of_the_sort(client, street, priya, sam):
    ask(street, channel="phone", acting_user=sam)
    client.force_login(priya)
    _count, page = _rows(client, street, service="shopping", state="open")
    assert "not understood" not in page
