"""Rows that need care, as a real group's spreadsheet has them (issue 12).

Priya imports Golborne Road's Google Form. Some said no to the group keeping their details; some
left their name out; some gave a postcode that is laid out right but that nobody has; and the
people who joined through the WhatsApp group gave only a phone number.
"""

from __future__ import annotations

import pytest
from django.core import mail

from kith.accounts.models import Person
from kith.core.models import AuditEvent
from kith.volunteers.importing.adapter import import_volunteers

pytestmark = pytest.mark.django_db

HEADER = ("Timestamp,Email address,What's your full name?,Phone number,Your postcode,"
          "Which of these could you help with?,"
          "I agree to Golborne Road Neighbours keeping my details to organise help\n")


def form(*rows: str) -> bytes:
    return (HEADER + "".join(f"23/03/2020 10:14:05,{row}\n" for row in rows)).encode()


def run(street, data: bytes, **kwargs):
    kwargs.setdefault("source", "google_forms")
    return import_volunteers(data, group=street, **kwargs)


def commit(street, priya, data: bytes, capture, **kwargs):
    with capture(execute=True):
        return run(street, data, commit=True, acting_user=priya, **kwargs)


# --- consent --------------------------------------------------------------------------------

def test_it_never_imports_or_emails_someone_who_said_no_to_keeping_their_details(
        street, priya, django_capture_on_commit_callbacks):
    data = form("ann@example.org,Ann Lee,07911 123401,W10 5NW,Shopping,Yes",
                "bob@example.org,Bob Ray,07911 123402,W10 5NW,Shopping,No")
    outcome = commit(street, priya, data, django_capture_on_commit_callbacks)
    # Not an error: the import goes ahead without "good rows only", and Bob is not in it.
    assert outcome.committed and outcome.plan.report.declined == 1
    assert list(Person.objects.filter(email__in=["ann@example.org", "bob@example.org"])
                .values_list("email", flat=True)) == ["ann@example.org"]
    assert [m.to for m in mail.outbox] == [["ann@example.org"]]
    event = AuditEvent.objects.get(action="kith.volunteer.imported")
    assert (event.new["new"], event.new["declined"]) == (1, 1)


# --- postcodes the ONS directory does not have ----------------------------------------------

def test_it_imports_a_postcode_nobody_has_without_an_area_and_says_ask_them(
        street, priya, django_capture_on_commit_callbacks):
    # N20 0ZZ is laid out right and its sector is real, but no one has that postcode.
    data = form("ann@example.org,Ann Lee,07911 123401,N20 0ZZ,Shopping,Yes")
    report = run(street, data).plan.report
    [problem] = report.problems
    assert (problem.row, problem.column, problem.level) == (2, "Your postcode", "warning")
    assert problem.message.startswith("N20 0ZZ is not in the ONS postcode directory")
    assert "ask them for their postcode" in problem.message
    assert (report.new, report.warning_rows, report.error_rows) == (1, 1, 0)

    commit(street, priya, data, django_capture_on_commit_callbacks)
    ann = Person.objects.get(email="ann@example.org")
    # No place guessed: not the sector's centre (N20 0), nor anything else.
    assert ann.postcode_sector == "" and ann.volunteer.postcode is None
