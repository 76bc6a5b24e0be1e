"""Lone working: a volunteer on their way to an in-person task says how long it will take,
and Kith checks they came back safe.

The steps, each once (the stamps on CheckIn make the sweep idempotent):

1. "I'm on my way" (`do_start_visit`): the task starts and a check-in is set for then plus
   the time they gave (the group's usual visit length by default).
2. Due and not yet safe: the volunteer is asked, by their usual channel, to reply SAFE or
   tap "I'm safe, finished".
3. Still nothing after the group's grace: the coordinators are alerted (urgent, so quiet
   hours do not hold it back).
4. Still nothing after another grace: the safeguarding leads who handle the group (its
   own, or the nearest group above with one), or, with no lead anywhere above, the
   coordinators of the group above.

"I need help now" alerts coordinators and leads at once. Every step is audited.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kith.core.audit import log_action
from kith.core.links import site_url
from kith.groups.catalogue import needs_address
from kith.requests import notify
from kith.requests import services as request_services
from kith.requests.lifecycle import IN_PROGRESS, IllegalMove
from kith.requests.moves import add_event, locked
from kith.safeguarding import routing
from kith.safety import prescriptions
from kith.safety.models import CheckIn, SafetyPolicy

# How long "how do you know they're safe?" may be.
NOTE_MAX = 300  # the timeline keeps a note of up to 300

# What the volunteer may choose for "how long will it take?", in minutes.
DURATIONS = (30, 60, 90, 120, 180)


def in_person(service: str) -> bool:
    """Tasks that take a volunteer out and to someone's door: the ones needing a check-in."""
    return needs_address(service)


def open_check_in(assignment) -> CheckIn | None:
    return assignment.check_ins.filter(state=CheckIn.State.OPEN).first()


@transaction.atomic
def do_start_visit(req, *, acting_user, minutes: int | None = None, now=None) -> CheckIn | None:
    """The volunteer holding `req` is on their way. For an in-person task, a check-in is set
    for `minutes` from now (the group's usual visit length if not given)."""
    now = now or timezone.now()
    req = request_services.start(req, actor=acting_user)
    if not in_person(req.service):
        return None
    policy = SafetyPolicy.for_group(req.group)
    minutes = minutes if minutes in DURATIONS else policy.visit_minutes
    check_in = CheckIn.objects.create(group=req.group, assignment=req.current_assignment,
                                      volunteer=acting_user, started_at=now,
                                      due_at=now + timedelta(minutes=minutes))
    add_event(req, "check_in_set", actor=acting_user,
              note=_("Back by %(time)s") % {"time": timezone.localtime(check_in.due_at)
                                            .strftime("%H:%M")})
    log_action("kith.check_in.started", actor=acting_user, group=req.group, obj=check_in,
               new={"request": req.reference, "minutes": minutes})
    return check_in


def _lock(check_in: CheckIn) -> CheckIn:
    return CheckIn.objects.select_for_update().select_related(
        "assignment__request__group", "volunteer").get(pk=check_in.pk)


def _mine(check_in: CheckIn, person) -> None:
    if check_in.volunteer_id != person.pk:
        raise IllegalMove(_("This check-in is someone else's."))


@transaction.atomic
def do_mark_safe(check_in: CheckIn, *, acting_user, finish: bool = True, by_text: bool = False,
                 now=None) -> CheckIn:
    """"I'm safe, finished": the check-in closes and, with `finish`, the task is marked done
    if it is still under way. Saying it twice changes nothing. Safe after asking for help
    also closes it (the coordinators see it did)."""
    now = now or timezone.now()
    check_in = _lock(check_in)
    _mine(check_in, acting_user)
    if check_in.state == CheckIn.State.SAFE:
        return check_in
    was = check_in.state
    check_in.state, check_in.closed_at = CheckIn.State.SAFE, now
    check_in.save(update_fields=["state", "closed_at"])
    req = check_in.request
    add_event(req, "check_in_safe", actor=acting_user)
    log_action("kith.check_in.safe", actor=acting_user, group=check_in.group, obj=check_in,
               old={"state": was}, new={"state": CheckIn.State.SAFE, "by_text": by_text,
                                        "late": check_in.due_at < now})
    if check_in.alerted_at or check_in.help_at:
        _tell(check_in, _stood_down_people(check_in), "safe", urgent=True)
    req = locked(req)
    if finish and _may_finish(req, check_in):
        request_services.complete(req, actor=acting_user)
    return check_in


def _may_finish(req, check_in: CheckIn) -> bool:
    """Safe also finishes the task, unless: it is no longer theirs or under way, their role
    ended while they were out (safe, yes; the task is the coordinator's to settle), or a
    prescription is not yet handed over (they are safe, the bag is not)."""
    from kith.volunteers.policy import may_hold

    return (req.state == IN_PROGRESS and req.current_assignment == check_in.assignment
            and may_hold(check_in.volunteer, req.group, req.service)
            and not prescriptions.waiting_for_hand_over(req))


@transaction.atomic
def do_ask_for_help(check_in: CheckIn, *, acting_user, now=None) -> CheckIn:
    """"I need help now": the coordinators and the safeguarding leads are alerted at once."""
    now = now or timezone.now()
    check_in = _lock(check_in)
    _mine(check_in, acting_user)
    if check_in.help_at is None:
        check_in.state, check_in.help_at = CheckIn.State.HELP, now
        check_in.save(update_fields=["state", "help_at"])
        add_event(check_in.request, "check_in_help", actor=acting_user)
        log_action("kith.check_in.help", actor=acting_user, group=check_in.group, obj=check_in,
                   new={"request": check_in.request.reference})
        _tell(check_in, coordinators(check_in.group) + leads(check_in.group), "help",
              urgent=True)
    return check_in


# --- who is told


def coordinators(group) -> list:
    return notify.people_with_roles(group, "coordinator")


def leads(group) -> list:
    """The safeguarding leads who handle `group`: its own, or those of the nearest group up
    the tree with a lead (safeguarding.routing, the same routing its cases use). With no lead
    anywhere above, the coordinators of the nearest group above, so someone new is told."""
    found = routing.leads_for(group)
    if found:
        return found
    return above(group)


def escalation_people(group) -> list:
    """Who "still no word" tells: the leads, less the coordinators alerted already (a
    coordinator who is also the lead has been told once)."""
    told = {person.pk for person in coordinators(group)}
    return [person for person in leads(group) if person.pk not in told]


def above(group) -> list:
    """The coordinators of the nearest group above that has any."""
    for ancestor in group.ancestors():
        found = coordinators(ancestor)
        if found:
            return found
    return []


def help_follow_up_people(group) -> list:
    """"I need help now" and nobody has closed it: the leads again, and the group above."""
    return leads(group) + above(group)


def in_alert(check_in: CheckIn) -> bool:
    """Missed and the coordinators alerted, or "I need help now"; until it is closed."""
    return check_in.state != CheckIn.State.SAFE and bool(check_in.alerted_at or check_in.help_at)


def alerted_people(check_in: CheckIn) -> list:
    """Who has been alerted about this check-in so far (nobody before the alert)."""
    return _stood_down_people(check_in) if in_alert(check_in) else []


def _stood_down_people(check_in: CheckIn) -> list:
    """Everyone who was alerted about this check-in, for the all-clear."""
    people = coordinators(check_in.group)
    if check_in.escalated_at or check_in.help_at:
        people += leads(check_in.group)
    if check_in.help_followed_up_at:
        people += above(check_in.group)
    return people


def _unique(people) -> list:
    seen, found = set(), []
    for person in people:
        if person.pk not in seen:
            seen.add(person.pk)
            found.append(person)
    return found


SUBJECTS = {
    "ask": gettext_lazy("Are you safe?"),
    "missed": gettext_lazy("Missed check-in: a volunteer has not said they are safe"),
    "escalated": gettext_lazy("Missed check-in, still no word: safeguarding"),
    "help": gettext_lazy("A volunteer needs help now"),
    "safe": gettext_lazy("All clear: the volunteer is safe"),
    "closed": gettext_lazy("All clear: the volunteer is safe"),
    "help_again": gettext_lazy("Still needs help: nobody has said they reached the volunteer"),
}


def _tell(check_in: CheckIn, people, kind: str, *, urgent: bool) -> None:
    req = check_in.request
    link = (site_url(reverse("requests:task", args=[req.reference])) if kind == "ask"
            else site_url(reverse("safety:check_ins", args=[check_in.group.slug])))
    notify.send_later(_unique(people), group=check_in.group, urgent=urgent,
                      subject=str(SUBJECTS[kind]), template=f"safety/email/check_in_{kind}.txt",
                      context={"check_in": check_in, "req": req, "link": link,
                               "volunteer": check_in.volunteer, "group": check_in.group,
                               "safe_number": safe_number(check_in.volunteer)})


def safe_number(volunteer) -> str:
    """Where an emailed volunteer can text SAFE: Kith's number, only when this site sends
    texts and the volunteer has a mobile recorded (a SAFE text is matched to it). Else ""
    and the email says "tap the button" instead of a reply that would do nothing."""
    from django.conf import settings

    from kith.messaging.channels import can_text

    number = settings.TWILIO_FROM_NUMBER or ""
    return number if number and volunteer.phone_digest and can_text() else ""


# --- the sweep


def _step(check_in: CheckIn, stamp: str, now) -> bool:
    """Stamp `stamp` on an open check-in not yet stamped: exactly one sweep wins."""
    return bool(CheckIn.objects.filter(pk=check_in.pk, state=CheckIn.State.OPEN,
                                       **{f"{stamp}__isnull": True}).update(**{stamp: now}))


def sweep(now=None) -> dict[str, int]:
    """Ask, alert, escalate: each open check-in moves at most one step per sweep, so a
    sweep that was down for an hour does not tell everyone at once."""
    now = now or timezone.now()
    counts = {"check_ins_asked": 0, "check_ins_alerted": 0, "check_ins_escalated": 0,
              "check_ins_help_followed_up": 0}
    counts["check_ins_help_followed_up"] = _follow_up_help(now)
    due = (CheckIn.objects.filter(state=CheckIn.State.OPEN, due_at__lte=now,
                                  escalated_at__isnull=True)
           .select_related("group", "volunteer", "assignment__request"))
    for check_in in due:
        grace = timedelta(minutes=SafetyPolicy.for_group(check_in.group).grace_minutes)
        with transaction.atomic():
            if check_in.asked_at is None:
                if _step(check_in, "asked_at", now):
                    _tell(check_in, [check_in.volunteer], "ask", urgent=True)
                    _audit(check_in, "asked")
                    counts["check_ins_asked"] += 1
            elif check_in.alerted_at is None:
                if check_in.due_at + grace <= now and _step(check_in, "alerted_at", now):
                    _tell(check_in, coordinators(check_in.group), "missed", urgent=True)
                    _audit(check_in, "missed")
                    counts["check_ins_alerted"] += 1
            elif (check_in.escalated_at is None and check_in.alerted_at + grace <= now
                  and _step(check_in, "escalated_at", now)):
                _tell(check_in, escalation_people(check_in.group), "escalated", urgent=True)
                _audit(check_in, "escalated")
                counts["check_ins_escalated"] += 1
    return counts


def _follow_up_help(now) -> int:
    """"I need help now" that nobody has closed after the group's grace: told once more,
    to the leads and the group above (a stamp, won by one sweep)."""
    done = 0
    waiting = (CheckIn.objects.filter(state=CheckIn.State.HELP, help_followed_up_at__isnull=True)
               .select_related("group", "volunteer", "assignment__request"))
    for check_in in waiting:
        grace = timedelta(minutes=SafetyPolicy.for_group(check_in.group).grace_minutes)
        if check_in.help_at is None or check_in.help_at + grace > now:
            continue
        with transaction.atomic():
            if CheckIn.objects.filter(pk=check_in.pk, state=CheckIn.State.HELP,
                                      help_followed_up_at__isnull=True).update(
                                          help_followed_up_at=now):
                _tell(check_in, help_follow_up_people(check_in.group), "help_again",
                      urgent=True)
                _audit(check_in, "help_followed_up")
                done += 1
    return done


def _audit(check_in: CheckIn, step: str) -> None:
    add_event(check_in.request, f"check_in_{step}", actor=None)
    log_action(f"kith.check_in.{step}", actor=None, group=check_in.group, obj=check_in,
               new={"request": check_in.request.reference})


def open_for(person):
    """This volunteer's check-ins not yet closed as safe (the SAFE text closes them)."""
    return CheckIn.objects.filter(volunteer=person).exclude(state=CheckIn.State.SAFE)


@transaction.atomic
def do_start_task(req, *, acting_user, minutes: int | None = None) -> CheckIn | None:
    """"I'm on my way" from the task page: first the risk assessment for a first task of its
    kind must have been read, then the task starts (with a check-in when in person)."""
    from kith.safety.risk import to_read

    if to_read(acting_user, req) is not None:
        raise IllegalMove(_("Please read the safety notes below and say you have read them "
                            "first."))
    return do_start_visit(req, acting_user=acting_user, minutes=minutes)


@transaction.atomic
def do_finish_task(req, *, acting_user, note: str = "") -> None:
    """"It's done" from the task page: the task is done, and an open check-in closes as safe
    (they are telling us themselves). A prescription must be handed over first."""
    if prescriptions.waiting_for_hand_over(req):
        raise IllegalMove(str(prescriptions.NOT_HANDED_OVER))
    req = request_services.complete(req, actor=acting_user, note=note)
    assignment = req.assignments.filter(volunteer=acting_user).order_by("-assigned_at").first()
    check_in = (CheckIn.objects.filter(assignment=assignment)
                .exclude(state=CheckIn.State.SAFE).first())
    if check_in is not None:
        do_mark_safe(check_in, acting_user=acting_user, finish=False)


@transaction.atomic
def do_give_back_task(req, *, acting_user, note: str) -> None:
    """"I can't do this" from the task page: the task goes back, and an open check-in closes
    as safe, since they are telling us themselves (the page would be shut to them after)."""
    assignment = req.current_assignment
    request_services.hand_back(req, actor=acting_user, note=note)
    check_in = (CheckIn.objects.filter(assignment=assignment, volunteer=acting_user)
                .exclude(state=CheckIn.State.SAFE).first())
    if check_in is not None:
        do_mark_safe(check_in, acting_user=acting_user, finish=False)


@transaction.atomic
def do_close_check_in(check_in: CheckIn, *, acting_user, note: str, now=None) -> CheckIn:
    """A coordinator or safeguarding lead reached the volunteer and knows they are safe: the
    check-in closes and nobody else is alerted. `note` says how they know (audited)."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise IllegalMove(_("Say how you know they are safe (for example: rang them, all "
                            "fine)."))
    if len(note) > NOTE_MAX:
        raise IllegalMove(_("Keep it to a few words: %(max)d characters at most (this was "
                            "%(n)d).") % {"max": NOTE_MAX, "n": len(note)})
    check_in = _lock(check_in)
    if check_in.state == CheckIn.State.SAFE:
        return check_in
    was = check_in.state
    check_in.state, check_in.closed_at = CheckIn.State.SAFE, now
    check_in.save(update_fields=["state", "closed_at"])
    add_event(check_in.request, "check_in_closed", actor=acting_user, note=note)
    log_action("kith.check_in.closed", actor=acting_user, group=check_in.group, obj=check_in,
               old={"state": was}, new={"state": CheckIn.State.SAFE, "note": note})
    if check_in.alerted_at or check_in.help_at:  # stand down everyone who was alerted
        _tell(check_in, _stood_down_people(check_in), "closed", urgent=True)
    return check_in


def reply_safe(person) -> tuple[int, int]:
    """A SAFE text from a volunteer: every check-in of theirs still open closes, and each task
    that may be finished (`_may_finish`) is marked done. Returns (closed, left open)."""
    closed = left_open = 0
    for check_in in CheckIn.objects.filter(volunteer=person).exclude(state=CheckIn.State.SAFE):
        do_mark_safe(check_in, acting_user=person, by_text=True)
        closed += 1
        left_open += check_in.request.state == IN_PROGRESS
    return closed, left_open


def texted_by(digest: str):
    """The volunteer with a check-in open whose own recorded mobile this is: someone Kith
    emails still texts SAFE from their phone. None unless exactly one such person."""
    if not digest:
        return None
    people = {c.volunteer for c in open_for_any().filter(volunteer__phone_digest=digest)
              .select_related("volunteer")}
    return people.pop() if len(people) == 1 else None


def out_now(person, group) -> bool:
    """Has `person` a check-in open in `group` (out on a task, not yet said safe)?"""
    return open_for(person).filter(group=group).exists()


def open_for_any():
    return CheckIn.objects.exclude(state=CheckIn.State.SAFE)
