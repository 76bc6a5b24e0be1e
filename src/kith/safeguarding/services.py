"""Every change to a safeguarding case: one function per step, each one transaction with its
audit row. The audit rows name what changed, never what was written about anyone (the sealed
fields are masked by core.audit; free text the lead types is recorded only as "changed").

Anonymous reports (the default) are written so the reporter is stored nowhere: no person on the
case, the audit row's actor is None and it carries no request id (core.middleware.untraced), and
the alert to the leads says only that there is a case, with a link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core.audit import log_action
from kith.core.mail import site_url
from kith.core.middleware import untraced
from kith.core.privacy import same_as_sealed
from kith.safeguarding.models import Case, CaseAction, CaseTold, IcoDecision
from kith.safeguarding.routing import handling_group, leads_for

DOUBLE_POST = timedelta(minutes=2)


class CaseRefused(ValueError):
    """A step that cannot be taken, with words to show the lead."""


@dataclass(frozen=True)
class Report:
    """What someone reported. `named` is the member who chose to put their name to it (None:
    anonymous). `contact` only if they asked to be contacted; `victim` only with the victim's
    permission (victim_consent "yes")."""

    kind: str
    urgency: str
    what_happened: str
    source: str
    named: object = None
    contact: str = ""
    victim_consent: str = Case.VictimConsent.NOT_ASKED
    victim: str = ""
    request: object = None
    resident: object = None


def _check_report(group, report: Report) -> None:
    if report.victim and report.victim_consent != Case.VictimConsent.YES:
        raise CaseRefused(_("Leave out who was hurt unless they agreed their details may be "
                            "shared."))
    for linked in (report.request, report.resident):
        if linked is not None and linked.group_id != group.pk:
            raise CaseRefused(_("That request or resident belongs to another group."))


@transaction.atomic
def report_incident(group, report: Report) -> Case:
    """A new case from a report. Anonymous unless `report.named`: then nothing anywhere says
    who sent it (see the module's note)."""
    _check_report(group, report)
    resident = report.resident or (report.request.resident if report.request else None)
    case = Case.objects.create(
        group=group, kind=report.kind, urgency=report.urgency, source=report.source,
        what_happened=report.what_happened or None, reporter=report.named,
        contact=report.contact or None, victim_consent=report.victim_consent,
        victim=report.victim or None, request=report.request, resident=resident)
    # The trail is read by coordinators too, who may know only that a case exists: how it came
    # in, never what it is about.
    audit = {"source": case.source, "anonymous": report.named is None,
             "asked_to_be_contacted": bool(report.contact),
             "victim_consent": case.victim_consent}
    if report.named is None:
        with untraced():
            log_action("kith.case.reported", actor=None, group=group, obj=case, new=audit)
    else:
        log_action("kith.case.reported", actor=report.named, group=group, obj=case, new=audit)
    alert_leads(case)
    return case


@transaction.atomic
def open_from_request(req, note: str, *, source: str, actor) -> Case:
    """An escalated request (or a concern on its check-up call) becomes a case for the leads;
    one open case per request, so a further concern is added to the open one."""
    existing = Case.objects.filter(request=req).exclude(state=Case.State.CLOSED).first()
    if existing is not None:
        return add_concern(existing, note, source=source, actor=actor)
    case = Case.objects.create(
        group=req.group, kind=Case.Kind.ABUSE_OF_RESIDENT if source == Case.Source.CHECK_UP
        else Case.Kind.SAFETY_RISK, urgency=Case.Urgency.NOW, source=source,
        what_happened=note or None, reporter=actor if getattr(actor, "is_authenticated", False)
        else None, request=req, resident=req.resident)
    log_action("kith.case.opened", actor=actor, group=req.group, obj=case,
               new={"request": req.reference, "source": source})
    alert_leads(case)
    return case


@transaction.atomic
def open_from_call(callback, note: str, *, actor) -> Case:
    """A concern on a check-in call with no request behind it."""
    case = Case.objects.create(
        group=callback.group, kind=Case.Kind.ABUSE_OF_RESIDENT, urgency=Case.Urgency.NOW,
        source=Case.Source.CHECK_UP, what_happened=note or None, resident=callback.resident,
        reporter=actor if getattr(actor, "is_authenticated", False) else None)
    log_action("kith.case.opened", actor=actor, group=callback.group, obj=case,
               new={"callback": callback.pk, "source": Case.Source.CHECK_UP})
    alert_leads(case)
    return case


@transaction.atomic
def add_concern(case: Case, note: str, *, source: str, actor) -> Case:
    """A further concern about an open case's request: a dated paragraph added to the sealed
    report (so nothing said is lost), and the leads are told again."""
    case = _locked(case)
    if note.strip():
        when = timezone.localtime().strftime("%d %b %Y, %H:%M")
        heading = _("Further concern, %(when)s:") % {"when": when}
        # Opened only to add to it, in this transaction; nobody sees it here, so no access row.
        earlier = case.what_happened._open() if case.what_happened else ""
        case.what_happened = "\n\n".join(
            part for part in (earlier, f"{heading}\n{note.strip()}") if part)
    if case.urgency != Case.Urgency.NOW:
        case.urgency = Case.Urgency.NOW
    case.save(update_fields=["what_happened", "urgency"])
    # That there was another concern and where from, never what it said.
    log_action("kith.case.concern_added", actor=actor, group=case.group, obj=case,
               new={"source": source})
    alert_leads(case, again=True)
    return case


def alert_leads(case: Case, *, again: bool = False) -> None:
    """Tell the leads who handle the case that it exists: no details, only a link (urgent ones
    skip quiet hours). With no lead on the way up, the coordinators are asked to name one."""
    from kith.requests.notify import people_with_roles, send_later

    link = site_url(reverse("safeguarding:case", args=[case.group.slug, case.pk]))
    leads = leads_for(case.group)
    # "Someone may be at risk now" says so first, as the missed check-in alerts do: in a full
    # inbox it must not read like any other case.
    urgent = case.urgency == Case.Urgency.NOW
    if leads:
        if urgent:
            subject = (_("URGENT safeguarding: a further concern on case %(number)s, someone "
                         "may be at risk now") if again
                       else _("URGENT safeguarding: someone may be at risk now, case %(number)s "
                              "in %(group)s"))
        else:
            subject = (_("Safeguarding: a further concern on case %(number)s") if again
                       else _("Safeguarding: a new case in %(group)s"))
        send_later(leads, group=handling_group(case.group), urgent=urgent,
                   subject=subject % {"group": case.group.name, "number": case.number},
                   template="safeguarding/email/new_case.txt",
                   context={"group": case.group.name, "number": case.number, "link": link,
                            "again": again, "urgent": urgent})
        return
    send_later(people_with_roles(case.group, "coordinator"), group=case.group, urgent=True,
               subject=(_("URGENT safeguarding: someone may be at risk now and no lead can see "
                          "it") if urgent
                        else _("Safeguarding: a case is waiting and no lead can see it")),
               template="safeguarding/email/no_lead.txt",
               context={"group": case.group.name, "number": case.number, "urgent": urgent,
                        "link": site_url(reverse("groups:members", args=[case.group.slug]))})


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _open_only(case: Case) -> None:
    if not case.is_open:
        raise CaseRefused(_("This case is closed."))


def _same(obj, name: str, value: str) -> bool:
    held = getattr(obj, name)
    if name in SEALED_NOTES:  # compared sealed: opened only to compare, never shown
        return same_as_sealed(held, value)
    return held == value


# What the leads write, sealed like the report (models.py).
SEALED_NOTES = {"triage_note", "outcome", "prevention", "prevention_owner", "what"}


@transaction.atomic
def triage(case: Case, *, actor, kind: str, urgency: str, risk: str, triage_note: str) -> Case:
    """The lead's first look (or a later one): what kind of case, how urgent, how risky.
    Saved again unchanged, nothing is written."""
    case = _locked(case)
    _open_only(case)
    given = {"kind": kind, "urgency": urgency, "risk": risk, "triage_note": triage_note}
    changed = sorted(name for name, value in given.items() if not _same(case, name, value))
    if not changed and case.state == Case.State.OPEN:
        return case
    old_state = case.state
    for name, value in given.items():
        setattr(case, name, value)
    case.state, case.triaged_at, case.triaged_by = Case.State.OPEN, timezone.now(), actor
    case.save()
    # Which answers changed, not what they are now (see report_incident).
    log_action("kith.case.triaged", actor=actor, group=case.group, obj=case,
               old={"state": old_state}, new={"state": case.state, "changed": changed})
    return case


@transaction.atomic
def add_action(case: Case, *, actor, what: str, owner=None, due_on: date | None = None
               ) -> CaseAction:
    case = _locked(case)
    _open_only(case)
    # The same action posted twice (a double press, a resent form) is one action.
    recent = case.actions.filter(owner=owner, due_on=due_on, created_by=actor,
                                 created_at__gte=timezone.now() - DOUBLE_POST)
    twin = next((earlier for earlier in recent if _same(earlier, "what", what)), None)
    if twin is not None:
        return twin
    action = CaseAction.objects.create(case=case, what=what, owner=owner, due_on=due_on,
                                       created_by=actor)
    log_action("kith.case.action_added", actor=actor, group=case.group, obj=case,
               new={"action": action.pk, "owner": owner.pk if owner else None,
                    "due_on": due_on.isoformat() if due_on else None})
    if owner is not None and owner != actor:
        tell_owner(action, what=what, actor=actor)
    return action


def tell_owner(action: CaseAction, *, what: str, actor) -> None:
    """The action's owner is sent its words (the lead wrote them for the owner to read), when
    it is due and who gave it; nothing of the case's report. An owner who cannot open the case
    (a coordinator) is told so, and to tell the lead when it is done; a lead gets the link."""
    from kith.core.privacy import record_use
    from kith.groups.access import has_permission
    from kith.requests.notify import send_later

    case, owner = action.case, action.owner
    can_open = has_permission(owner, case.group, "safeguarding.case_details")
    record_use(action, "what", viewer=owner, group=case.group,
               reason=_("Given the action on safeguarding case %(number)s")
               % {"number": case.number})
    send_later([owner], group=case.group,
               subject=_("Safeguarding: an action for you (case %(number)s)")
               % {"number": case.number},
               template="safeguarding/email/action_given.txt",
               context={"group": case.group.name, "number": case.number, "what": what,
                        "due_on": action.due_on, "lead": str(actor), "can_open": can_open,
                        "link": site_url(case.get_absolute_url()) if can_open else ""})


@transaction.atomic
def finish_action(action: CaseAction, *, actor) -> CaseAction:
    """Ticked off once; a second press (two leads at once) changes nothing."""
    _open_only(action.case)
    done = CaseAction.objects.filter(pk=action.pk, done_at__isnull=True).update(
        done_at=timezone.now())
    action.refresh_from_db()
    if done:
        log_action("kith.case.action_done", actor=actor, group=action.case.group,
                   obj=action.case, new={"action": action.pk})
    return action


@transaction.atomic
def record_told(case: Case, *, actor, who: str, told_on: date, note: str = "") -> CaseTold:
    case = _locked(case)
    _open_only(case)
    told = CaseTold.objects.create(case=case, who=who, told_on=told_on, note=note,
                                   recorded_by=actor)
    log_action("kith.case.told", actor=actor, group=case.group, obj=case,
               new={"told": told.pk, "told_on": told_on.isoformat()})
    return told


@transaction.atomic
def ico_told(case: Case, *, actor, decision: str = IcoDecision.TOLD, reference: str = "",
             told_on: date | None = None, why_not: str = "", when=None) -> Case:
    """A data breach reported to the ICO (their reference, the day) or judged not reportable
    (why): the clock stops. The trail says which, never the reference or the reasons."""
    case = _locked(case)
    _open_only(case)
    if not case.is_breach:
        raise CaseRefused(_("Only a data breach is reported to the ICO."))
    if case.ico_told_at is not None:
        return case
    case.ico_told_at = when or timezone.now()
    case.ico_decision = decision
    if decision == IcoDecision.TOLD:
        case.ico_reference, case.ico_told_on = reference, told_on or timezone.localdate()
    else:
        case.ico_why_not = why_not
    case.save(update_fields=["ico_told_at", "ico_decision", "ico_reference", "ico_told_on",
                             "ico_why_not"])
    log_action("kith.case.ico_told", actor=actor, group=case.group, obj=case,
               new={"decision": decision,
                    "hours_after_opening": int((case.ico_told_at - case.opened_at)
                                               .total_seconds() // 3600)})
    return case


@dataclass(frozen=True)
class Outcome:
    outcome: str
    prevention: str
    prevention_owner: str
    # Zero tolerance: the resident the case is about is added to the exclusion list.
    exclusion_reason: str = ""


@transaction.atomic
def close(case: Case, outcome: Outcome, *, actor) -> Case:
    """The outcome, what will stop it happening again and who sees to that; an exclusion if
    the lead chose one (in the same transaction, so neither happens without the other)."""
    from kith.requests import exclusions
    from kith.requests.lifecycle import IllegalMove

    case = _locked(case)
    _open_only(case)
    if not (outcome.outcome and outcome.prevention and outcome.prevention_owner):
        raise CaseRefused(_("Say what happened in the end, what will stop it happening again, "
                            "and who is responsible for that."))
    if outcome.exclusion_reason:
        if case.resident is None:
            raise CaseRefused(_("This case is not about a resident on record, so there is "
                                "nobody to add to the exclusion list from here."))
        try:
            case.exclusion = exclusions.exclude_resident(
                case.resident, reason=outcome.exclusion_reason, actor=actor,
                note=_("Safeguarding case %(number)s") % {"number": case.number})
        except IllegalMove as exc:
            raise CaseRefused(str(exc)) from None
    case.outcome, case.prevention = outcome.outcome, outcome.prevention
    case.prevention_owner = outcome.prevention_owner
    case.state, case.closed_at, case.closed_by = Case.State.CLOSED, timezone.now(), actor
    case.save()
    log_action("kith.case.closed", actor=actor, group=case.group, obj=case,
               old={"state": Case.State.OPEN},
               new={"state": case.state, "exclusion": case.exclusion_id})
    return case
