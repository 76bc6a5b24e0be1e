"""Each person is reached the way they chose: email, a text or WhatsApp, with email when a text
cannot reach them; texts wait out the group's quiet hours unless urgent; a WhatsApp "YES 482"
works like a text."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape
from twilio.request_validator import RequestValidator

from kith.core.audit import AuditEvent
from kith.core.digest import phone_digest
from kith.matching import offers
from kith.messaging import channels, outbox, quiet
from kith.messaging.models import ContactPreference, Message, QuietHours, TextOptOut
from kith.requests import lifecycle
from tests.factories import PersonFactory
from tests.matching.conftest import make_volunteer
from tests.messaging.conftest import BEN, choose, offer_to
from tests.messaging.standin import TOKEN

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
INBOUND = "/messaging/twilio/inbound/"


def test_without_a_choice_the_offer_is_emailed(twilio, ben, waiting, priya,
                                               django_capture_on_commit_callbacks):
    offer = offer_to(waiting, priya, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["ben@example.org"]]
    assert f"/volunteer/offers/{offer.pk}/" in mail.outbox[0].body
    assert twilio.delivered == []


def test_an_offer_by_text_says_what_and_roughly_where_and_how_to_answer(
        twilio, ben, waiting, priya, django_capture_on_commit_callbacks):
    choose(ben, "sms")
    offer = offer_to(waiting, priya, django_capture_on_commit_callbacks)
    [text] = twilio.delivered
    assert text["to"] == BEN and text["from"] == "+447700900001"
    body = text["body"]
    assert "shopping" in body and "miles from you" in body
    assert f"Reply YES {offer.pk} to take it or NO {offer.pk} to pass." in body
    assert f"/volunteer/offers/{offer.pk}/" in body
    assert "W10 5NW" not in body and "Mrs Ahmed" not in body  # never the address or who
    assert body.isascii() and len(body) <= 306, (len(body), body)  # two text segments at most
    assert mail.outbox == []
    assert Message.objects.get(person=ben).channel == Message.Channel.SMS


def test_whatsapp_goes_through_the_same_client_with_its_prefix(
        settings, twilio, ben, waiting, priya, django_capture_on_commit_callbacks):
    settings.TWILIO_WHATSAPP_FROM = "whatsapp:+447700900002"
    choose(ben, "whatsapp")
    offer = offer_to(waiting, priya, django_capture_on_commit_callbacks)
    [sent] = twilio.delivered
    assert sent["to"] == f"whatsapp:{BEN}" and sent["from"] == "whatsapp:+447700900002"
    assert f"Reply YES {offer.pk}" in sent["body"] and sent["content_sid"] == ""
    message = Message.objects.get(person=ben)
    assert message.channel == Message.Channel.WHATSAPP and message.state == Message.State.SENT
    assert message.get_channel_display() == "WhatsApp"


def test_whatsapp_offers_use_the_approved_template_when_there_is_one(
        settings, twilio, ben, waiting, priya, django_capture_on_commit_callbacks):
    settings.TWILIO_WHATSAPP_FROM = "+447700900002"  # the prefix is added
    settings.TWILIO_WHATSAPP_OFFER_TEMPLATE = "HX" + "a" * 32
    choose(ben, "whatsapp")
    offer = offer_to(waiting, priya, django_capture_on_commit_callbacks)
    [sent] = twilio.delivered
    assert sent["from"] == "whatsapp:+447700900002"
    assert sent["content_sid"] == "HX" + "a" * 32 and sent["body"] == ""
    blanks = json.loads(sent["content_variables"])
    assert blanks["1"] == "shopping" and blanks["3"] == str(offer.pk)
    assert blanks["4"].endswith(f"/volunteer/offers/{offer.pk}/")


def test_text_without_a_phone_falls_back_to_email_and_says_so(client, twilio, ben, waiting, priya,
                                                              django_capture_on_commit_callbacks):
    ben.phone = None
    ben.save()
    choose(ben, "sms")
    offer_to(waiting, priya, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["ben@example.org"]] and twilio.delivered == []
    client.force_login(ben)
    page = client.get("/volunteer/reach/").content.decode()
    assert "You have no phone number on your account, so we email you instead." in page
    assert "Add your phone number on My account" in page


def test_a_number_that_replied_stop_is_emailed_instead(twilio, ben, waiting, priya,
                                                       django_capture_on_commit_callbacks):
    TextOptOut.objects.create(phone_digest=phone_digest(BEN))
    choose(ben, "whatsapp")
    offer_to(waiting, priya, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["ben@example.org"]] and twilio.delivered == []
    assert "You replied STOP" in channels.route(ben).fallback


def test_a_phone_only_volunteer_is_texted_unless_stopped(twilio):
    imported = PersonFactory(display_name="Dot")
    imported.email, imported.phone = None, "+447911000009"  # as an import makes them
    imported.save()
    assert channels.preferred(imported) == "sms"
    assert channels.route(imported) == channels.Route("sms", "+447911000009")
    TextOptOut.objects.create(phone_digest=phone_digest("+447911000009"))
    way = channels.route(imported)
    assert way.channel == "sms" and way.fallback  # no other way: the outbox records the STOP
    channels.send([imported], subject="A task", template="requests/email/assigned.txt",
                  context={"link": "http://x/"})
    assert Message.objects.get(person=imported).error == outbox.STOPPED


# --- the page where a volunteer chooses


def test_a_volunteer_chooses_text_on_their_page_and_it_is_audited(client, ben):
    client.force_login(ben)
    page = client.get("/volunteer/reach/")
    assert page.status_code == 200 and page.context["form"]["channel"].value() == "email"
    answer = client.post("/volunteer/reach/", {"channel": "sms"}, follow=True)
    assert "Saved: we&#x27;ll reach you by text message." in answer.content.decode()
    assert ContactPreference.objects.get(person=ben).channel == "sms"
    event = AuditEvent.objects.get(action="kith.messaging.channel_chosen")
    assert event.old == {"channel": "email"} and event.new == {"channel": "sms"}
    client.post("/volunteer/reach/", {"channel": "sms"})  # again: nothing new
    assert AuditEvent.objects.filter(action="kith.messaging.channel_chosen").count() == 1


def test_no_email_means_email_is_refused_and_the_choice_kept(client, street, priya):
    dot = make_volunteer(street, priya, "Dot", "W10 5QA")
    type(dot).objects.filter(pk=dot.pk).update(email=None)
    dot.refresh_from_db()
    client.force_login(dot)
    answer = client.post("/volunteer/reach/", {"channel": "email"})
    html = answer.content.decode()
    assert answer.status_code == 200
    assert "You have no email address on your account, so we can&#x27;t email you." in html
    assert re.search(r'<input[^>]*value="email"[^>]*checked', html)  # what they chose, kept
    assert not ContactPreference.objects.exists()


# --- quiet hours


def _hours(starts="21:00", ends="08:00"):
    return QuietHours(starts=time.fromisoformat(starts), ends=time.fromisoformat(ends),
                      time_zone="Europe/London")


def _london(*args):
    return datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize("now, until", [
    (_london(2026, 12, 3, 20, 59), None),
    (_london(2026, 12, 3, 21, 0), _london(2026, 12, 4, 8, 0)),
    (_london(2026, 12, 3, 23, 59), _london(2026, 12, 4, 8, 0)),  # across midnight
    (_london(2026, 12, 4, 0, 30), _london(2026, 12, 4, 8, 0)),
    (_london(2026, 12, 4, 7, 59), _london(2026, 12, 4, 8, 0)),
    (_london(2026, 12, 4, 8, 0), None),
    (_london(2026, 12, 31, 22, 0), _london(2027, 1, 1, 8, 0)),  # across the year
])
def test_quiet_hours_across_midnight(now, until):
    assert quiet.hold_until(_hours(), now) == until


def test_quiet_hours_keep_to_the_wall_clock_when_the_clocks_change():
    # Spring forward (29 March 2026): 22:00 GMT to 08:00 BST is nine hours, ending 07:00 UTC.
    spring = quiet.hold_until(_hours(), datetime(2026, 3, 28, 22, 0, tzinfo=UTC))
    assert spring == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)
    assert spring.astimezone(LONDON).hour == 8
    # Fall back (25 October 2026): 21:30 BST to 08:00 GMT, ending 08:00 UTC.
    autumn = quiet.hold_until(_hours(), datetime(2026, 10, 24, 20, 30, tzinfo=UTC))
    assert autumn == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)
    # 20:30 UTC is 20:30 GMT in winter: not quiet yet; in summer it is 21:30 BST: quiet.
    assert quiet.hold_until(_hours(), datetime(2026, 12, 1, 20, 30, tzinfo=UTC)) is None


def test_quiet_hours_inside_one_day_and_none_at_all():
    lunch = _hours("13:00", "14:00")
    assert quiet.hold_until(lunch, _london(2026, 12, 3, 13, 30)) == _london(2026, 12, 3, 14, 0)
    assert quiet.hold_until(lunch, _london(2026, 12, 3, 23, 0)) is None
    assert quiet.hold_until(_hours("00:00", "00:00"), _london(2026, 12, 3, 23, 0)) is None


def test_the_default_is_nine_till_eight_london_time(settings, street):
    settings.KITH_QUIET_HOURS = "21:00-08:00"
    hours = quiet.hours_for(street)
    assert (hours.starts, hours.ends, hours.time_zone) == (time(21), time(8), "Europe/London")


def test_a_street_follows_the_quiet_hours_set_above_it_until_it_sets_its_own(
        settings, client, priya, borough, ward, street):
    settings.KITH_QUIET_HOURS = "21:00-08:00"
    quiet.set_hours(borough, starts=time(20), ends=time(9), acting_user=priya)
    assert (quiet.hours_for(street).starts, quiet.hours_for(street).ends) == (time(20), time(9))
    client.force_login(priya)
    page = client.get(reverse("groups:settings", args=[street.slug])).content.decode()
    assert f"These are the hours {escape(borough.name)} set" in page
    # Saving them unchanged keeps following the borough; a change is the street's own.
    quiet.set_hours(street, starts=time(20), ends=time(9), acting_user=priya)
    assert quiet.hours_for(street).group_id == borough.pk
    quiet.set_hours(street, starts=time(22), ends=time(7), acting_user=priya)
    assert (quiet.hours_for(street).starts, quiet.hours_for(street).ends) == (time(22), time(7))
    assert (quiet.hours_for(ward).starts, quiet.hours_for(borough).starts) == (time(20), time(20))
    page = client.get(reverse("groups:settings", args=[street.slug])).content.decode()
    assert "These are the hours" not in page


def test_a_text_in_quiet_hours_waits_until_they_end(twilio, tom, street, quiet_now,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        held = outbox.queue_text(to="+447911123456", body="Reminder", person=tom, group=street)
        email = outbox.queue_email(to="tom@example.org", subject="Reminder", person=tom,
                                   group=street, template="requests/email/released.txt",
                                   context={"req": None, "link": "", "why": ""})
    held.refresh_from_db()
    assert held.state == Message.State.QUEUED and held.next_attempt_at == quiet_now
    assert twilio.delivered == [] and outbox.send_one(held.pk) == ""  # not before it is due
    email.refresh_from_db()
    assert email.state == Message.State.SENT  # emails are not held
    Message.objects.filter(pk=held.pk).update(next_attempt_at=quiet_now - timedelta(hours=2))
    assert outbox.send_one(held.pk) == Message.State.SENT
    assert [t["body"] for t in twilio.delivered] == ["Reminder"]


def test_urgent_texts_and_answers_go_at_once(twilio, tom, street, quiet_now,
                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.queue_text(to="+447911123456", body="Safeguarding", group=street, urgent=True)
        outbox.queue_text(to="+447911123457", body="Your answer")  # a reply: no group
    assert sorted(t["body"] for t in twilio.delivered) == ["Safeguarding", "Your answer"]


def test_an_offer_for_today_goes_in_quiet_hours_and_one_for_later_waits(
        twilio, ben, waiting, priya, quiet_now, django_capture_on_commit_callbacks):
    choose(ben, "sms")
    offer = offer_to(waiting, priya, django_capture_on_commit_callbacks)
    assert twilio.delivered == []
    assert Message.objects.get(person=ben).next_attempt_at == quiet_now
    offer.delete()
    waiting.urgency = "today"
    waiting.save()
    Message.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        offers.offer_round(waiting, actor=priya)
    assert len(twilio.delivered) == 1 and twilio.delivered[0]["to"] == BEN


def test_a_coordinator_sets_quiet_hours_and_a_bad_time_keeps_what_was_typed(client, priya,
                                                                            street):
    client.force_login(priya)
    page = client.get(f"/g/{street.slug}/settings/")
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["services"] = form["services"].value() or []
    data["coverage"] = ", ".join(street.coverage or [])
    bad = client.post(f"/g/{street.slug}/settings/",
                      {**data, "quiet-starts": "25:00", "quiet-ends": "07:30"})
    html = bad.content.decode()
    assert bad.status_code == 200 and "Enter a time like 21:00." in html
    assert 'value="25:00"' in html and 'value="07:30"' in html
    assert not QuietHours.objects.exists()
    good = client.post(f"/g/{street.slug}/settings/",
                       {**data, "quiet-starts": "22:00", "quiet-ends": "07:30"})
    assert good.status_code == 302, good.content.decode()[:3000]
    hours = QuietHours.objects.get(group=street)
    assert (hours.starts, hours.ends) == (time(22), time(7, 30))
    event = AuditEvent.objects.get(action="kith.group.quiet_hours_changed")
    assert event.new == {"starts": "22:00", "ends": "07:30"}


# --- WhatsApp replies


def _inbound(client, data):
    signature = RequestValidator(TOKEN).compute_signature(f"http://testserver{INBOUND}", data)
    return client.post(INBOUND, data, HTTP_X_TWILIO_SIGNATURE=signature)


def test_yes_on_whatsapp_takes_the_offer_and_is_answered_on_whatsapp(
        client, settings, twilio, ben, waiting, priya, django_capture_on_commit_callbacks):
    settings.TWILIO_WHATSAPP_FROM = "whatsapp:+447700900002"
    choose(ben, "whatsapp")
    offer = offer_to(waiting, priya, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        answer = _inbound(client, {"MessageSid": "SM" + "7" * 32, "From": f"whatsapp:{BEN}",
                                   "Body": f"Yes {offer.pk}"})
    assert answer.status_code == 200
    waiting.refresh_from_db()
    assert waiting.state == lifecycle.ASSIGNED and waiting.current_assignment.volunteer == ben
    reply = twilio.delivered[-1]
    assert reply["to"] == f"whatsapp:{BEN}" and "It's yours" in reply["body"]
    assert f"/volunteer/tasks/{waiting.reference}/" in reply["body"]


def test_stop_on_whatsapp_stops_texts_too(client, twilio, ben, street):
    _inbound(client, {"MessageSid": "SM" + "6" * 32, "From": f"whatsapp:{BEN}", "Body": "STOP"})
    assert TextOptOut.objects.filter(phone_digest=phone_digest(BEN)).exists()
    assert outbox.queue_text(to=BEN, body="Hi", group=street).state == Message.State.FAILED
