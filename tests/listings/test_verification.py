"""Listings go stale. Priya confirms Golborne Road's is right; `kith remind-verify` nudges the
coordinators of groups that have not checked theirs for 90 days, no more than monthly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.groups.models import Group
from kith.listings.models import VerificationReminder, needs_verification
from kith.listings.services import send_verification_reminders, verify_listing
from tests.factories import MembershipFactory, PersonFactory

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("created_days_ago,verified_days_ago,expected", [
    (10, None, False),
    (90, None, False),
    (91, None, True),
    (400, 30, False),
    (400, 90, False),
    (400, 90.01, True),
    (400, 365, True),
])
def test_it_knows_when_a_listing_needs_checking(created_days_ago, verified_days_ago, expected):
    group = SimpleNamespace(
        created_at=NOW - timedelta(days=created_days_ago),
        last_verified_at=None if verified_days_ago is None else NOW - timedelta(days=verified_days_ago),
    )
    assert needs_verification(group, NOW) is expected


def test_it_says_when_the_group_last_checked_its_listing():
    group = SimpleNamespace(last_verified_at=datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    html = render_to_string("listings/_verified.html", {"group": group})
    assert "Checked by the group on" in html and "3 March 2026" in html
    html = render_to_string("listings/_verified.html", {"group": SimpleNamespace(last_verified_at=None)})
    assert "Not yet checked by the group" in html


# --- confirming a listing


@pytest.mark.django_db
def test_it_lets_the_coordinator_confirm_the_listing(client, priya, street):
    client.force_login(priya)
    assert "Not yet checked by the group" in client.get(
        reverse("listings:reports", args=[street.slug])).content.decode()
    response = client.post(reverse("listings:verify", args=[street.slug]))
    assert response.status_code == 302
    assert response.url == reverse("listings:reports", args=[street.slug])
    street.refresh_from_db()
    assert timezone.now() - street.last_verified_at < timedelta(minutes=1)
    event = AuditEvent.objects.get(action="kith.listing.verified")
    assert (event.actor, event.group, event.old) == (priya, street, {"last_verified_at": None})
    assert "Checked by the group on" in client.get(response.url).content.decode()


@pytest.mark.django_db
def test_it_only_follows_a_next_address_on_this_site(client, priya, street):
    client.force_login(priya)
    url = reverse("listings:verify", args=[street.slug])
    assert client.post(url, {"next": "/g/golborne-road/"}).url == "/g/golborne-road/"
    assert client.post(url, {"next": "https://evil.example/"}).url == reverse(
        "listings:reports", args=[street.slug])


@pytest.mark.django_db
@pytest.mark.parametrize("who,status", [("olu", 404), ("nadia", 404), ("tom", 403), ("sam", 403)])
def test_it_lets_only_the_groups_coordinators_confirm(client, request, street, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.post(reverse("listings:verify", args=[street.slug])).status_code == status
    street.refresh_from_db()
    assert street.last_verified_at is None
    assert not AuditEvent.objects.filter(action="kith.listing.verified").exists()


@pytest.mark.django_db
def test_it_answers_get_on_verify_with_405(client, priya, street):
    client.force_login(priya)
    assert client.get(reverse("listings:verify", args=[street.slug])).status_code == 405


@pytest.mark.django_db
def test_it_writes_the_old_and_new_times(priya, street):
    first = verify_listing(street, acting_user=priya).last_verified_at
    verify_listing(street, acting_user=priya)
    events = AuditEvent.objects.filter(action="kith.listing.verified").order_by("id")
    assert events[1].old == {"last_verified_at": str(first)}


# --- reminders


def _age(group: Group, days: float, verified_days_ago: float | None = None) -> None:
    Group.objects.filter(pk=group.pk).update(
        created_at=timezone.now() - timedelta(days=days),
        last_verified_at=None if verified_days_ago is None
        else timezone.now() - timedelta(days=verified_days_ago),
    )


def _run() -> str:
    out = StringIO()
    call_command("remind_verify", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_reminds_the_coordinators_of_stale_groups_only(messages_sent_at_once, priya, street,
                                                          ward, other_street,
                                                          nadia, sam, mailoutbox):
    second = PersonFactory(email="amir@example.org", display_name="Amir Haddad")
    MembershipFactory(person=second, group=street, is_coordinator=True)
    _age(street, days=200)                          # never checked: stale
    _age(other_street, days=200, verified_days_ago=10)  # checked recently: fine
    _age(ward, days=200, verified_days_ago=120)     # stale, but no coordinators to tell
    out = _run()
    assert "Sent 2 reminders to the coordinators of 1 group." in out
    assert sorted(m.to[0] for m in mailoutbox) == ["amir@example.org", "priya@example.org"]
    assert all(len(m.to) == 1 for m in mailoutbox)  # coordinators don't see each other's address
    assert "Golborne Road Neighbours" in mailoutbox[0].subject
    assert reverse("listings:reports", args=[street.slug]) in mailoutbox[0].body
    assert "Nobody has confirmed the listing yet." in mailoutbox[0].body
    assert VerificationReminder.objects.get().group == street


@pytest.mark.django_db
def test_it_does_not_remind_twice_within_30_days(messages_sent_at_once, priya, street, mailoutbox):
    _age(street, days=200)
    assert "Sent 1 reminder to the coordinators of 1 group." in _run()
    assert "Sent 0 reminders to the coordinators of 0 groups." in _run()
    assert len(mailoutbox) == 1
    later = timezone.now() + timedelta(days=29)
    assert send_verification_reminders(now=later) == (0, 0)
    later = timezone.now() + timedelta(days=31)
    assert send_verification_reminders(now=later) == (1, 1)
    assert len(mailoutbox) == 2
    assert VerificationReminder.objects.count() == 2


@pytest.mark.django_db
def test_it_stops_reminding_once_the_listing_is_confirmed(messages_sent_at_once, priya, street,
                                                          mailoutbox):
    _age(street, days=200, verified_days_ago=100)
    assert send_verification_reminders() == (1, 1)
    assert "last confirmed the listing on" in mailoutbox[0].body
    verify_listing(street, acting_user=priya)
    assert send_verification_reminders(now=timezone.now() + timedelta(days=45)) == (0, 0)
