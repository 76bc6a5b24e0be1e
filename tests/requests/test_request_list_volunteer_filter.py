"""The request list's volunteer filter names who has helped lately, not everyone who ever
helped (a street of a busy borough has thousands of those after a few years: the load test,
bench/load_site.py, found the list of them took most of the page's time)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kith.requests.models import Assignment, HelpRequest
from kith.requests.views_list import RECENT_DAYS
from tests.factories import MembershipFactory, PersonFactory
from tests.requests.test_services import ask

pytestmark = pytest.mark.django_db


def _helped(street, sam, name: str, n: int, *, days_ago: int, open_: bool = False):
    person = PersonFactory(display_name=name)
    MembershipFactory(person=person, group=street, is_volunteer=True)
    req = ask(street, channel="phone", acting_user=sam, phone=f"+44770093{n:04d}",
              name=f"Resident {n}").request
    at = timezone.now() - timedelta(days=days_ago)
    Assignment.objects.create(request=req, volunteer=person, assigned_at=at,
                              due_by=at + timedelta(days=1),
                              ended_at=None if open_ else at + timedelta(hours=5),
                              end="" if open_ else Assignment.End.DONE)
    HelpRequest.objects.filter(pk=req.pk).update(state="assigned" if open_ else "closed")
    return person


def _options(page: str) -> set[str]:
    select = re.search(r'<select name="volunteer".*?</select>', page, re.S).group(0)
    return set(re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select))


def test_the_volunteer_filter_lists_recent_and_current_helpers_and_one_asked_for(
        client, street, priya, sam):
    _helped(street, sam, "Rita Recent", 1, days_ago=3)
    _helped(street, sam, "Hal Holding", 2, days_ago=RECENT_DAYS + 30, open_=True)
    long_ago = _helped(street, sam, "Lou Longago", 3, days_ago=RECENT_DAYS + 30)
    client.force_login(priya)
    url = reverse("requests:list", args=[street.slug])
    assert _options(client.get(url).content.decode()) == {"Rita Recent", "Hal Holding"}
    # A link that names a volunteer who helped long ago still filters by them.
    page = client.get(url, {"state": "all", "volunteer": long_ago.pk}).content.decode()
    assert _options(page) == {"Rita Recent", "Hal Holding", "Lou Longago"}
    assert "not understood" not in page and len(re.findall(r'<th scope="row"', page)) == 1
    # Someone who never helped here is not let in by naming them.
    stranger = PersonFactory(display_name="Stan Stranger")
    page = client.get(url, {"volunteer": stranger.pk}).content.decode()
    assert "Stan Stranger" not in page
