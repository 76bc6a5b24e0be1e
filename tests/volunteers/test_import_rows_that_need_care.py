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


# --- no name --------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["", "noname", "N/A", "-"])
def test_it_imports_a_row_without_a_name_as_name_not_given_never_a_made_up_one(
        street, priya, cell, django_capture_on_commit_callbacks):
    data = form(f"noname@example.org,{cell},07911 123401,W10 5NW,Shopping,Yes")
    [problem] = run(street, data).plan.report.problems
    assert (problem.column, problem.level) == ("What's your full name?", "warning")
    assert problem.message.startswith("No name: imported as “Name not given”. Ask them their name")
    commit(street, priya, data, django_capture_on_commit_callbacks)
    person = Person.objects.get(email="noname@example.org")
    # Not "noname" (the part of the address before the @), nor "N/A": they are asked later.
    assert person.display_name == "" and str(person) == "Name not given"
    assert "Hello,\n" in mail.outbox[0].body


# --- a phone number only --------------------------------------------------------------------

WHATSAPP = (b"Name,Mobile,Postcode,Skills\n"
            b"Ade Bello,07911 123411,W10 5NW,Shopping\n"
            b"Bea Cole,07911 123412,W10 5NX,Dog walking\n"
            b"Cy Dunn,,W10 5NW,Shopping\n")


def phone_only(street, priya, capture):
    outcome = commit(street, priya, WHATSAPP, capture, source="google_sheets", good_rows_only=True)
    return outcome, Person.objects.filter(display_name__in=["Ade Bello", "Bea Cole"]).order_by("pk")


def test_it_imports_volunteers_with_only_a_phone_number_to_wait_for_a_call(
        street, priya, django_capture_on_commit_callbacks):
    from allauth.account.models import EmailAddress

    from kith.core import crypto

    report = run(street, WHATSAPP, source="google_sheets").plan.report
    assert (report.new, report.wait_for_call, report.error_rows) == (2, 2, 1)
    problems = {p.row: (p.column, p.level, p.message) for p in report.problems}
    assert problems[2][:2] == ("Mobile", "warning")
    assert problems[2][2].startswith("No email address: imported with their phone number only, "
                                     "to wait for a call. Nothing is emailed to them")
    assert problems[4] == ("Mobile", "error",
                           "No email address or phone number: there is no way to reach them.")

    outcome, people = phone_only(street, priya, django_capture_on_commit_callbacks)
    ade, bea = people
    # Two people with no email side by side: NULLs never clash under the unique address.
    assert (ade.email, bea.email) == (None, None) and ade.can_sign_in  # by text
    assert crypto.decrypt(ade.phone.token) == "+447911123411"
    assert not EmailAddress.objects.filter(user__in=people).exists()
    assert ade.volunteer.reconfirm_consent and street.memberships.get(person=ade).is_volunteer
    assert outcome.emailed == 0 and mail.outbox == []
    event = AuditEvent.objects.get(action="kith.volunteer.imported")
    assert (event.new["new"], event.new["wait_for_call"], event.new["asked_to_confirm"]) == (2, 2, 0)


def test_it_skips_a_phone_only_row_for_someone_already_on_kith_by_that_phone(
        street, priya, django_capture_on_commit_callbacks):
    phone_only(street, priya, django_capture_on_commit_callbacks)
    again = run(street, WHATSAPP, source="google_sheets", duplicates="merge").plan
    assert [c.action for c in again.candidates] == ["skip", "skip", "left_out"]
    assert "this row, which has none, will be skipped" in again.report.problems[0].message
    assert again.report.will_merge == 0


def test_a_later_row_with_their_email_completes_someone_this_group_imported_by_phone(
        street, other_street, priya, django_capture_on_commit_callbacks):
    from allauth.account.models import EmailAddress

    from tests.factories import MembershipFactory

    _, (ade, bea) = phone_only(street, priya, django_capture_on_commit_callbacks)
    MembershipFactory(person=bea, group=other_street, is_volunteer=True)  # not only ours
    later = form("ade@example.org,Ade Bello,07911 123411,W10 5NW,Shopping,Yes",
                 "bea@example.org,Bea Cole,07911 123412,W10 5NX,Dog walking,Yes")
    skipped = run(street, later).plan
    assert [c.action for c in skipped.candidates] == ["skip", "skip"]
    assert "Choose to merge to add their email address" in skipped.report.problems[0].message

    outcome = commit(street, priya, later, django_capture_on_commit_callbacks, duplicates="merge")
    assert [c.action for c in outcome.plan.candidates] == ["merge", "skip"]
    ade.refresh_from_db()
    bea.refresh_from_db()
    assert ade.email == "ade@example.org" and ade.can_sign_in
    assert EmailAddress.objects.filter(user=ade, email="ade@example.org", verified=False).exists()
    assert [m.to for m in mail.outbox] == [["ade@example.org"]]  # asked to confirm at last
    # Bea is in another group too: a phone number alone never decides whose account she is.
    assert bea.email is None and Person.objects.filter(email="bea@example.org").count() == 0


def test_phone_only_volunteers_are_marked_on_the_list_and_their_page_and_can_be_filtered(
        client, street, priya, tom, django_capture_on_commit_callbacks):
    from django.urls import reverse

    _, (ade, _bea) = phone_only(street, priya, django_capture_on_commit_callbacks)
    client.force_login(priya)
    url = reverse("volunteers:list", args=[street.slug])
    page = client.get(url).content.decode()
    assert page.count(">No email yet</span>") == 2  # beside each name, for whoever sees the list
    waiting = client.get(url, {"status": "no_email"})
    assert [str(r.person) for r in waiting.context["page"]] == ["Ade Bello", "Bea Cole"]
    assert "Tom" not in waiting.content.decode()
    membership = street.memberships.get(person=ade)
    detail = client.get(reverse("volunteers:detail", args=[street.slug, membership.pk]))
    text = detail.content.decode()
    assert "No email yet: they sign in with a code by text." in text
    assert "mailto:None" not in text and '<p>Email: <a href="mailto:' not in text
    export = client.get(reverse("volunteers:export", args=[street.slug]))
    lines = export.content.decode().splitlines()
    assert "Ade Bello,,W10 5," in "\n".join(lines) and "None" not in lines[1]


def test_phone_only_volunteers_are_never_offered_tasks_even_once_approved(
        street, priya, mrs_ahmed, django_capture_on_commit_callbacks):
    from kith.matching import offers
    from kith.volunteers.policy import CONSENTS, facts_for, reasons_not_to_take
    from tests.matching.conftest import waiting_request
    from tests.requests.conftest import approve_and_check

    _, (ade, bea) = phone_only(street, priya, django_capture_on_commit_callbacks)
    for person in (ade, bea):
        approve_and_check(person, street, coordinator=priya)
    assert CONSENTS in reasons_not_to_take(facts_for(ade, street), "shopping",
                                           __import__("datetime").date.today())
    req = waiting_request(street, priya, mrs_ahmed)
    suggestion = offers.offer_round(req, actor=priya)
    assert suggestion.candidates == [] and not req.offers.exists()


def test_people_with_the_same_name_and_no_email_are_still_told_apart(street, priya):
    from kith.accounts.naming import distinct_names

    a = Person.objects.create(email=None, display_name="Sam Lee", postcode_sector="W10 5")
    b = Person.objects.create(email=None, display_name="Sam Lee", postcode_sector="W10 6")
    c = Person.objects.create(email=None, display_name="Sam Lee", postcode_sector="W10 6")
    labels = distinct_names([a, b, c])
    assert labels[a.pk] == "Sam Lee, W10 5"
    assert labels[b.pk] == labels[c.pk] == "Sam Lee, W10 6 (no email yet)"


def test_sign_in_finds_no_one_by_a_missing_email_and_still_works_for_everyone_else(
        client, street, priya, tom, django_capture_on_commit_callbacks):
    from django.contrib.auth import authenticate
    from django.urls import reverse

    phone_only(street, priya, django_capture_on_commit_callbacks)
    assert authenticate(email="", password="") is None
    assert authenticate(username=None, password="x") is None
    response = client.post(reverse("account_request_login_code"), {"email": ""})
    assert response.status_code == 200 and not mail.outbox  # "enter your email", nobody signed in
    response = client.post(reverse("account_request_login_code"), {"email": "tom@example.org"})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["tom@example.org"]]


def test_a_volunteer_imported_without_a_name_or_a_known_postcode_is_asked_for_them(
        client, street, priya, django_capture_on_commit_callbacks):
    from django.urls import reverse

    commit(street, priya, form("ann@example.org,,07911 123401,N20 0ZZ,Shopping,Yes"),
           django_capture_on_commit_callbacks)
    client.force_login(Person.objects.get(email="ann@example.org"))
    text = client.get(reverse("volunteers:home")).content.decode()
    assert "<h1>Hello</h1>" in text and "Name not given" not in text
    assert f'<a href="{reverse("accounts:profile")}">Add your name</a>' in text
    assert f'<a href="{reverse("volunteers:details")}">Add your postcode</a>' in text


# --- the pages ------------------------------------------------------------------------------

MIXED = form("ann@example.org,Ann Lee,07911 123401,W10 5NW,Collecting food bank parcels,Yes",
             "bob@example.org,Bob Ray,07911 123402,W10 5NW,Shopping,No",
             ",Cy Dunn,07911 123403,W10 5NW,Dog walking,Yes",
             "dee@example.org,,07911 123404,N20 0ZZ,Shopping,Yes")


def test_the_check_page_and_the_import_say_what_happens_to_each_new_case(
        client, street, priya, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    def url(name):
        return reverse(f"volunteers_import:{name}", args=[street.slug])

    client.force_login(priya)
    client.post(url("upload"), {"file": SimpleUploadedFile("form.csv", MIXED),
                                "source": "google_forms"})
    guessed = {n: f.initial for n, f in client.get(url("columns")).context["form"].fields.items()}
    assert client.post(url("columns"), guessed).status_code == 302
    page = client.get(url("check"))
    text = page.content.decode()
    assert "keeping my details to organise help → Agreed we may keep their details" in text
    assert "<strong>Left out</strong>" in text and "Said no to the group keeping their details" in text
    assert "new, with a phone number only: ring them" in text
    assert "No email address: imported with their phone number only" in text
    assert "N20 0ZZ is not in the ONS postcode directory" in text
    assert "No name: imported as “Name not given”" in text
    assert "The one with a phone number only is not emailed" in text
    report = page.context["report"]
    assert (report.new, report.wait_for_call, report.declined, report.error_rows) == (3, 1, 1, 0)

    with django_capture_on_commit_callbacks(execute=True):  # the import runs as it commits
        done = client.post(url("commit"), {"duplicates": "skip"})
    said = client.get(done.url).content.decode()  # the import's own page
    assert "Imported 3 new volunteers, 1 row that said no to keeping their details left out" in said
    assert "2 people were emailed" in said
    assert "1 with a phone number only is marked “No email yet” on the list" in said
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.org", "dee@example.org"]
    assert Person.objects.get(email="ann@example.org").volunteer.services == ["foodbank"]
    assert not Person.objects.filter(email="bob@example.org").exists()
