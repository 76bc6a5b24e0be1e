"""Calls and texts that hide both numbers: a volunteer and the resident they help reach each
other through the group's number, and only while the task is open.

- A volunteer calls the group's number: with one open task Kith dials that resident, showing
  the number that was called (the group's) as the caller, so neither sees the other's number.
  With several, a spoken menu ("Press 1 for shopping for Mrs Ahmed") and the digit dials.
- A volunteer texts the group's number: with one open task the text goes on to that resident
  from the group's number ("From your volunteer Tom: ..."); with several, the text starts
  with the task's reference. A resident's text, while their request has a volunteer, goes on
  to that volunteer ("From Mrs Ahmed (K7Q-2XB): ...") and still lands as a note for the call
  handlers, as every resident's reply does (replies.resident_note).
- "Open" is the assignment itself: not ended (done, handed back, taken off, cancelled, put on
  hold) and the volunteer still standing in the role it needs (volunteers.policy.may_hold),
  the same rule every grant asks. The task page keeps the address for a day after "done";
  calls and texts stop at once, since a finished task needs no more contact.
- Every bridged call and relayed text is in the group's access log (the volunteer, the
  resident, why) and its audit trail. A resident's number is opened only through
  privacy.reveal(), under a grant of this one open task.

Who is calling is found by the number's digest: `Person.phone_digest` for a volunteer (among
those holding a task now or ended one lately, so a stranger's number matches nobody),
`Resident.phone_digest` for a resident.

Each call is kept once by its CallSid as an `InboundText` (no new table), so a replayed
webhook is answered without the resident's number and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kith.core.audit import log_action
from kith.core.digest import phone_digest
from kith.core.privacy import record_use, reveal
from kith.messaging.models import InboundText, Message
from kith.messaging.outbox import queue_text
from kith.messaging.providers import opened

if TYPE_CHECKING:
    from kith.requests.models import Assignment

# A volunteer whose task ended this recently is told why Kith no longer connects them;
# anyone else gets the answer for a stranger.
RECENT = timedelta(days=14)
RING_SECONDS = 30  # how long the resident's phone rings before the volunteer hears "no answer"
MENU_MAX = 9  # one key each
TEXT_MAX = 900  # what is passed on; longer texts are cut (six text messages' worth)
LANGUAGE = "en-GB"


# --- who is calling, and their open tasks


@dataclass(frozen=True)
class OpenTask:
    """The grant privacy.reveal() takes: this volunteer may have this resident's number
    opened for them, while this task is open. Stricter than the task page's grant (no day
    after "done")."""

    assignment: Assignment

    def allows(self, viewer, subject) -> bool:
        a = self.assignment
        return (type(subject).__name__ == "Resident" and subject.pk == a.request.resident_id
                and viewer.pk == a.volunteer_id and a.ended_at is None)


def volunteer_at(number: str):
    """The volunteer whose own phone is this number, among those holding a task now or
    lately (a stranger's number matches nobody); None if none, or not a UK number."""
    from django.core.exceptions import ValidationError

    from kith.accounts.models import Person
    from kith.core.phones import normalise_uk_phone
    from kith.requests.models import Assignment

    try:
        digest = phone_digest(normalise_uk_phone(number or ""))
    except ValidationError:
        return None
    if not digest:
        return None
    since = timezone.now() - RECENT
    ids = Assignment.objects.filter(Q(ended_at__isnull=True) | Q(ended_at__gte=since)).values(
        "volunteer_id")
    # Two people may share a number (a couple's phone): the one with work now wins.
    return (Person.objects.filter(pk__in=ids, is_active=True, phone_digest=digest)
            .order_by("pk").first())


def volunteer_calling(digest: str):
    """An active person at this number who volunteers in some group, task or not: told they
    have no task rather than taken for a stranger. Only for calls (a text from them with no
    task gets the usual answers, and a resident sharing the number keeps their relay)."""
    from kith.accounts.models import Person

    if not digest:
        return None
    return (Person.objects.filter(phone_digest=digest, is_active=True,
                                  memberships__is_volunteer=True)
            .distinct().order_by("pk").first())


def open_tasks(person) -> list:
    """The person's open tasks, oldest first (the menu's order)."""
    from kith.requests import lifecycle
    from kith.requests.models import Assignment
    from kith.volunteers.policy import may_hold

    held = (Assignment.objects.filter(volunteer=person, ended_at__isnull=True,
                                      request__state__in=lifecycle.HELD)
            .select_related("request__resident", "request__group", "volunteer")
            .order_by("assigned_at", "pk"))
    return [a for a in held if may_hold(person, a.request.group, a.request.service)]


def last_ended(person):
    """Their task that ended most recently, within RECENT; None if none."""
    from kith.requests.models import Assignment

    return (Assignment.objects.filter(volunteer=person, ended_at__gte=timezone.now() - RECENT)
            .select_related("request__resident", "request__group").order_by("-ended_at").first())


def resident_task(digest: str):
    """The one open task of the resident (or residents sharing a phone) at this number; None
    when there is none, or more than one (Kith cannot tell which volunteer a text is for)."""
    from kith.requests import lifecycle
    from kith.requests.models import Assignment
    from kith.volunteers.policy import may_hold

    if not digest:
        return None
    held = (Assignment.objects.filter(request__resident__phone_digest=digest,
                                      ended_at__isnull=True, request__state__in=lifecycle.HELD)
            .select_related("request__resident", "request__group", "volunteer")[:2])
    found = [a for a in held if may_hold(a.volunteer, a.request.group, a.request.service)]
    return found[0] if len(held) == 1 and found else None


def first_name(name: str) -> str:
    from kith.requests.listing import short_name

    return short_name(name or "")


def spelt(reference: str) -> str:
    """"K 7 Q, 2 X B": a reference read out so it can be told apart by ear."""
    return ", ".join(" ".join(part) for part in reference.split("-"))


def needed_day(assignment) -> str:
    """"Tuesday 8 December": the day the request is needed by; "" if none was given."""
    from django.utils.formats import date_format

    needed = assignment.request.needed_by
    return date_format(timezone.localtime(needed), "l j F") if needed else ""


def told_apart(tasks: list) -> list[str]:
    """What the menu names each task by: describe(), and where two would sound the same, the
    day each is needed (when that differs between them), else the reference spelt out."""
    names = [describe(a) for a in tasks]
    result = []
    for a, name in zip(tasks, names, strict=True):
        same = [b for b, other in zip(tasks, names, strict=True) if other == name]
        day = needed_day(a)
        if len(same) == 1:
            result.append(name)
        elif day and [needed_day(b) for b in same].count(day) == 1:
            result.append(_("%(task)s, needed %(day)s") % {"task": name, "day": day})
        else:
            result.append(_("%(task)s, reference %(reference)s")
                          % {"task": name, "reference": spelt(a.request.reference)})
    return result


def describe(assignment) -> str:
    """"shopping for Mrs Ahmed": what a menu or a refusal names a task by."""
    req = assignment.request
    return _("%(service)s for %(name)s") % {"service": req.get_service_display().lower(),
                                            "name": first_name(req.resident.name)}


def resident_number(assignment, purpose: str) -> str | None:
    """The resident's number, opened for the volunteer under this open task's grant: writes
    the access row (the volunteer, the resident, "phone", why). None if none is recorded."""
    req = assignment.request
    return reveal(req.resident, "phone", viewer=assignment.volunteer, group=req.group,
                  reason=f"{purpose} (task {req.reference})", grant=OpenTask(assignment))


def spoken_line(group) -> str:
    """The group's public line (or the nearest above it), read out digit by digit."""
    from django.core.exceptions import ValidationError

    from kith.core.phones import display_phone, normalise_uk_phone
    from kith.groups.contact import worried_contact

    line = worried_contact(group)["line"]
    if line is None:
        return ""
    try:
        national = display_phone(normalise_uk_phone(line.phone))  # "020 7946 0100"
    except ValidationError:
        national = line.phone
    # Digit by digit, a pause between the groups, as people read a number out: never the
    # stored +44 form, which nobody could dial back from hearing it.
    return ", ".join(" ".join(ch for ch in part if ch.isdigit())
                     for part in national.split() if any(ch.isdigit() for ch in part))


# --- calls


def _voice():
    from twilio.twiml.voice_response import VoiceResponse

    return VoiceResponse()


def _said(words: str) -> str:
    response = _voice()
    response.say(words, language=LANGUAGE)
    response.hangup()
    return str(response)


def _kept(sid: str, digest: str, action: str) -> bool:
    """Keep this call (or this step of it) once; False if it was kept already (a replay)."""
    try:
        with transaction.atomic():
            InboundText.objects.create(provider_id=sid[:64], from_digest=digest, body="call",
                                       action=action)
    except IntegrityError:
        return False
    return True


def _replayed() -> str:
    return _said(_("This call has already been answered. Goodbye."))


def answer_call(sid: str, caller: str, called: str) -> str:
    """TwiML for a call to the group's number (`called`) from `caller`."""
    digest = phone_digest(caller)
    if not sid:
        return _said(_("Sorry, something went wrong. Please call again."))
    volunteer = volunteer_at(caller)
    if volunteer is None:
        return _from_someone_else(sid, digest)
    tasks = open_tasks(volunteer)
    kind = "call_menu" if len(tasks) > 1 else "call" if tasks else "call_refused"
    with transaction.atomic():
        if not _kept(sid, digest, kind):
            return _replayed()
        if len(tasks) > 1:
            return _menu(tasks)
        if not tasks:
            return _said(_no_task(volunteer))
        return _bridge(tasks[0], called, sid)


def answer_choice(sid: str, caller: str, called: str, digits: str, offered: list[int]) -> str:
    """TwiML for the key pressed at the menu. `offered` are the assignments the menu read out,
    in its order (carried in the signed address, so the keys mean what the caller heard)."""
    volunteer = volunteer_at(caller)
    if volunteer is None and sid and (known := volunteer_calling(phone_digest(caller))):
        return _said(_no_task(known))  # their last task ended while the menu was read out
    if volunteer is None or not sid:
        return _said(_("Sorry, Kith does not know the number you are calling from. Goodbye."))
    tasks = {a.pk: a for a in open_tasks(volunteer)}
    still = [tasks[pk] for pk in offered if pk in tasks]
    index = int(digits) - 1 if digits.isdigit() else -1
    if not 0 <= index < len(offered):
        return _menu(still, _("That is not one of the choices.")) if still else _said(
            _no_task(volunteer))
    chosen = tasks.get(offered[index])
    if chosen is None:
        return _said(_("That task is no longer yours, so Kith cannot connect you. Goodbye."))
    with transaction.atomic():
        if not _kept(f"{sid}:dial", phone_digest(caller), "call"):
            return _replayed()
        return _bridge(chosen, called, f"{sid}:dial")


def _bridge(assignment, called: str, kept_as: str) -> str:
    """Dial the resident with the group's number as the caller; log the access and the call."""
    req = assignment.request
    number = resident_number(assignment, "Bridged call")
    if not number:
        InboundText.objects.filter(provider_id=kept_as[:64]).update(action="call_no_phone")
        return _said(_("Kith has no phone number for %(name)s. Your task page says what to do "
                       "next. Goodbye.") % {"name": first_name(req.resident.name)})
    InboundText.objects.filter(provider_id=kept_as[:64]).update(action="call_bridged")
    log_action("kith.messaging.call_bridged", actor=assignment.volunteer, group=req.group,
               obj=req, new={"volunteer": assignment.volunteer_id, "resident": req.resident_id})
    response = _voice()
    response.say(_("Connecting you to %(name)s. They will see the group's number, not yours.")
                 % {"name": first_name(req.resident.name)}, language=LANGUAGE)
    dial = response.dial(caller_id=called or settings.TWILIO_FROM_NUMBER,
                         timeout=RING_SECONDS, answer_on_bridge=True)
    dial.number(number)
    # Heard when the resident hangs up first, or did not answer: true for both.
    response.say(_("The call has ended. If %(name)s did not answer, you can try again later, "
                   "or send a text to this number. Goodbye.")
                 % {"name": first_name(req.resident.name)}, language=LANGUAGE)
    return str(response)


def _menu(tasks: list, before: str = "") -> str:
    tasks = tasks[:MENU_MAX]
    action = reverse("messaging:twilio_voice_choice") + "?" + urlencode(
        {"tasks": ",".join(str(a.pk) for a in tasks)})
    response = _voice()
    gather = response.gather(num_digits=1, action=action, method="POST", timeout=8)
    words = [before] if before else []
    words += [_("You have %(n)s open tasks.") % {"n": len(tasks)}]
    words += [_("Press %(key)s for %(task)s.") % {"key": n, "task": name}
              for n, name in enumerate(told_apart(tasks), start=1)]
    gather.say(" ".join(words), language=LANGUAGE)
    response.say(_("We did not hear a choice. Goodbye."), language=LANGUAGE)
    return str(response)


def _volunteers_group(volunteer):
    """The first group they volunteer in, for its line; None if none."""
    from kith.groups.models import Group

    return (Group.objects.filter(memberships__person=volunteer, memberships__is_volunteer=True)
            .order_by("pk").first())


def _no_task(volunteer) -> str:
    ended = last_ended(volunteer)
    if ended is None:
        words = _("You have no open task to call about, so Kith cannot connect you to anyone. "
                  "When you have one, call or text this number to reach the person you are "
                  "helping.")
        group = _volunteers_group(volunteer)
        line = spoken_line(group) if group is not None else ""
    else:
        words = _("Your task, %(task)s, has finished, so Kith no longer connects you. Thank "
                  "you for helping.") % {"task": describe(ended)}
        line = spoken_line(ended.request.group)
    if line:
        words += " " + _("If something worries you, call the group on %(line)s.") % {"line": line}
    return words


def _from_someone_else(sid: str, digest: str) -> str:
    """A resident calling is put through to their group's line if it has one (they are
    ringing the group, and call handlers there see who is calling, as on any call to that
    line); otherwise told how to reach the group. A volunteer with no task lately hears
    that (nothing they do not know: no name, their own group's line); a stranger hears what
    the number is for."""
    from kith.residents.models import Resident

    resident = (Resident.objects.filter(phone_digest=digest).select_related("group")
                .order_by("-pk").first() if digest else None)
    volunteer = volunteer_calling(digest) if resident is None else None
    kind = "call_resident" if resident else "call_refused" if volunteer else "call_unknown"
    if not _kept(sid, digest, kind):
        return _replayed()
    if volunteer is not None:
        return _said(_no_task(volunteer))
    if resident is None:
        return _said(_("Sorry, Kith does not know the number you are calling from. This number "
                       "connects volunteers with the people they help. Goodbye."))
    group = resident.group
    line = _line_to_dial(group)
    if line:
        response = _voice()
        response.say(_("Putting you through to %(group)s.") % {"group": group.name},
                     language=LANGUAGE)
        response.dial(line, timeout=RING_SECONDS)
        return str(response)
    return _said(_("Thank you for calling %(group)s. Nobody answers calls on this number. To "
                   "reach us, send a text to this number, or call the number we gave you.")
                 % {"group": group.name})


def _line_to_dial(group) -> str:
    """The group's public line in E.164, unless it is this very number (a loop) or none."""
    from django.core.exceptions import ValidationError

    from kith.core.phones import normalise_uk_phone
    from kith.groups.contact import worried_contact

    line = worried_contact(group)["line"]
    if line is None:
        return ""
    try:
        number = normalise_uk_phone(line.phone)
    except ValidationError:
        return ""
    return "" if number == settings.TWILIO_FROM_NUMBER else number


# --- texts


def relay_text(number: str, digest: str, body: str) -> str | None:
    """Pass a text on if it is a volunteer's or a resident's about an open task; returns what
    was done, or None when the text is not for relaying (replies.receive carries on)."""
    volunteer = volunteer_at(number)
    if volunteer is not None:
        return _from_volunteer(volunteer, number, body)
    assignment = resident_task(digest)
    if assignment is None:
        return None
    return _from_resident(assignment, digest, body)


def _tell(number: str, volunteer, words: str) -> None:
    queue_text(to=number, body=words, person=volunteer, template="reply")


def _from_volunteer(volunteer, number: str, body: str) -> str | None:
    tasks = open_tasks(volunteer)
    if not tasks:
        ended = last_ended(volunteer)
        if ended is None:
            return None  # no task to speak of: the usual answers apply
        _tell(number, volunteer, _(
            "Kith here. Your task, %(task)s, has finished, so we no longer pass texts on. Thank "
            "you for helping. If something worries you, call your group.")
            % {"task": describe(ended)})
        return "relay_closed"
    chosen, words = pick(tasks, body)
    if chosen is None:
        _tell(number, volunteer, _(
            "Kith here. You have %(n)s open tasks, so start your text with the task's "
            "reference: %(list)s.") % {"n": len(tasks), "list": "; ".join(
                f"{a.request.reference} {describe(a)}" for a in tasks[:MENU_MAX])})
        return "relay_which"
    if not words:
        _tell(number, volunteer, _("Kith here. Your text was empty, so nothing was passed on."))
        return "relay_empty"
    req = chosen.request
    with transaction.atomic():
        to = resident_number(chosen, "Relayed text")
        if not to:
            _tell(number, volunteer, _("Kith here. We have no phone number for %(name)s. Your "
                                       "task page says what to do next.")
                  % {"name": first_name(req.resident.name)})
            return "relay_no_phone"
        name = first_name(volunteer.display_name)
        said = (_("From your volunteer %(name)s: %(text)s") % {"name": name, "text": words}
                if name else _("From your volunteer: %(text)s") % {"text": words})
        from kith.requests.notify import task_due_today

        # A resident's phone stays quiet at night unless the task is for today: a volunteer's
        # "see you Thursday" can wait until morning, "I'm outside" cannot. The volunteer is told.
        sent = queue_text(to=to, resident=req.resident, group=req.group, template="relay",
                          body=said, urgent=task_due_today(chosen))
        if sent is not None and sent.state == Message.State.FAILED:
            # They asked not to be sent texts passed on (kith.transparency): the volunteer
            # hears so at once, rather than waiting for an answer that cannot come.
            _tell(number, volunteer, _("Kith here. %(name)s has asked not to get texts passed "
                                       "on, so yours was not sent. Call them through Kith "
                                       "instead.") % {"name": first_name(req.resident.name)})
            return "relay_stopped"
        if sent is not None and sent.next_attempt_at is not None:
            _tell(number, volunteer, _("Kith here. Passed on at %(time)s (quiet hours).")
                  % {"time": f"{timezone.localtime(sent.next_attempt_at):%H:%M}"})
        log_action("kith.messaging.text_relayed", actor=volunteer, group=req.group, obj=req,
                   new={"volunteer": volunteer.pk, "resident": req.resident_id})
    return "relayed"


def pick(tasks: list, body: str):
    """(task, words): the one open task, or the one whose reference starts the text (then cut
    off); (None, body) when Kith cannot tell."""
    from kith.requests.intake import normalise_reference

    text = " ".join(body.split())[:TEXT_MAX]
    words = text.split(" ")
    by_reference = {a.request.reference: a for a in tasks}
    for size in (1, 2):  # "K7Q-2XB ..." or "k7q 2xb ..."
        said = normalise_reference("".join(words[:size]))
        if said in by_reference:
            return by_reference[said], " ".join(words[size:])
    return (tasks[0], text) if len(tasks) == 1 else (None, text)


def _volunteer_number(volunteer) -> str:
    from django.core.exceptions import ValidationError

    from kith.core.phones import normalise_uk_phone

    try:
        return normalise_uk_phone(opened(volunteer.phone)) if volunteer.phone else ""
    except ValidationError:
        return ""


def _from_resident(assignment, digest: str, body: str) -> str | None:
    """On to their volunteer, and a note on the request as every resident's reply is."""
    from kith.messaging.replies import resident_note

    req, volunteer = assignment.request, assignment.volunteer
    text = " ".join(body.split())[:TEXT_MAX]
    with transaction.atomic():
        note = resident_note(body, digest)
        to = _volunteer_number(volunteer)
        if not to or not text:
            return note
        record_use(req.resident, "text", viewer=volunteer, group=req.group,
                   reason=f"Relayed text from them (task {req.reference})")
        # At once, even at night: the volunteer chose texts for their task.
        queue_text(to=to, person=volunteer, group=req.group, template="relay", urgent=True,
                   body=_("From %(name)s (%(reference)s): %(text)s")
                   % {"name": first_name(req.resident.name), "reference": req.reference,
                      "text": text})
        log_action("kith.messaging.text_relayed", actor=None, group=req.group, obj=req,
                   new={"by_resident": True, "volunteer": volunteer.pk,
                        "resident": req.resident_id})
    return "note_relayed" if note else "relayed"
