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


def test_each_list_counts_what_it_shows_a_linked_one_too(client, street, priya, sam):
    """The heading's figure is the tab's count (no second count of the same rows), and a list
    with no tab of its own, Escalated, counts its rows as well."""
    for n, state in enumerate(["triaged", "escalated", "escalated", "done"]):
        req = ask(street, channel="phone", acting_user=sam, phone=f"+44770093{n:04d}",
                  name=f"Resident {n}").request
        HelpRequest.objects.filter(pk=req.pk).update(state=state)
    client.force_login(priya)
    for state, rows in [("open", 3), ("escalated", 2), ("done", 1), ("all", 4)]:
        count, page = _rows(client, street, state=state)
        assert count == rows, state
        assert re.search(rf"<h2>[^<]*: {rows} requests?</h2>", page), state


def test_a_row_reads_as_before_the_rows_were_drawn_in_python(client, street, priya, sam):
    from django.utils import timezone

    req = ask(street, channel="phone", acting_user=sam, name="Amina Ahmed").request
    needed = timezone.localtime().replace(year=2027, month=3, day=2, hour=9, minute=30,
                                          second=0, microsecond=0)
    HelpRequest.objects.filter(pk=req.pk).update(needed_by=needed, urgency="today")
    client.force_login(priya)
    _count, page = _rows(client, street)
    detail = reverse("requests:detail", args=[street.slug, req.reference])
    assert f'<a href="{detail}">{req.reference}</a>' in page
    assert f'<time datetime="{needed.isoformat()}">Tue 2 Mar 09:30</time>' in page
    assert f"{req.get_service_display()} <strong>(today)</strong>" in page
    assert ">Amina<" in page


def test_the_filter_box_is_drawn_again_when_its_choices_change(client, street, priya, sam):
    """The empty filter box is kept beside the group's choices; a new area is listed as soon as
    the choices are read again, and a filled-in box always shows what was typed."""
    from django.core.cache import cache

    ask(street, channel="phone", acting_user=sam, postcode="W10 5NW")
    client.force_login(priya)
    page = _rows(client, street)[1]
    assert '<option value="W10 5">' in page and '<option value="W11 1">' not in page
    ask(street, channel="phone", acting_user=sam, phone="+447700930999", name="B Other",
        postcode="W11 1PG")
    cache.delete(f"requests:list-choices:{street.pk}")  # as a minute later
    page = _rows(client, street)[1]
    assert '<option value="W10 5">' in page and '<option value="W11 1">' in page
    typed = _rows(client, street, q="Ahmed <b>")[1]
    assert 'value="Ahmed &lt;b&gt;"' in typed
