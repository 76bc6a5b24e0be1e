"""Lone working: a check-in set on "I'm on my way", the sweep's three steps each once,
"I'm safe, finished", "I need help now", and SAFE by text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.messaging.models import Message
from kith.requests.sweeps import tick
from kith.safety import checkins
from kith.safety.models import CheckIn, SafetyPolicy
from tests.safety.conftest import make_task

pytestmark = pytest.mark.django_db


def _sent(template_end: str) -> set[str]:
    return {m.person.email for m in Message.objects.filter(template__endswith=template_end)}


def _start(client, tom, req, **data):
    client.force_login(tom)
    return client.post(reverse("requests:task", args=[req.reference]),
                       {"action": "start", **data})


def test_it_sets_a_check_in_for_the_time_the_volunteer_gives(client, task, tom):
    before = timezone.now()
    assert _start(client, tom, task, minutes="90").status_code == 302
    check_in = CheckIn.objects.get()
    assert check_in.volunteer == tom and check_in.state == "open"
    assert timedelta(minutes=89) < check_in.due_at - before < timedelta(minutes=91)
    task.refresh_from_db()
    assert task.state == "in_progress"
    assert AuditEvent.objects.filter(action="kith.check_in.started",
                                     new__minutes=90).exists()


def test_it_uses_the_groups_usual_time_when_none_is_given(client, task, tom, street):
    SafetyPolicy.objects.create(group=street, visit_minutes=30)
    before = timezone.now()
    _start(client, tom, task, minutes="not a number")
    due = CheckIn.objects.get().due_at - before
    assert timedelta(minutes=29) < due < timedelta(minutes=31)


def test_a_task_done_from_home_has_no_check_in(client, street, priya, tom):
    req = make_task(street, priya, tom, service="befriending")
    _start(client, tom, req)
    req.refresh_from_db()
    assert req.state == "in_progress" and not CheckIn.objects.exists()


def test_the_sweep_asks_then_alerts_coordinators_then_the_lead_each_once(task, tom, priya,
                                                                         lena, street):
    SafetyPolicy.objects.create(group=street, grace_minutes=20)
    check_in = checkins.do_start_visit(task, acting_user=tom, minutes=60)
    due = check_in.due_at
    assert tick(due - timedelta(minutes=1))["check_ins_asked"] == 0
    assert tick(due + timedelta(minutes=1))["check_ins_asked"] == 1
    assert _sent("check_in_ask.txt") == {tom.email}
    # Within the grace nothing more; the same sweep twice changes nothing.
    assert tick(due + timedelta(minutes=10))["check_ins_alerted"] == 0
    assert tick(due + timedelta(minutes=21))["check_ins_alerted"] == 1
    assert tick(due + timedelta(minutes=22))["check_ins_alerted"] == 0
    assert _sent("check_in_missed.txt") == {priya.email}
    assert lena.email not in _sent("check_in_missed.txt")
    assert tick(due + timedelta(minutes=42))["check_ins_escalated"] == 1
    assert tick(due + timedelta(minutes=90))["check_ins_escalated"] == 0
    assert _sent("check_in_escalated.txt") == {lena.email}
    assert Message.objects.filter(template__contains="check_in").count() == 3
    actions = list(AuditEvent.objects.filter(action__startswith="kith.check_in.")
                   .values_list("action", flat=True).order_by("pk"))
    assert actions == ["kith.check_in.started", "kith.check_in.asked", "kith.check_in.missed",
                       "kith.check_in.escalated"]


def test_a_group_without_a_lead_sends_the_second_alert_to_the_group_above(task, tom, wanda):
    check_in = checkins.do_start_visit(task, acting_user=tom, minutes=30)
    for minutes in (1, 25, 50):
        tick(check_in.due_at + timedelta(minutes=minutes))
    assert _sent("check_in_escalated.txt") == {wanda.email}


def test_a_sweep_that_was_down_moves_one_step_at_a_time(task, tom, priya):
    check_in = checkins.do_start_visit(task, acting_user=tom, minutes=30)
    late = check_in.due_at + timedelta(hours=3)
    assert tick(late)["check_ins_asked"] == 1
    assert not _sent("check_in_missed.txt")  # the volunteer is asked before anyone is told
    assert tick(late)["check_ins_alerted"] == 1


def test_im_safe_finishes_the_task_and_stops_the_sweep(client, task, tom, priya):
    _start(client, tom, task)
    check_in = CheckIn.objects.get()
    response = client.post(reverse("safety:check_in", args=[task.reference]), {"action": "safe"})
    assert response.status_code == 302
    check_in.refresh_from_db()
    task.refresh_from_db()
    assert check_in.state == "safe" and task.state == "done"
    assert tick(check_in.due_at + timedelta(hours=2))["check_ins_asked"] == 0
    assert not Message.objects.filter(template__contains="check_in").exists()


def test_safe_after_an_alert_tells_the_coordinators_all_is_clear(task, tom, priya):
    check_in = checkins.do_start_visit(task, acting_user=tom, minutes=30)
    tick(check_in.due_at + timedelta(minutes=1))
    tick(check_in.due_at + timedelta(minutes=30))
    checkins.do_mark_safe(check_in, acting_user=tom)
    assert _sent("check_in_safe.txt") == {priya.email}


def test_its_done_on_the_task_page_closes_the_check_in(client, task, tom):
    _start(client, tom, task)
    client.post(reverse("requests:task", args=[task.reference]), {"action": "complete"})
    assert CheckIn.objects.get().state == "safe"


def test_i_need_help_now_alerts_coordinators_and_the_lead_at_once(client, task, tom, priya,
                                                                 lena):
    _start(client, tom, task)
    response = client.post(reverse("safety:check_in", args=[task.reference]), {"action": "help"})
    assert response.status_code == 302
    assert _sent("check_in_help.txt") == {priya.email, lena.email}
    check_in = CheckIn.objects.get()
    assert check_in.state == "help" and check_in.help_at is not None
    assert AuditEvent.objects.filter(action="kith.check_in.help").count() == 1
    # Pressed twice (a second tap on a slow phone): one alert.
    client.post(reverse("safety:check_in", args=[task.reference]), {"action": "help"})
    assert Message.objects.filter(template__endswith="check_in_help.txt").count() == 2


def test_only_the_volunteer_holding_the_task_can_check_in(client, task, tom, priya, street):
    from tests.factories import MembershipFactory, PersonFactory

    _start(client, tom, task)
    other = PersonFactory(email="vic@example.org")
    MembershipFactory(person=other, group=street, is_volunteer=True)
    for person in (other, priya):
        client.force_login(person)
        url = reverse("safety:check_in", args=[task.reference])
        assert client.post(url, {"action": "safe"}).status_code == 404
    assert CheckIn.objects.get().state == "open"


def test_the_today_page_counts_open_and_missed_check_ins(client, task, tom, priya):
    check_in = checkins.do_start_visit(task, acting_user=tom, minutes=30)
    client.force_login(priya)
    today = reverse("groups:dashboard", args=[task.group.slug])
    assert "volunteer out on a task now" in client.get(today).content.decode()
    CheckIn.objects.filter(pk=check_in.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    text = client.get(today).content.decode()
    assert "volunteer missed their safety check-in" in text
    page = client.get(reverse("safety:check_ins", args=[task.group.slug])).content.decode()
    assert "Tom Brennan" in page and task.reference in page


# --- SAFE by text


@pytest.fixture
def texted_tom(tom, twilio):
    from kith.messaging import channels

    tom.phone = "+447911000001"
    tom.save(update_fields=["phone"])
    channels.choose(tom, "sms", acting_user=tom)
    return tom


def test_safe_by_text_closes_the_check_in_and_answers(client, task, texted_tom, priya):
    from kith.messaging.models import InboundText
    from tests.messaging.conftest import text_in

    check_in = checkins.do_start_visit(task, acting_user=texted_tom, minutes=30)
    tick(check_in.due_at + timedelta(minutes=1))  # "Are you safe? Reply SAFE", by text
    assert Message.objects.filter(person=texted_tom, template__endswith="check_in_ask.txt",
                                  channel="sms").exists()
    assert text_in(client, "SM-safe-1", "safe").status_code == 200
    check_in.refresh_from_db()
    task.refresh_from_db()
    assert check_in.state == "safe" and task.state == "done"
    assert InboundText.objects.get().action == "check_in_safe"
    assert AuditEvent.objects.filter(action="kith.check_in.safe", new__by_text=True).exists()
    # The same text delivered twice by the provider is handled once.
    text_in(client, "SM-safe-1", "safe")
    assert InboundText.objects.count() == 1


def test_safe_from_someone_with_no_check_in_gets_the_usual_help(client, texted_tom):
    from kith.messaging.models import InboundText
    from kith.messaging.outbox import queue_text
    from tests.messaging.conftest import text_in

    queue_text(to=str(texted_tom.phone), body="Hello", person=texted_tom, resident=None,
               template="reply")
    text_in(client, "SM-safe-2", "SAFE")
    assert InboundText.objects.get().action == "helped"



def test_a_coordinator_who_reached_them_closes_the_check_in(client, task, tom, priya, lena):
    check_in = checkins.do_start_visit(task, acting_user=tom, minutes=30)
    tick(check_in.due_at + timedelta(minutes=1))
    tick(check_in.due_at + timedelta(minutes=21))
    client.force_login(priya)
    url = reverse("safety:close_check_in", args=[task.group.slug, check_in.pk])
    client.post(url, {"note": ""})  # how they know is asked for
    check_in.refresh_from_db()
    assert check_in.state == "open"
    assert client.post(url, {"note": "Rang him: all fine"}).status_code == 302
    check_in.refresh_from_db()
    assert check_in.state == "safe"
    assert AuditEvent.objects.filter(action="kith.check_in.closed").count() == 1
    assert task.events.get(action="check_in_closed").note == "Rang him: all fine"
    assert tick(check_in.due_at + timedelta(hours=2))["check_ins_escalated"] == 0
    assert not _sent("check_in_escalated.txt")


def test_another_groups_check_in_cannot_be_closed(client, task, tom, nadia):
    check_in = checkins.do_start_visit(task, acting_user=tom, minutes=30)
    client.force_login(nadia)
    assert client.post(reverse("safety:close_check_in", args=["lots-road", check_in.pk]),
                       {"note": "x"}).status_code == 404
    check_in.refresh_from_db()
    assert check_in.state == "open"


def test_giving_the_task_back_closes_the_check_in(client, task, tom):
    _start(client, tom, task)
    client.post(reverse("requests:task", args=[task.reference]),
                {"action": "hand_back", "note": "Dog would not come"})
    assert CheckIn.objects.get().state == "safe"


@pytest.fixture
def dev(borough):
    """The borough's safeguarding lead: he handles the street, which has no lead."""
    from tests.factories import MembershipFactory, PersonFactory

    person = PersonFactory(email="dev@example.org", display_name="Dev Patel")
    MembershipFactory(person=person, group=borough, is_safeguarding_lead=True)
    return person


def test_still_no_word_reaches_the_lead_who_handles_the_group_not_a_coordinator_above(
        client, task, tom, priya, wanda, dev, street):
    check_in = checkins.do_start_visit(task, acting_user=tom, minutes=30)
    for minutes in (1, 25, 50):
        tick(check_in.due_at + timedelta(minutes=minutes))
    assert _sent("check_in_escalated.txt") == {dev.email}
    # The alert's link opens for him, and the page names who was told.
    client.force_login(dev)
    page = client.get(reverse("safety:check_ins", args=[street.slug]))
    assert page.status_code == 200 and "Dev Patel" in page.content.decode()


def test_help_now_reaches_the_coordinators_and_the_lead_above_at_once(client, task, tom,
                                                                      priya, dev):
    check_in = checkins.do_start_visit(task, acting_user=tom, minutes=30)
    checkins.do_ask_for_help(check_in, acting_user=tom)
    assert _sent("check_in_help.txt") == {priya.email, dev.email}


def test_a_coordinator_who_is_also_the_lead_is_not_told_twice(task, tom, priya, street):
    from kith.groups.models import Membership

    Membership.objects.filter(person=priya, group=street).update(is_safeguarding_lead=True)
    check_in = checkins.do_start_visit(task, acting_user=tom, minutes=30)
    for minutes in (1, 25, 50):
        tick(check_in.due_at + timedelta(minutes=minutes))
    assert _sent("check_in_missed.txt") == {priya.email}
    assert not _sent("check_in_escalated.txt")


def _removed_while_out(task, tom, priya, street):
    from kith.groups.models import Membership
    from kith.groups.services import remove_member

    check_in = checkins.do_start_visit(task, acting_user=tom, minutes=30)
    remove_member(Membership.objects.get(person=tom, group=street), acting_user=priya)
    return check_in


def test_a_volunteer_removed_while_out_can_still_say_they_are_safe(client, task, tom, priya,
                                                                   street):
    check_in = _removed_while_out(task, tom, priya, street)
    client.force_login(tom)
    page = client.get(reverse("requests:task", args=[task.reference]))
    body = page.content.decode()
    assert page.status_code == 200 and "safe, finished" in body
    assert "14 Golborne Road" not in body and "Mrs Ahmed" not in body
    answer = client.post(reverse("safety:check_in", args=[task.reference]), {"action": "safe"})
    assert answer.status_code == 302
    check_in.refresh_from_db()
    task.refresh_from_db()
    assert check_in.state == "safe" and task.state != "done"
    # Closed, the page is shut to them like any other task no longer theirs.
    assert client.get(reverse("requests:task", args=[task.reference])).status_code == 404


def test_a_volunteer_removed_while_out_can_still_ask_for_help(client, task, tom, priya,
                                                              street):
    check_in = _removed_while_out(task, tom, priya, street)
    client.force_login(tom)
    client.post(reverse("safety:check_in", args=[task.reference]), {"action": "help"})
    check_in.refresh_from_db()
    assert check_in.state == "help" and _sent("check_in_help.txt") == {priya.email}


def test_a_safe_text_from_a_removed_volunteer_does_not_finish_the_task(task, tom, priya,
                                                                       street):
    check_in = _removed_while_out(task, tom, priya, street)
    checkins.reply_safe(tom)
    check_in.refresh_from_db()
    task.refresh_from_db()
    assert check_in.state == "safe" and task.state != "done"


def test_safe_texted_from_the_volunteers_own_mobile_when_kith_emails_them(client, task, tom,
                                                                         twilio):
    from kith.messaging.models import InboundText
    from tests.messaging.conftest import TOM, text_in

    tom.phone = TOM
    tom.save(update_fields=["phone"])
    check_in = checkins.do_start_visit(task, acting_user=tom, minutes=30)
    assert text_in(client, "SM-safe-own", "SAFE").status_code == 200
    check_in.refresh_from_db()
    assert check_in.state == "safe" and InboundText.objects.get().action == "check_in_safe"


def test_the_emailed_ask_says_text_safe_only_when_that_works(task, tom, twilio):
    from kith.messaging.providers import opened

    check_in = checkins.do_start_visit(task, acting_user=tom, minutes=30)
    tick(check_in.due_at + timedelta(minutes=1))
    email = Message.objects.get(template__endswith="check_in_ask.txt")
    assert email.channel == "email"
    assert "SAFE" not in opened(email.body) and "Tap" in opened(email.body)  # no mobile
    # With a mobile recorded and texts set up, texting SAFE works, so the email says so.
    tom.phone = "+447911000001"
    tom.save(update_fields=["phone"])
    Message.objects.all().delete()
    check_in.asked_at = None
    check_in.save(update_fields=["asked_at"])
    tick(check_in.due_at + timedelta(minutes=2))
    body = opened(Message.objects.get(template__endswith="check_in_ask.txt").body)
    assert "Text SAFE to" in body


def test_removing_someone_out_on_a_task_warns_the_coordinator(client, task, tom, priya, street):
    from kith.groups.models import Membership

    checkins.do_start_visit(task, acting_user=tom, minutes=30)
    membership = Membership.objects.get(person=tom, group=street)
    client.force_login(priya)
    page = client.post(reverse("groups:member_remove", args=[street.slug, membership.pk]),
                       follow=True)
    assert "is out on a task now and has not yet said they are safe" in page.content.decode()


def test_help_nobody_acted_on_is_followed_up_once_to_the_leads_and_the_group_above(
        client, task, tom, priya, wanda, dev, street):
    SafetyPolicy.objects.create(group=street, grace_minutes=20)
    check_in = checkins.do_start_visit(task, acting_user=tom, minutes=30)
    checkins.do_ask_for_help(check_in, acting_user=tom)
    check_in.refresh_from_db()
    assert tick(check_in.help_at + timedelta(minutes=10))["check_ins_help_followed_up"] == 0
    assert tick(check_in.help_at + timedelta(minutes=21))["check_ins_help_followed_up"] == 1
    assert tick(check_in.help_at + timedelta(minutes=60))["check_ins_help_followed_up"] == 0
    assert _sent("check_in_help_again.txt") == {dev.email, wanda.email}
    # A coordinator reached them: everyone alerted hears the all-clear.
    client.force_login(priya)
    client.post(reverse("safety:close_check_in", args=[street.slug, check_in.pk]),
                {"note": "Rang him, all fine"})
    assert _sent("check_in_closed.txt") == {priya.email, dev.email, wanda.email}


def test_a_too_long_close_note_is_refused_in_plain_words(client, task, tom, priya, street):
    check_in = checkins.do_start_visit(task, acting_user=tom, minutes=30)
    client.force_login(priya)
    page = client.post(reverse("safety:close_check_in", args=[street.slug, check_in.pk]),
                       {"note": "x" * 301}, follow=True)
    check_in.refresh_from_db()
    assert check_in.state == "open"
    assert "300 characters at most" in page.content.decode()


def test_settings_errors_are_in_plain_words(client, street, priya):
    client.force_login(priya)
    page = client.post(reverse("safety:settings", args=[street.slug]), {
        "visit_minutes": "60", "grace_minutes": "2", "prescriptions": "vetted",
        "controlled_drugs": "vetted"}).content.decode()
    assert "Wait at least 5 minutes" in page and "greater than or equal" not in page


def test_the_safe_and_help_buttons_are_kept_apart(client, task, tom):
    checkins.do_start_visit(task, acting_user=tom, minutes=30)
    client.force_login(tom)
    page = client.get(reverse("requests:task", args=[task.reference])).content.decode()
    assert 'class="check-in-buttons"' in page


@pytest.mark.parametrize("with_lead", [True, False])
def test_the_task_page_names_the_lead_only_where_there_is_one(client, task, tom, request,
                                                             with_lead):
    if with_lead:
        request.getfixturevalue("lena")
    _start(client, tom, task)
    page = client.get(reverse("requests:task", args=[task.reference])).content.decode()
    assert "I need help now" in page
    assert ("tells the coordinators and the safeguarding lead" in page) is with_lead
    assert ("tells the coordinators straight away" in page) is not with_lead
