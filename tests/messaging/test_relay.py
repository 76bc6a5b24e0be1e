"""Calls and texts that hide both numbers: Tom reaches Mrs Ahmed through the group's number,
and she him, only while his task is open; every bridged call and relayed text is logged."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from twilio.request_validator import RequestValidator

from kith.core.audit import AuditEvent
from kith.core.models import PersonalDataAccess
from kith.messaging.models import InboundText, Message, TextOptOut
from kith.requests import services
from kith.requests.intake import Contact, Need, take_request
from tests.messaging.conftest import AHMED, TOM, phone_request, signed_post, text_in
from tests.messaging.standin import TOKEN

pytestmark = pytest.mark.django_db

VOICE = "/messaging/twilio/voice/"
INBOUND = "/messaging/twilio/inbound/"
GROUP_NUMBER = "+447700900001"  # the number Tom calls (the twilio fixture's From number)
KHAN = "+447911000002"
STRANGER = "+447911000099"  # a valid UK mobile nobody in Kith has
ABROAD = "+14155550100"  # no UK digest at all


def _call(client, sid, caller=TOM, token=TOKEN):
    return signed_post(client, VOICE, {"CallSid": sid, "From": caller, "To": GROUP_NUMBER},
                        token=token)


def _twiml(response):
    assert response.status_code == 200 and response["Content-Type"] == "text/xml"
    return ET.fromstring(response.content)  # noqa: S314 (Kith's own answer, in a test)


def _said(root) -> str:
    return " ".join(e.text or "" for e in root.iter("Say"))


def _dialled(root) -> list[tuple[str, str]]:
    """(the number dialled, the caller id shown) for every Dial."""
    return [((d.findtext("Number") or d.text or "").strip(), d.get("callerId", ""))
            for d in root.iter("Dial")]


@pytest.fixture
def second_task(street, priya, volunteer, task):
    req = phone_request(street, priya, name="Mr Khan", phone=KHAN, service="dog_walking")
    services.assign(req, volunteer, actor=priya, reason="Has walked his dog before")
    req.refresh_from_db()
    return req


def _looks():
    return PersonalDataAccess.objects.order_by("pk")


# --- calls


def test_one_open_task_dials_the_resident_showing_the_groups_number(client, task, volunteer):
    root = _twiml(_call(client, "CA" + "1" * 32))
    assert _dialled(root) == [(AHMED, GROUP_NUMBER)]
    assert "Connecting you to Mrs Ahmed" in _said(root)
    assert TOM not in ET.tostring(root, encoding="unicode")
    look = _looks().get()
    assert (look.viewer, look.subject_id, look.field) == (volunteer, str(task.resident_id), "phone")
    assert look.reason == f"Bridged call (task {task.reference})"
    assert AuditEvent.objects.filter(action="kith.messaging.call_bridged",
                                     object_id=str(task.pk), actor=volunteer).count() == 1
    assert InboundText.objects.get().action == "call_bridged"


def test_the_bridged_call_is_on_the_groups_access_log(client, task, priya):
    _call(client, "CA" + "1" * 32)
    client.force_login(priya)
    page = client.get(reverse("groups:access_log", args=[task.group.slug])).content.decode()
    assert "Mrs Ahmed" in page and f"Bridged call (task {task.reference})" in page


def test_a_replayed_call_is_answered_without_the_number_and_logs_nothing(client, task):
    _call(client, "CA" + "1" * 32)
    again = _call(client, "CA" + "1" * 32)
    root = _twiml(again)
    assert _dialled(root) == [] and AHMED not in again.content.decode()
    assert "already been answered" in _said(root)
    assert _looks().count() == 1
    assert AuditEvent.objects.filter(action="kith.messaging.call_bridged").count() == 1


def test_an_unsigned_or_forged_call_is_refused_and_dials_nobody(client, task):
    data = {"CallSid": "CA" + "2" * 32, "From": TOM, "To": GROUP_NUMBER}
    assert client.post(VOICE, data).status_code == 403
    assert _call(client, "CA" + "2" * 32, token="not-the-token").status_code == 403
    signature = RequestValidator(TOKEN).compute_signature(f"http://testserver{VOICE}", data)
    forged = {**data, "From": STRANGER}
    assert client.post(VOICE, forged, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 403
    assert not _looks().exists() and not InboundText.objects.exists()


def test_several_open_tasks_get_a_menu_and_the_key_dials_that_resident(client, task,
                                                                        second_task):
    root = _twiml(_call(client, "CA" + "3" * 32))
    assert _dialled(root) == []
    words = _said(root)
    assert "Press 1 for shopping for Mrs Ahmed" in words
    assert "Press 2 for dog walking for Mr Khan" in words
    assert not _looks().exists()  # a menu opens nobody's number
    action = root.find("Gather").get("action")
    choice = {"CallSid": "CA" + "3" * 32, "From": TOM, "To": GROUP_NUMBER, "Digits": "2"}
    root = _twiml(signed_post(client, action, choice))
    assert _dialled(root) == [(KHAN, GROUP_NUMBER)]
    look = _looks().get()
    assert look.subject_id == str(second_task.resident_id) and look.field == "phone"
    # The same key again (a replay) dials nobody.
    again = signed_post(client, action, choice)
    assert _dialled(_twiml(again)) == [] and KHAN not in again.content.decode()
    assert _looks().count() == 1


def test_a_key_that_is_no_choice_reads_the_menu_again(client, task, second_task):
    action = _twiml(_call(client, "CA" + "4" * 32)).find("Gather").get("action")
    root = _twiml(signed_post(client, action, {"CallSid": "CA" + "4" * 32, "From": TOM,
                                                "To": GROUP_NUMBER, "Digits": "7"}))
    assert "not one of the choices" in _said(root) and "Press 2" in _said(root)
    assert _dialled(root) == [] and not _looks().exists()


def test_a_forged_key_press_is_refused(client, task, second_task):
    action = _twiml(_call(client, "CA" + "5" * 32)).find("Gather").get("action")
    path = urlsplit(action)
    answer = client.post(f"{path.path}?{path.query}", {"CallSid": "CA" + "5" * 32, "From": TOM,
                                                       "To": GROUP_NUMBER, "Digits": "1"})
    assert answer.status_code == 403 and not _looks().exists()


def test_after_the_task_is_done_the_call_is_refused_kindly(client, task, volunteer, street):
    street.phone = "020 7946 0100"
    street.save(update_fields=["phone"])
    services.complete(task, actor=volunteer)
    root = _twiml(_call(client, "CA" + "6" * 32))
    assert _dialled(root) == []
    words = _said(root)
    assert "shopping for Mrs Ahmed, has finished" in words and "Thank you" in words
    assert "0 2 0, 7 9 4 6, 0 1 0 0" in words  # the group's line, read out
    assert not _looks().exists()
    assert InboundText.objects.get().action == "call_refused"


def test_the_groups_line_is_read_as_dialled_here_even_when_kept_in_international_form(
        client, task, volunteer, street):
    street.phone = "+442079460100"  # as the group's settings form keeps it
    street.save(update_fields=["phone"])
    services.complete(task, actor=volunteer)
    words = _said(_twiml(_call(client, "CA" + "e" * 32)))
    assert "0 2 0, 7 9 4 6, 0 1 0 0" in words
    assert "4 4" not in words


def test_two_tasks_that_sound_the_same_are_told_apart_by_the_day(client, street, priya,
                                                                 volunteer, twilio):
    from datetime import datetime, timedelta

    from django.utils import timezone

    monday = timezone.make_aware(datetime(2026, 12, 7, 10))
    people = [("Mrs Ahmed", AHMED), ("Mrs Ahmed Begum", "+447911123457"), ("Mr Khan", KHAN)]
    for n, (name, phone) in enumerate(people):  # two Mrs Ahmeds, as a menu names them
        req = phone_request(street, priya, name=name, phone=phone, service="shopping")
        type(req).objects.filter(pk=req.pk).update(needed_by=monday + timedelta(days=n))
        services.assign(req, volunteer, actor=priya, reason="Nearby")
    words = _said(_twiml(_call(client, "CA" + "f" * 32)))
    assert "Press 1 for shopping for Mrs Ahmed, needed Monday 7 December." in words
    assert "Press 2 for shopping for Mrs Ahmed, needed Tuesday 8 December." in words
    assert "Press 3 for shopping for Mr Khan." in words  # no twin: said as ever


def test_two_tasks_needed_the_same_day_are_told_apart_by_the_reference(client, street, priya,
                                                                        volunteer, twilio):
    refs = []
    for name, phone in [("Mrs Ahmed", AHMED), ("Mrs Ahmed Begum", "+447911123457")]:
        req = phone_request(street, priya, name=name, phone=phone, service="shopping")
        services.assign(req, volunteer, actor=priya, reason="Nearby")
        refs.append(req.reference)
    words = _said(_twiml(_call(client, "CA" + "0" * 32)))
    first = ", ".join(" ".join(part) for part in refs[0].split("-"))  # "K 7 Q, 2 X B"
    assert f"Press 1 for shopping for Mrs Ahmed, reference {first}." in words
    assert "Press 1 for shopping for Mrs Ahmed." not in words


def test_a_volunteer_with_no_task_lately_is_told_so_not_taken_for_a_stranger(
        client, volunteer, street, twilio):
    street.phone = "020 7946 0100"
    street.save(update_fields=["phone"])
    root = _twiml(_call(client, "CA" + "1" * 31 + "2"))
    words = _said(root)
    assert _dialled(root) == [] and "You have no open task to call about" in words
    assert "0 2 0, 7 9 4 6, 0 1 0 0" in words and "does not know the number" not in words
    assert "Tom" not in words  # nothing the caller does not know already
    assert InboundText.objects.get().action == "call_refused"


def test_someone_who_is_not_a_volunteer_still_gets_the_short_answer(client, priya, twilio):
    priya.phone = STRANGER  # a coordinator, volunteering nowhere
    priya.save(update_fields=["phone"])
    root = _twiml(_call(client, "CA" + "1" * 31 + "3", caller=STRANGER))
    assert "does not know the number" in _said(root)
    assert "open task" not in _said(root)


def test_a_task_handed_back_no_longer_connects(client, task, volunteer):
    services.hand_back(task, actor=volunteer, note="Car broke down")
    root = _twiml(_call(client, "CA" + "7" * 32))
    assert _dialled(root) == [] and "has finished" in _said(root)
    assert not _looks().exists()


def test_a_stranger_hears_what_the_number_is_for(client, task):
    root = _twiml(_call(client, "CA" + "8" * 32, caller=STRANGER))
    assert _dialled(root) == [] and "does not know the number" in _said(root)
    assert InboundText.objects.get().action == "call_unknown"


def test_a_resident_calling_is_put_through_to_the_groups_line(client, task, street):
    street.phone = "020 7946 0100"
    street.save(update_fields=["phone"])
    root = _twiml(_call(client, "CA" + "9" * 32, caller=AHMED))
    assert _dialled(root) == [("+442079460100", "")]  # the line sees who calls, as ever
    assert not _looks().exists()


def test_a_resident_calling_a_group_with_no_line_is_told_how_to_reach_it(client, task):
    root = _twiml(_call(client, "CA" + "a" * 32, caller=AHMED))
    assert _dialled(root) == [] and "send a text to this number" in _said(root)


# --- texts


def test_a_volunteers_text_goes_to_the_resident_from_the_groups_number(
        client, task, volunteer, twilio, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert text_in(client, "SM" + "1" * 32, "On my way, 10 minutes").status_code == 200
    sent = twilio.delivered[-1]
    assert sent["to"] == AHMED
    assert sent["body"] == "From your volunteer Tom: On my way, 10 minutes"
    assert TOM not in sent["body"]
    relayed = Message.objects.get(template="relay")
    assert relayed.resident == task.resident and relayed.group == task.group
    look = _looks().get()
    assert (look.viewer, look.field) == (volunteer, "phone")
    assert look.reason == f"Relayed text (task {task.reference})"
    assert AuditEvent.objects.filter(action="kith.messaging.text_relayed", actor=volunteer).exists()
    assert InboundText.objects.get().action == "relayed"


def test_a_replayed_text_is_not_relayed_twice(client, task):
    text_in(client, "SM" + "1" * 32, "On my way")
    text_in(client, "SM" + "1" * 32, "On my way")
    assert Message.objects.filter(template="relay").count() == 1
    assert _looks().count() == 1


def test_a_forged_text_relays_nothing(client, task):
    data = {"MessageSid": "SM" + "2" * 32, "From": TOM, "Body": "Hello"}
    assert signed_post(client, INBOUND, data, token="not-the-token").status_code == 403
    assert not Message.objects.filter(template="relay").exists() and not _looks().exists()


def test_with_several_tasks_the_text_names_its_reference(client, task, second_task, twilio,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        text_in(client, "SM" + "3" * 32, "Running late")
    answer = twilio.delivered[-1]
    assert answer["to"] == TOM and task.reference in answer["body"]
    assert second_task.reference in answer["body"] and "start your text" in answer["body"]
    assert not Message.objects.filter(template="relay").exists() and not _looks().exists()
    typed = second_task.reference.replace("-", " ").lower()  # as someone types it on a phone
    with django_capture_on_commit_callbacks(execute=True):
        text_in(client, "SM" + "4" * 32, f"{typed} Running late")
    assert twilio.delivered[-1]["to"] == KHAN
    assert twilio.delivered[-1]["body"] == "From your volunteer Tom: Running late"
    assert _looks().get().subject_id == str(second_task.resident_id)


def test_a_residents_text_goes_to_the_volunteer_and_lands_as_a_note(
        client, task, volunteer, twilio, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        text_in(client, "SM" + "5" * 32, "Please bring oat milk", sender=AHMED)
    sent = twilio.delivered[-1]
    assert sent["to"] == TOM
    assert sent["body"] == f"From Mrs Ahmed ({task.reference}): Please bring oat milk"
    assert AHMED not in sent["body"]
    assert task.events.filter(action="resident_note").exists()
    look = _looks().get()
    assert (look.viewer, look.subject_id, look.field) == (volunteer, str(task.resident_id), "text")
    assert AuditEvent.objects.filter(action="kith.messaging.text_relayed", actor=None).exists()
    assert InboundText.objects.get().action == "note_relayed"


def test_after_the_task_is_done_texts_are_refused_and_not_relayed(
        client, task, volunteer, twilio, django_capture_on_commit_callbacks):
    services.complete(task, actor=volunteer)
    with django_capture_on_commit_callbacks(execute=True):
        text_in(client, "SM" + "6" * 32, "Did you like the bread?")
    answer = twilio.delivered[-1]
    assert answer["to"] == TOM and "has finished" in answer["body"]
    with django_capture_on_commit_callbacks(execute=True):
        text_in(client, "SM" + "7" * 32, "Thank you Tom", sender=AHMED)
    assert not Message.objects.filter(template="relay").exists() and not _looks().exists()
    assert twilio.delivered[-1]["to"] == TOM  # nothing went on to him from her
    assert InboundText.objects.get(provider_id="SM" + "6" * 32).action == "relay_closed"


def test_commands_stay_commands_for_a_volunteer_with_a_task(client, task):
    text_in(client, "SM" + "8" * 32, "STOP")
    assert TextOptOut.objects.count() == 1
    assert not Message.objects.filter(template="relay").exists() and not _looks().exists()


def test_someone_with_no_task_gets_the_usual_help(client, task, twilio,
                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        text_in(client, "SM" + "9" * 32, "hello?", sender=STRANGER)
    assert "YES 482" in twilio.delivered[-1]["body"]
    assert not Message.objects.filter(template="relay").exists()


def test_a_number_from_abroad_is_nobody_we_know(client, task, street, priya):
    """A number with no UK digest matches no one: not a resident recorded without a phone."""
    take_request(street, channel="phone", triage=True, acting_user=priya,
                 contact=Contact(name="Mr Osei", address="3 Portobello Road", postcode="W10 5NW"),
                 need=Need(service="shopping", details="Bread"))
    text_in(client, "SM" + "b" * 32, "hello?", sender=ABROAD)
    assert InboundText.objects.get().action == "helped"
    assert not Message.objects.filter(template="relay").exists()
    root = _twiml(_call(client, "CA" + "c" * 32, caller=ABROAD))
    assert _dialled(root) == [] and "does not know the number" in _said(root)


def test_a_resident_with_no_phone_is_not_dialled_and_the_volunteer_is_told(
        client, street, priya, volunteer, twilio):
    req = take_request(street, channel="phone", triage=True, acting_user=priya,
                       contact=Contact(name="Mr Osei", address="3 Portobello Road",
                                       postcode="W10 5NW"),
                       need=Need(service="shopping", details="Bread")).request
    services.assign(req, volunteer, actor=priya, reason="Nearby")
    root = _twiml(_call(client, "CA" + "b" * 32))
    assert _dialled(root) == [] and "no phone number for Mr Osei" in _said(root)
    text_in(client, "SM" + "a" * 32, "Hello")
    assert InboundText.objects.get(provider_id="SM" + "a" * 32).action == "relay_no_phone"
    assert not Message.objects.filter(template="relay").exists() and not _looks().exists()


def test_a_volunteer_who_left_is_not_connected_even_if_the_task_was_not_taken_back(
        client, task, volunteer):
    from kith.volunteers.models import VolunteerProfile

    # As if whatever recorded it forgot to take the work back: the grant still asks.
    VolunteerProfile.objects.filter(person=volunteer).update(status=VolunteerProfile.Status.LEFT)
    root = _twiml(_call(client, "CA" + "d" * 32))
    assert _dialled(root) == [] and "no open task" in _said(root)
    text_in(client, "SM" + "c" * 32, "On my way")
    assert not Message.objects.filter(template="relay").exists() and not _looks().exists()
