"""Erasure's rules: holds block it with reasons, it happens once, the tombstone says who and
nothing more, the pages let in only coordinators of the resident's group, the confirm step."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from kith.core.models import AuditEvent
from kith.erasure import log as erasure_log
from kith.erasure import services
from kith.erasure.models import Erasure
from kith.erasure.scrub import ERASED, Identifiers, Scrubber
from kith.requests.models import Exclusion, HelpRequest
from kith.residents.models import Resident
from kith.safeguarding.models import Case
from kith.volunteers.models import VolunteerProfile
from tests.conftest import confirm_two_factor, enable_totp
from tests.erasure.test_pages import sent_code

pytestmark = pytest.mark.django_db


def _request(street, resident):
    from kith.requests.intake import Contact, Need, take_request

    return take_request(street, channel="web", contact=Contact(name=resident.name),
                        need=Need(service="shopping"), resident=resident).request


def _resident(street, **extra):
    from kith.residents.models import Resident

    r = Resident(group=street, name="Edna Pargeter", phone="+447911123457",
                 address="7 Bevington Road", postcode="W10 5TW", notes="Hard of hearing",
                 **extra)
    r.phone_digest = __import__("kith.core.digest", fromlist=["x"]).phone_digest(r.phone)
    r.save()
    return r


def test_an_open_request_or_case_holds_erasure_with_the_reason(street, priya):
    edna = _resident(street)
    req = _request(street, edna)
    holds = services.holds_for_resident(edna)
    assert any(req.reference in h for h in holds)
    with pytest.raises(services.OnHold) as held:
        services.erase_resident(edna, by=priya, why="request")
    assert held.value.reasons == holds
    HelpRequest.objects.filter(pk=req.pk).update(state="closed")
    Case.objects.create(group=street, kind=Case.Kind.ABUSE_OF_RESIDENT, resident=edna,
                        what_happened="x")
    assert any("safeguarding" in h for h in services.holds_for_resident(edna))
    Case.objects.filter(resident=edna).update(state=Case.State.CLOSED, closed_at=timezone.now())
    assert services.holds_for_resident(edna) == []
    # Nothing changed while it was held.
    edna.refresh_from_db()
    assert edna.name == "Edna Pargeter"


def test_erasing_keeps_a_tombstone_and_the_exclusion_digest(street, priya):
    edna = _resident(street)
    Exclusion.objects.create(group=street, phone_digest=edna.phone_digest,
                             reason=Exclusion.Reason.ABUSE, note="Shouted at Tom, Edna Pargeter")
    erasure = services.erase_resident(edna, by=priya, why="request")
    edna.refresh_from_db()
    assert edna.name == f"Erased resident #{edna.pk}"
    assert edna.phone is None and edna.address is None and edna.notes is None
    assert edna.phone_digest == ""
    # Zero tolerance: the digest still catches the number; the note loses only her name.
    ex = Exclusion.objects.get()
    assert ex.phone_digest
    from kith.erasure.scan import opened

    assert opened(ex.note) == f"Shouted at Tom, {ERASED}"
    tomb = AuditEvent.objects.get(action="kith.resident.erased")
    assert tomb.actor == priya and tomb.object_id == str(edna.pk)
    assert "Edna" not in repr([tomb.object_repr, tomb.old, tomb.new])
    assert erasure.by == priya and erasure.why == "request"
    # Once only.
    assert services.holds_for_resident(edna) == ["This resident has already been erased."]


def test_the_erasure_log_file_gets_ids_only(street, priya, django_capture_on_commit_callbacks):
    edna = _resident(street)
    with django_capture_on_commit_callbacks(execute=True):
        services.erase_resident(edna, by=priya, why="request")
    text = erasure_log.path().read_text()
    assert "Edna" not in text and "7911" not in text
    assert any(e.kind == "resident" and e.subject_id == edna.pk for e in erasure_log.read())


def test_a_volunteer_erased_cannot_sign_in_and_leaves_their_groups(street, priya, tom):
    VolunteerProfile.objects.create(person=tom, services=["shopping"])
    services.erase_volunteer(tom, by=priya, why="request")
    tom.refresh_from_db()
    assert tom.email is None and not tom.is_active and not tom.has_usable_password()
    assert tom.display_name == f"Erased volunteer #{tom.pk}"
    assert not tom.memberships.exists()
    assert AuditEvent.objects.filter(action="kith.person.erased", object_id=str(tom.pk)).exists()


def test_the_only_coordinator_is_held(street, priya):
    assert any("They are the only coordinator" in h
               for h in services.holds_for_volunteer(priya))


def test_a_volunteer_reads_their_own_holds_as_you_and_what_to_do(client, street, priya):
    VolunteerProfile.objects.create(person=priya, services=["shopping"])
    client.force_login(priya)
    page = client.get(reverse("erasure:me")).text
    assert "You are the only coordinator of Golborne Road Neighbours" in page
    assert "They are" not in page
    assert client.post(reverse("erasure:me"), {"confirm": "on"}).status_code == 400
    priya.refresh_from_db()
    assert priya.is_active


def test_retention_sweep_erases_with_no_one_named(street):
    edna = _resident(street)
    erasure = services.erase_resident(edna, by=None, why="retention")
    assert erasure.by is None
    assert AuditEvent.objects.get(action="kith.resident.erased").actor is None


# --- Pages ----------------------------------------------------------------------------------


def test_a_coordinator_erases_a_resident_after_confirming(client, street, priya):
    edna = _resident(street)
    url = reverse("erasure:resident", args=[street.slug, edna.pk])
    enable_totp(priya)
    client.force_login(priya)
    confirm_two_factor(client)  # erasing needs it, as a copy does (tests/erasure/test_pages.py)
    page = client.get(url)
    assert page.status_code == 200
    assert "What will be deleted" in page.text and "What stays" in page.text
    # Not ticked: nothing happens, and the page says what to do.
    page = client.post(url, {"asked": "on"})
    assert "cannot be undone" in page.text
    assert Resident.objects.get(pk=edna.pk).name == "Edna Pargeter"
    page = client.post(url, {"asked": "on", "confirm": "on"})
    assert page.status_code == 302
    assert Erasure.objects.filter(kind="resident", subject_id=edna.pk).exists()
    # Erased: its page is gone for erasure.
    assert client.get(url).status_code == 404


def test_holds_are_shown_and_there_is_no_button(client, street, priya):
    edna = _resident(street)
    req = _request(street, edna)
    client.force_login(priya)
    page = client.get(reverse("erasure:resident", args=[street.slug, edna.pk]))
    assert req.reference in page.text and "cannot be done yet" in page.text
    assert "Erase Edna" not in page.text
    client.post(reverse("erasure:resident", args=[street.slug, edna.pk]),
                {"asked": "on", "confirm": "on"})
    assert not Erasure.objects.exists()


def test_other_groups_and_other_roles_cannot(client, street, other_street, sam, nadia, tom):
    edna = _resident(street)
    url = reverse("erasure:resident", args=[street.slug, edna.pk])
    client.force_login(sam)
    assert client.get(url).status_code == 403
    client.force_login(nadia)
    assert client.get(url).status_code == 404
    # Her id under Nadia's own group: 404, never her page.
    assert client.get(reverse("erasure:resident", args=[other_street.slug, edna.pk])
                      ).status_code == 404
    assert client.post(reverse("erasure:resident", args=[other_street.slug, edna.pk]),
                       {"asked": "on", "confirm": "on"}).status_code == 404
    assert not Erasure.objects.exists()


def test_a_volunteer_deletes_their_own_account(client, street, tom):
    VolunteerProfile.objects.create(person=tom, services=["shopping"])
    client.force_login(tom)
    leave = client.get(reverse("volunteers:leave"))
    assert reverse("erasure:me") in leave.text and "isn't part of Kith" not in leave.text
    page = client.post(reverse("erasure:me"), {})
    assert "Tick the box" in page.text
    page = client.post(reverse("erasure:me"), {"confirm": "on", "code": sent_code(client, tom)})
    assert "deleted" in page.text
    tom.refresh_from_db()
    assert not tom.is_active
    # Signed out: the next page asks them to sign in.
    assert client.get(reverse("volunteers:home")).status_code == 302


def test_a_coordinator_erases_a_volunteer(client, street, priya, tom):
    VolunteerProfile.objects.create(person=tom, services=["shopping"])
    membership = tom.memberships.get()
    enable_totp(priya)
    client.force_login(priya)
    confirm_two_factor(client)
    url = reverse("erasure:volunteer", args=[street.slug, membership.pk])
    assert "Erase Tom Brennan" in client.get(url).text
    assert client.post(url, {"asked": "on", "confirm": "on"}).status_code == 302
    assert not get_user_model().objects.get(pk=tom.pk).is_active


# --- The scrubber ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=" ,.-:;()abcdefxyz0123456789\n", max_size=40),
       st.text(alphabet=" ,.-:;()abcdefxyz\n", max_size=40),
       st.sampled_from(["+447700900123", "07700 900123", "07700-900-123", "+44 7700 900123"]))
@pytest.mark.django_db(transaction=False)
def test_a_phone_however_typed_is_found_and_replaced(before, after, typed):
    scrub = Scrubber(Identifiers(phones=["+447700900123"]))
    text = f"{before} {typed} {after}"
    assert not scrub.found(scrub.redact(text))
    assert ERASED in scrub.redact(text)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60))
@pytest.mark.django_db(transaction=False)
def test_text_without_their_details_is_left_as_it_was(text):
    scrub = Scrubber(Identifiers(names=["Edna Pargeter"], phones=["+447700900123"],
                                 postcodes=["W10 5TW"]))
    if not scrub.found(text):
        assert scrub.redact(text) == text


# --- A volunteer with tasks (review 16 #8) ----------------------------------------------------


def _held_task(street, tom, state):
    from datetime import timedelta

    from kith.requests.models import Assignment

    req = _request(street, _resident(street))
    HelpRequest.objects.filter(pk=req.pk).update(state=state)
    Assignment.objects.create(request=req, volunteer=tom, due_by=timezone.now() + timedelta(
        days=1))
    return req


def test_a_task_they_are_on_their_way_to_holds_their_erasure_in_both_voices(street, priya, tom):
    VolunteerProfile.objects.create(person=tom, services=["shopping"])
    req = _held_task(street, tom, "in_progress")
    theirs = services.holds_for_volunteer(tom)
    assert f"They are on their way to a task ({req.reference})" in " ".join(theirs)
    own = services.holds_for_volunteer(tom, own=True)
    assert (f"You are on your way to a task ({req.reference}): finish it or hand it back first."
            in own)
    with pytest.raises(services.OnHold):
        services.erase_volunteer(tom, by=priya, why="request")
    # Assigned but not yet started: it goes back to be matched, as when anyone leaves.
    HelpRequest.objects.filter(pk=req.pk).update(state="assigned")
    assert services.holds_for_volunteer(tom) == []


def test_their_tasks_go_back_with_neutral_words_on_the_timeline(street, priya, tom):
    from kith.requests.models import RequestEvent

    VolunteerProfile.objects.create(person=tom, services=["shopping"])
    req = _held_task(street, tom, "assigned")
    services.erase_volunteer(tom, by=priya, why="request")
    req.refresh_from_db()
    assert req.state == "matching"
    notes = [e.note for e in RequestEvent.objects.filter(request=req)]
    words = " ".join(str(n) for n in notes if n)
    assert "A volunteer stopped volunteering" in words
    assert ERASED not in words and "Tom" not in words
    audit = " ".join(repr([e.object_repr, e.old, e.new]) for e in AuditEvent.objects.all())
    assert f"{ERASED} stopped volunteering" not in audit and "Tom Brennan" not in audit


def test_a_reporters_erase_page_names_their_contact_on_concerns_not_cases_about_them(
        street, priya, tom):
    """Review 16 #25: for a volunteer only their contact on concerns they reported goes."""
    VolunteerProfile.objects.create(person=tom, services=["shopping"])
    Case.objects.create(group=street, kind=Case.Kind.ABUSE_OF_RESIDENT, reporter=tom,
                        contact="07700 900222", state=Case.State.CLOSED,
                        closed_at=timezone.now())
    goes = dict(services.preview_volunteer(tom))
    assert goes.get("Their contact details on concerns they reported") == 1
    assert not any("Closed safeguarding cases" in words for words in goes)


def test_the_erase_pages_say_their_tasks_go_back(client, street, priya, tom):
    """Review 16 #8: what happens to the tasks and regular help they hold is said first."""
    VolunteerProfile.objects.create(person=tom, services=["shopping"])
    _held_task(street, tom, "assigned")
    goes = dict(services.preview_volunteer(tom))
    assert goes.get("Tasks they hold: they go back to be matched with someone else") == 1
    client.force_login(tom)
    page = client.get(reverse("erasure:me")).text
    assert "Tasks you were given go back to your coordinator" in page


def test_the_access_log_names_them_by_number_and_forgets_how_they_were_called(street, priya):
    """Review 16 #16: "Ringing Mr Carter on ..." kept "Mr Carter", and "Whose details" was
    left blank; now the reason loses the title and surname, and the row says whose by number."""
    from kith.core.models import PersonalDataAccess
    from kith.erasure.scan import opened

    edna = _resident(street)
    PersonalDataAccess.objects.create(
        viewer=priya, group=street, subject_type="residents.resident", subject_id=str(edna.pk),
        subject_repr=edna.name, field="phone",
        reason="Ringing Mrs Pargeter on 07911 123457 about her hip")
    services.erase_resident(edna, by=priya, why="request")
    look = PersonalDataAccess.objects.get(subject_id=str(edna.pk))
    assert look.subject_repr == f"Erased resident #{edna.pk}"
    assert opened(look.reason) == f"Ringing {ERASED} on {ERASED} about her hip"
    assert AuditEvent.objects.filter(object_type="residents.resident", object_id=str(edna.pk)
                                     ).exclude(object_repr=f"Erased resident #{edna.pk}"
                                               ).count() == 0


def test_a_neighbours_notes_lose_her_details_and_keep_their_own(street, priya):
    """Review 16 #14 and #20 together: a neighbour's private notes name her (she goes), and
    give their own address on the same street and the shared postcode (those stay)."""
    from kith.erasure.scan import opened

    edna = _resident(street)
    neighbour = Resident.objects.create(
        group=street, name="Ivy Walsh", address="9 Bevington Road", postcode="W10 5TW",
        notes="Edna Pargeter at 7 Bevington Rd has a key. Mrs Pargeter's number is 07911 "
              "123457. Our door is 9 Bevington Road, W10 5TW; the W10 5TW pharmacy shuts "
              "Mondays.")
    services.erase_resident(edna, by=priya, why="request")
    neighbour.refresh_from_db()
    assert opened(neighbour.notes) == (
        f"{ERASED} at {ERASED} has a key. {ERASED}'s number is {ERASED}. Our door is 9 "
        "Bevington Road, W10 5TW; the W10 5TW pharmacy shuts Mondays.")
    assert opened(neighbour.address) == "9 Bevington Road"
    assert opened(neighbour.postcode) == "W10 5TW"


def test_a_volunteer_who_left_before_is_a_volunteer_on_the_timeline_once_erased(
        street, priya, tom):
    """Review 16 #8: most volunteers are erased after leaving (the retention sweep), when the
    timelines already say "Tom Brennan stopped volunteering"; it must not become "[erased]
    stopped volunteering"."""
    from kith.requests.models import RequestEvent
    from kith.volunteers import services as volunteer_services

    profile = VolunteerProfile.objects.create(person=tom, services=["shopping"])
    req = _held_task(street, tom, "assigned")
    volunteer_services.leave(profile, acting_user=tom)
    services.erase_volunteer(tom, by=None, why="retention")
    words = " ".join(str(e.note) for e in RequestEvent.objects.filter(request=req) if e.note)
    assert "A volunteer stopped volunteering" in words
    assert ERASED not in words and "Tom" not in words
