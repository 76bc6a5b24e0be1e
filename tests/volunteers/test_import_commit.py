"""Committing an import: people, addresses, profiles and memberships in one transaction.

Priya imports Golborne Road's Google Form. The new volunteers are asked, by email once the import
has committed, to sign in and confirm; until they do they get no offers. Tom is already a
volunteer here, and Rosa is on Kith with a phone number in another group.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import IntegrityError

from kith.accounts.models import Person
from kith.core.fields import Sealed
from kith.core.models import AuditEvent, PersonalDataAccess
from kith.groups.models import Membership
from kith.volunteers.importing import adapter
from kith.volunteers.importing.adapter import ImportRefused, import_volunteers
from kith.volunteers.importing.report import MERGE, NEW, SKIP
from kith.volunteers.models import ImportMapping, VolunteerProfile
from tests.factories import MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
FORM = (FIXTURES / "google_forms_responses.csv").read_bytes()
NEW_IN_FORM = {"amara.okafor@example.org", "ben.carter@example.org", "chidi@example.org",
               "dev.patel@example.org", "fatima.h@example.org"}


@pytest.fixture
def rosa(other_street):
    """On Kith in Lots Road, with the phone number Fatima gives in the form."""
    person = PersonFactory(email="rosa@example.org", display_name="Rosa Diaz", phone="+442079460999")
    MembershipFactory(person=person, group=other_street, is_volunteer=True)
    return person


def run(street, data=FORM, **kwargs):
    kwargs.setdefault("source", "google_forms")
    return import_volunteers(data, group=street, **kwargs)


def test_it_writes_nothing_on_a_dry_run(street, priya, tom):
    before = (Person.objects.count(), AuditEvent.objects.count(), ImportMapping.objects.count())
    outcome = run(street)
    assert not outcome.committed and outcome.plan.report.rows == 9
    assert (Person.objects.count(), AuditEvent.objects.count(), ImportMapping.objects.count()) == before


def test_it_refuses_to_commit_while_any_row_has_an_error(street, priya):
    with pytest.raises(ImportRefused, match="3 rows have errors"):
        run(street, commit=True, acting_user=priya)
    assert not Person.objects.filter(email__in=NEW_IN_FORM).exists()
    assert not AuditEvent.objects.filter(action="kith.volunteer.imported").exists()


def test_it_imports_the_good_rows_as_people_who_must_confirm(street, priya, tom,
                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = run(street, commit=True, good_rows_only=True, acting_user=priya)
    report = outcome.plan.report
    assert outcome.committed and (report.new, report.matched, report.error_rows) == (5, 1, 3)
    people = Person.objects.filter(email__in=NEW_IN_FORM)
    assert people.count() == 5
    amara = people.get(email="amara.okafor@example.org")
    # As create_user(email) makes them: no password to hash, an unverified primary address.
    assert not amara.has_usable_password() and amara.password.startswith("!")
    assert list(EmailAddress.objects.filter(user=amara).values_list("email", "primary", "verified")) \
        == [("amara.okafor@example.org", True, False)]
    assert amara.display_name == "Amara Okafor" and amara.postcode_sector == "W10 5"
    assert isinstance(amara.phone, Sealed) and "+447911123401" not in amara.phone.token
    profile = amara.volunteer
    assert profile.reconfirm_consent is True
    assert (profile.services, profile.availability[:2], profile.languages) == (
        ["shopping", "prescriptions"], ["mon_eve", "tue_eve"], ["English", "Igbo"])
    assert (profile.transport, profile.radius_km, profile.weekly_cap) == ("car", 5, 2)
    assert isinstance(profile.postcode, Sealed)
    assert Membership.objects.get(person=amara, group=street).roles == {"volunteer"}
    assert not amara.consents.exists()
    # Fatima gave only a sector: her profile keeps the default distance and no full postcode.
    fatima = people.get(email="fatima.h@example.org")
    assert fatima.postcode_sector == "W10 5" and fatima.volunteer.postcode is None
    # The rows with errors, and Tom (skipped by default), are untouched.
    assert not Person.objects.filter(email="jo.bloggs@gmail.con").exists()
    assert not VolunteerProfile.objects.filter(person=tom).exists()

    # One audit row (a file this small is one batch), counts only.
    event = AuditEvent.objects.get(action="kith.volunteer.imported")
    assert (event.group, event.actor) == (street, priya)
    assert event.new == {"source": "google_forms", "rows": 9, "blank_rows": 1, "new": 5,
                         "wait_for_call": 0, "merged": 0,
                         "skipped": 1, "left_out": 3, "declined": 0, "flagged": 1,
                         "good_rows_only": True, "asked_to_confirm": 5,
                         "import": event.new["import"], "batch": 1, "batches": 1}
    assert "@" not in str(event.new) and "+44" not in str(event.new)
    assert not PersonalDataAccess.objects.exists()

    # The re-consent emails, after the commit: a link to sign in by code and confirm.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(NEW_IN_FORM)
    message = next(m for m in mail.outbox if m.to == ["amara.okafor@example.org"])
    assert message.subject == "[Kith] Please confirm you want to volunteer with Golborne Road Neighbours"
    assert "Hello Amara Okafor," in message.body
    assert "http://127.0.0.1:8000/volunteer/" in message.body and "Send me a code" in message.body
    assert "Until you confirm, nobody will ask you to help." in message.body
    # The mapping is remembered for Golborne Road's Google Forms.
    saved = ImportMapping.objects.get(group=street, source="google_forms").mapping
    assert saved["When are you usually free?"] == "availability"


def test_it_sends_no_email_when_the_import_rolls_back(street, priya, monkeypatch,
                                                      django_capture_on_commit_callbacks):
    def boom(*args, **kwargs):
        raise IntegrityError("someone else got there first")

    monkeypatch.setattr(VolunteerProfile.objects, "bulk_create", boom)
    with django_capture_on_commit_callbacks(execute=True), \
            pytest.raises(ImportRefused, match="added to Kith by someone else"):
        run(street, commit=True, good_rows_only=True, acting_user=priya)
    assert not Person.objects.filter(email__in=NEW_IN_FORM).exists()  # the people rolled back too
    assert mail.outbox == []


def test_it_commits_in_batches_each_with_its_own_audit_row(street, priya, tom, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    """Short transactions, so a big import never keeps the phone line waiting (see
    test_import_alongside_the_phone_line.py); each says what it wrote, in file order."""
    monkeypatch.setattr(adapter, "ROWS_PER_COMMIT", 2)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = run(street, commit=True, good_rows_only=True, duplicates=MERGE, acting_user=priya)
    saved = outcome.saved
    assert (saved.batches, saved.of, saved.new, saved.merged) == (3, 3, 5, 1)
    rows = [e.new for e in AuditEvent.objects.filter(action="kith.volunteer.imported")
            .order_by("id")]
    assert [(r["batch"], r["batches"], r["new"], r["merged"], r["asked_to_confirm"])
            for r in rows] == [(1, 3, 2, 0, 2), (2, 3, 2, 0, 2), (3, 3, 1, 1, 2)]
    assert len({r["import"] for r in rows}) == 1  # one import's batches, tied together
    # The first batch's row also records the file as it was checked.
    assert (rows[0]["rows"], rows[0]["left_out"], rows[0]["flagged"]) == (9, 3, 1)
    assert "rows" not in rows[1]
    # Every batch landed whole: the report's counts are what is in Kith.
    assert Person.objects.filter(email__in=NEW_IN_FORM).count() == outcome.plan.report.new == 5
    assert street.memberships.filter(person__email__in=NEW_IN_FORM | {"tom@example.org"},
                                     is_volunteer=True).count() == 6
    # Tom had no volunteer profile, so the merge asks him to confirm too.
    assert len(mail.outbox) == outcome.emailed == 6
    assert {m.to[0] for m in mail.outbox} == NEW_IN_FORM | {"tom@example.org"}


def test_it_keeps_whole_batches_when_it_stops_part_way_and_a_second_run_adds_nobody_twice(
        street, priya, tom, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(adapter, "ROWS_PER_COMMIT", 2)  # [Amara, Ben], [Chidi, Dev], [Fatima]

    def chidi_signs_up_meanwhile(done, total):
        if done == 2:  # after the first batch: someone adds Chidi before the second one
            PersonFactory(email="chidi@example.org", display_name="Chidi Eze")

    with django_capture_on_commit_callbacks(execute=True), \
            pytest.raises(adapter.ImportStopped) as stopped:
        run(street, commit=True, good_rows_only=True, acting_user=priya,
            write_progress=chidi_signs_up_meanwhile)
    assert str(stopped.value) == (
        "The import stopped part-way: some of these people were added to Kith by someone else "
        "while this import ran. 2 new volunteers were saved (1 of 3 batches) and will be asked to "
        "confirm; the rest were not. Check the file again and import it once more: people already "
        "saved are found and not added twice.")
    assert (stopped.value.saved.batches, stopped.value.saved.new) == (1, 2)
    # Whole batches only: the first is in, the second (Dev too) and third are not.
    assert set(Person.objects.filter(email__in=NEW_IN_FORM).values_list("email", flat=True)) == {
        "amara.okafor@example.org", "ben.carter@example.org", "chidi@example.org"}
    assert not VolunteerProfile.objects.filter(person__email="chidi@example.org").exists()
    [event] = AuditEvent.objects.filter(action="kith.volunteer.imported")
    assert (event.new["batch"], event.new["batches"], event.new["new"]) == (1, 3, 2)
    # Those saved are asked to confirm: a second run will not ask them, as they are on Kith now.
    assert sorted(m.to[0] for m in mail.outbox) == ["amara.okafor@example.org",
                                                    "ben.carter@example.org"]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = run(street, commit=True, good_rows_only=True, acting_user=priya)
    report = again.plan.report
    assert (report.new, report.already_here, report.will_skip) == (2, 3, 4)  # Amara, Ben, Tom here
    for email in NEW_IN_FORM:
        assert Person.objects.filter(email=email).count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["dev.patel@example.org", "fatima.h@example.org"]


def test_it_never_brings_back_someone_who_leaves_while_the_import_runs(street, priya, tom,
                                                                       monkeypatch):
    """The file is checked before any batch is written; a merge looks again, in its batch."""
    from kith.volunteers.services import leave

    monkeypatch.setattr(adapter, "ROWS_PER_COMMIT", 2)  # Tom's row is in the third batch
    profile = VolunteerProfile.objects.create(person=tom)

    def tom_leaves_meanwhile(done, total):
        if done == 2:
            leave(profile, acting_user=tom)

    outcome = run(street, commit=True, good_rows_only=True, duplicates=MERGE, acting_user=priya,
                  write_progress=tom_leaves_meanwhile)
    assert outcome.saved.batches == 3
    profile.refresh_from_db()
    assert profile.status == VolunteerProfile.Status.LEFT
    assert not Membership.objects.filter(person=tom, group=street, is_volunteer=True).exists()


def test_it_merges_people_already_on_kith_without_overwriting_their_choices(
        street, priya, tom, rosa, django_capture_on_commit_callbacks):
    tom_profile = VolunteerProfile.objects.create(person=tom, services=["befriending"],
                                                  availability=[], transport="bike")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = run(street, commit=True, good_rows_only=True, duplicates=MERGE, acting_user=priya)
    report = outcome.plan.report
    assert (report.new, report.will_merge, report.will_skip) == (4, 1, 1)
    tom_profile.refresh_from_db()
    assert tom_profile.services == ["befriending"]  # his own choice is kept
    assert tom_profile.availability == ["sat_am", "sat_pm", "sat_eve", "sun_am", "sun_pm", "sun_eve"]
    assert tom_profile.transport == "bike" and tom_profile.reconfirm_consent is False
    tom.refresh_from_db()
    assert isinstance(tom.phone, Sealed)  # filled in: he had not given one
    # Fatima's phone number is Rosa's: found, but not merged on a phone number alone.
    assert not Membership.objects.filter(person=rosa, group=street).exists()
    assert not VolunteerProfile.objects.filter(person=rosa).exists()
    assert not Person.objects.filter(email="fatima.h@example.org").exists()
    # Tom had a profile, so he is not asked to confirm again; nor is Rosa, who was not touched.
    assert {m.to[0] for m in mail.outbox} == NEW_IN_FORM - {"fatima.h@example.org"}
    event = AuditEvent.objects.get(action="kith.volunteer.imported")
    assert (event.new["merged"], event.new["skipped"], event.new["asked_to_confirm"]) == (1, 1, 4)


def test_it_asks_someone_merged_without_a_volunteer_profile_to_confirm(
        street, priya, olu, django_capture_on_commit_callbacks):
    EmailAddress.objects.create(user=olu, email="ben.carter@example.org", verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        run(street, commit=True, good_rows_only=True, duplicates=MERGE, acting_user=priya)
    assert olu.volunteer.reconfirm_consent is True
    assert olu.volunteer.services == ["dog_walking", "befriending"]
    assert Membership.objects.get(person=olu, group=street).roles == {"volunteer"}
    assert olu.email == "olu@example.org"  # the account keeps its own address
    assert "olu@example.org" in {m.to[0] for m in mail.outbox}


def test_it_skips_people_already_on_kith_when_asked_to(street, priya, tom, rosa):
    outcome = run(street, commit=True, good_rows_only=True, duplicates=SKIP, acting_user=priya)
    assert outcome.plan.report.will_skip == 2
    assert not Membership.objects.filter(person=rosa, group=street).exists()
    assert not VolunteerProfile.objects.filter(person__in=[tom, rosa]).exists()


def test_it_matches_emails_in_any_case_and_proven_second_addresses_only(street, priya, olu, nadia):
    EmailAddress.objects.create(user=nadia, email="Ben.Carter@Example.org", primary=False)
    outcome = run(street, duplicates=MERGE)
    ben = outcome.plan.candidates[1]
    assert (ben.email, ben.action) == ("ben.carter@example.org", NEW)  # an unproven claim
    EmailAddress.objects.create(user=olu, email="Amara.Okafor@Example.org", primary=False,
                                verified=True)
    outcome = run(street, duplicates=MERGE)
    amara = outcome.plan.candidates[0]
    assert (amara.action, amara.person_id) == (MERGE, olu.pk)


def test_it_writes_in_batches_not_a_query_per_row(street, priya):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def sheet(n: int) -> bytes:
        lines = ["Name,Email,Phone,Postcode,Services"]
        lines += [f"Person {i},p{i}@example.org,07911 {200000 + i},W10 5NW,Shopping" for i in range(n)]
        return "\n".join(lines).encode()

    with CaptureQueriesContext(connection) as queries:
        run(street, sheet(1500), source="google_sheets", commit=True, acting_user=priya)
    # Batches of up to 1,000 rows (SQLite allows fewer per statement: 999 values at most).
    assert len(queries) < 1500 // 10
    assert street.memberships.filter(is_volunteer=True).count() == 1500


def test_it_reads_remembered_columns_before_guessing(street, priya):
    ImportMapping.objects.create(group=street, source="google_forms",
                                 mapping={"Anything else we should know?": "languages"})
    outcome = run(street)
    assert outcome.mapping["Anything else we should know?"] == "languages"
    assert outcome.mapping["Email address"] == "email"


def test_it_refuses_a_mapping_without_emails(street):
    with pytest.raises(ImportRefused, match="email addresses"):
        run(street, mapping={"Email address": "ignore"})


def test_it_queues_reconsent_emails_in_the_outbox_not_sending_them(street):
    """The import's page returns at once: the mails wait in the outbox for the worker, each in
    the person's and the group's message log; a mail server that is down is the worker's
    business, not the import's."""
    from django.core import mail
    from django.db import transaction

    from kith.messaging.models import Message
    from tests.factories import PersonFactory

    known = PersonFactory(email="a@example.org")
    with transaction.atomic():
        assert adapter.queue_reconsent(street, [("a@example.org", "A"), ("b@example.org", "B")]) == 2
    rows = {m.subject: m for m in Message.objects.all()}
    assert len(rows) == 1 and Message.objects.count() == 2
    assert set(Message.objects.values_list("state", flat=True)) == {"queued"}
    assert Message.objects.filter(person=known, group=street).count() == 1
    assert mail.outbox == []


def test_it_never_brings_back_someone_who_left(street):
    """Leaving was their choice: a merge from an old spreadsheet skips them, with a note."""
    from kith.volunteers.importing import adapter
    from kith.volunteers.models import VolunteerProfile
    from tests.factories import PersonFactory

    gone = PersonFactory(email="gone@example.org")
    VolunteerProfile.objects.create(person=gone, status=VolunteerProfile.Status.LEFT)
    data = b"Name,Email,Phone\nGone Away,gone@example.org,020 7946 0555\n"
    # Nor counted as one to merge: with no one else in the file there is nothing to import.
    with pytest.raises(ImportRefused, match="no one new to import"):
        adapter.import_volunteers(data, group=street, source="google_sheets", commit=True,
                                  duplicates="merge")
    assert not street.memberships.filter(person=gone).exists()
    result = adapter.import_volunteers(data, group=street, source="google_sheets", duplicates="merge")
    assert any("left volunteering" in p.message for p in result.plan.report.problems)
    assert (result.plan.report.will_merge, result.plan.report.will_skip) == (0, 1)
