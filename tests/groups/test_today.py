"""The today page (what needs someone now) and where each person lands after signing in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kith.groups.access import resolve_access
from kith.groups.today import landing, needs_now
from kith.requests.models import Callback, HelpRequest
from tests.requests.test_services import ask

pytestmark = pytest.mark.django_db


def _counts(group, person) -> dict[str, int]:
    return {item.key: item.count for item in needs_now(group, resolve_access(person, group))}


def test_it_lists_only_what_needs_someone_and_hides_zeros(street, priya):
    assert _counts(street, priya) == {}
    ask(street)
    Callback.objects.filter(group=street).update(due_at=timezone.now() - timedelta(minutes=5))
    assert _counts(street, priya) == {"overdue_callbacks": 1}


def test_it_counts_urgent_requests_nobody_has(street, priya, sam):
    ask(street, channel="phone", acting_user=sam, urgency=HelpRequest.Urgency.TODAY)
    ask(street, channel="phone", acting_user=sam, phone="+447700900111", name="Mr Berry")
    assert _counts(street, priya)["urgent_unassigned"] == 1


def test_it_shows_each_role_only_the_work_it_can_do(street, priya, sam):
    HelpRequest.objects.filter(pk=ask(street).request.pk).update(state="escalated")
    assert "escalated" in _counts(street, priya)
    assert "escalated" not in _counts(street, sam)  # call handlers don't handle safeguarding


def test_it_links_each_line_to_where_the_work_is(client, street, priya):
    ask(street, channel="phone", acting_user=priya, urgency=HelpRequest.Urgency.TODAY)
    client.force_login(priya)
    page = client.get(reverse("groups:dashboard", args=[street.slug])).content.decode()
    assert "Needs someone now" in page
    assert "request for today has nobody yet" in page
    assert "?state=open&amp;urgency=today&amp;holder=nobody" in page


def test_its_urgent_count_matches_the_list_it_links_to(client, street, priya, sam):
    """A new request, a triaged one and one out to volunteers are all nobody's yet; one that
    is assigned is not. The list behind the link shows exactly the counted ones."""
    import re

    for n, urgency in enumerate(["today", "today", "today", "soon"]):
        ask(street, channel="phone", acting_user=sam, urgency=urgency,
            phone=f"+44770090{n:04d}", name=f"Resident {n}")
    counted = _counts(street, priya)["urgent_unassigned"]
    client.force_login(priya)
    item = next(i for i in needs_now(street, resolve_access(priya, street))
                if i.key == "urgent_unassigned")
    listed = client.get(item.href).content.decode()
    rows = re.findall(r'<th scope="row"', listed)
    assert counted == 3 and len(rows) == counted


def test_it_does_not_call_a_direct_coordinator_a_visitor_from_above(client, street, ward, priya):
    from kith.groups.models import Membership

    Membership.objects.create(group=ward, person=priya, is_coordinator=True)
    client.force_login(priya)
    page = client.get(reverse("groups:dashboard", args=[street.slug])).content.decode()
    assert "totals only" not in page


@pytest.mark.parametrize("who, lands_on", [
    ("priya", "groups:dashboard"), ("sam", "requests:queue"), ("tom", "volunteers:home"),
    ("olu", "groups:mine"),
])
def test_it_lands_each_person_on_their_work(request, street, who, lands_on):
    person = request.getfixturevalue(who)
    args = [] if lands_on in ("volunteers:home", "groups:mine") else [street.slug]
    assert landing(person) == reverse(lands_on, args=args)


def test_a_coordinator_of_two_groups_lands_where_the_urgent_work_is(street, other_street, priya):
    """Not on "My groups": on the today page of the group with the most urgent work waiting,
    or of the first group she joined when nothing is."""
    from kith.groups.models import Membership

    Membership.objects.create(group=other_street, person=priya, is_coordinator=True)
    assert landing(priya) == reverse("groups:dashboard", args=[street.slug])
    ask(other_street)
    Callback.objects.filter(group=other_street).update(due_at=timezone.now() - timedelta(hours=1))
    assert landing(priya) == reverse("groups:dashboard", args=[other_street.slug])
    ask(street, phone="+447700900222", name="Mr Berry")  # waiting, but not yet overdue
    assert landing(priya) == reverse("groups:dashboard", args=[other_street.slug])


def test_the_today_page_has_one_line_to_her_other_groups(client, street, other_street, priya):
    from kith.groups.models import Membership

    Membership.objects.create(group=other_street, person=priya, is_coordinator=True)
    ask(other_street)
    Callback.objects.filter(group=other_street).update(due_at=timezone.now() - timedelta(hours=1))
    client.force_login(priya)
    response = client.get(reverse("groups:start"))
    assert response.url == reverse("groups:dashboard", args=[other_street.slug])
    page = client.get(response.url).content.decode()
    switcher = page[page.index('aria-label="Your other groups"'):]
    switcher = switcher[:switcher.index("</nav>")]
    assert reverse("groups:dashboard", args=[street.slug]) in switcher
    assert street.name in switcher and other_street.name not in switcher
    page = client.get(reverse("groups:dashboard", args=[street.slug])).content.decode()
    assert f"{other_street.name}</a> (1 urgent)" in page


def test_one_group_has_no_switcher(client, street, priya):
    client.force_login(priya)
    page = client.get(reverse("groups:dashboard", args=[street.slug])).content.decode()
    assert "Your other groups" not in page


def _scene(street, sam, tom):
    """One of each thing the today page counts, with look-alikes it must not count: on-hold
    beside escalated, done beside open, a call due later beside an overdue one, a check-up
    beside a request call, and three requests Kith stopped offering for three reasons."""
    from kith.matching.models import Offer
    from kith.matching.offers import ROUNDS

    def new(n, **kwargs):
        return ask(street, channel="phone", acting_user=sam, phone=f"+44770091{n:04d}",
                   name=f"Resident {n}", **kwargs).request

    for n, state in enumerate(["escalated", "on_hold", "on_hold", "done", "done"]):
        HelpRequest.objects.filter(pk=new(n).pk).update(state=state)
    ran_out, no_address, nobody = new(10), new(11, address=""), new(12)
    HelpRequest.objects.filter(pk__in=[ran_out.pk, no_address.pk, nobody.pk]).update(
        state="matching", offer_rounds=ROUNDS)
    Offer.objects.create(request=ran_out, volunteer=tom, distance_km=1, explanation="near",
                         expires_at=timezone.now())
    for n in range(20, 23):  # web requests wait for a call
        ask(street, phone=f"+44770091{n:04d}", name=f"Resident {n}")
    now = timezone.now()
    calls = list(Callback.objects.filter(group=street, outcome="").order_by("id"))
    Callback.objects.filter(pk__in=[c.pk for c in calls[:2]]).update(
        due_at=now - timedelta(minutes=5))
    Callback.objects.filter(pk=calls[2].pk).update(kind=Callback.Kind.CHECK_UP,
                                                   due_at=now + timedelta(hours=2))


def _rows(page: str, href: str) -> int:
    import re

    if "/callbacks/" in href or "queue" in href:
        return len(re.findall(r'<li class="card', page))
    return len(re.findall(r'<th scope="row"', page))


def test_each_line_counts_what_its_link_lists(client, street, priya, sam, tom):
    _scene(street, sam, tom)
    items = needs_now(street, resolve_access(priya, street))
    keys = {item.key for item in items}
    assert {"escalated", "overdue_callbacks", "checkups_due", "offers_ran_out",
            "offers_no_address", "offers_nobody"} <= keys
    client.force_login(priya)
    for item in items:
        if item.key in {"checks_waiting", "runs_today", "services_stale"}:
            continue  # lists of their own, counted by their own tests
        page = client.get(item.href)
        assert page.status_code == 200, item
        assert _rows(page.content.decode(), item.href) == item.count, (item.key, item.href)


def test_its_words_say_why_a_request_was_not_offered(street, priya, sam, tom):
    _scene(street, sam, tom)
    words = {i.key: (i.count, i.words) for i in needs_now(street, resolve_access(priya, street))}
    assert words["offers_no_address"] == (1, "request needs an address before it can be offered")
    assert words["offers_ran_out"][0] == words["offers_nobody"][0] == 1
    assert words["escalated"][0] == 1


def test_the_members_page_tells_two_people_of_one_name_apart(client, street, priya):
    """Two "Owen Xu" rows, each with Change roles: the page says which is which."""
    import re

    from tests.conftest import _member

    _member(street, "owen@example.org", "Owen Xu", volunteer=True)
    _member(street, "owen.xu@example.net", "Owen Xu", volunteer=True)
    client.force_login(priya)
    page = client.get(reverse("groups:members", args=[street.slug])).content.decode()
    owens = re.findall(r'<th scope="row">(Owen Xu[^<]*)</th>', page)
    assert len(owens) == 2 and len(set(owens)) == 2
