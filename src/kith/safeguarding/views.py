"""Safeguarding pages.

- `report_public`: the short public form per group (no account), rate limited per address,
  with a honeypot; `public_sent` thanks the reporter and keeps nothing about them.
- `report`: the same form for the group's members (a volunteer from a task or their home, a
  call handler for a resident from the request page, a coordinator); anonymous unless they tick
  "put my name to this report".
- `case_list`: the leads see their cases with details and the data-breach clock; coordinators
  see only that cases exist (a line each, no details).
- `case_detail`: the group's safeguarding leads only (theirs, or the leads above who stand in
  when the group has none); everyone else gets 404. Its forms post back to it with a `step`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kith.core import privacy, throttle
from kith.core.reveal_views import SealedField, render_private, reveal_panel
from kith.groups.access import group_view, has_permission
from kith.groups.models import Group, Membership
from kith.groups.roles import VOLUNTEER
from kith.residents.erased import live as live_residents
from kith.safeguarding import services
from kith.safeguarding.forms import ActionForm, CloseForm, IcoForm, ReportForm, ToldForm, TriageForm
from kith.safeguarding.models import Case, CaseAction
from kith.safeguarding.routing import handled_groups, handling_group, leads_for

HOUR = 60 * 60
# Reports accepted per address per group per hour; a form with mistakes does not count. The
# count is kept an hour in the cache, under the address, and is not linked to any report.
REPORT_LIMIT = 10
HONEYPOT = "website"
LIMITED = gettext_lazy(
    "You have sent %(limit)s reports from this connection in the last hour, which is as "
    "many as we accept. Please try again in an hour, or ring the group. What you typed "
    "is still below.")


def origin_only(view):
    """`Referrer-Policy: strict-origin` on a report page: the browser then gives the site's
    address alone, never the page's, in the requests for its stylesheet, script and icon and
    in the next page's, so no web log line elsewhere can put a visitor's address next to the
    report page (core/access_log.py and DEPLOY.md's nginx keep no line for the page itself).
    Not `no-referrer`: with it browsers post the form with `Origin: null`, which Django's
    CSRF check refuses, so nobody could send a report."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers["Referrer-Policy"] = "strict-origin"
        return response
    return wrapped


def _report(form: ReportForm, *, source: str, named=None, req=None,
            resident=None) -> services.Report:
    data = form.cleaned_data
    return services.Report(
        kind=data["kind"], urgency=data["urgency"], what_happened=data["what_happened"],
        source=source, named=named, contact=data["contact"] if data["wants_contact"] else "",
        victim_consent=data["victim_consent"],
        victim=data["victim"] if data["victim_consent"] == Case.VictimConsent.YES else "",
        request=req, resident=resident)


# --- the public form


@origin_only
@never_cache
@require_http_methods(["GET", "POST"])
def report_public(request, group_slug):
    group = get_object_or_404(Group, slug=group_slug)
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        counted = throttle.take_for_address(request, f"safeguarding:report:{group.pk}",
                                            limit=REPORT_LIMIT, seconds=HOUR)
        if counted is None:
            form.add_error(None, LIMITED % {"limit": REPORT_LIMIT})
            status = 429
        elif request.POST.get(HONEYPOT, "").strip():
            form.add_error(None, _("Something went wrong sending the form. Please check your "
                                   "answers and press the button again."))
        elif not form.is_valid():
            counted.give_back()
            status = 400
        else:
            services.report_incident(group, _report(form, source=Case.Source.PUBLIC))
            return redirect("safeguarding:public_sent", group.slug)
    return render(request, "safeguarding/report_public.html",
                  {"group": group, "form": form, "honeypot": HONEYPOT,
                   "report_limit": REPORT_LIMIT, "has_lead": bool(leads_for(group))},
                  status=status)


@origin_only
@never_cache
@require_GET
def public_sent(request, group_slug):
    group = get_object_or_404(Group, slug=group_slug)
    return render(request, "safeguarding/public_sent.html",
                  {"group": group, "has_lead": bool(leads_for(group))})


# --- members


def _linked_request(request, group, reference: str):
    """The request a report is about: any of the group's, for those who see requests; for a
    volunteer, only the task they hold."""
    if not reference:
        return None
    found = group.requests.filter(reference=reference.upper()).select_related("resident").first()
    if found is None or request.access.can("requests.view"):
        return found
    assignment = found.current_assignment
    return found if assignment is not None and assignment.volunteer_id == request.user.pk else None


def _linked_resident(request, group, pk: str):
    """The resident a report is about, for those who see the group's residents (a call
    handler filing it for them from their page)."""
    if not pk.isdigit() or not request.access.can("residents.view"):
        return None
    # An erased resident's row names no one: the concern is filed without it.
    return live_residents(group.residents).filter(pk=int(pk)).first()


@origin_only
@group_view("safeguarding.report")
def report(request, group):
    reference = (request.POST.get("request") or request.GET.get("request", "")).strip()
    req = _linked_request(request, group, reference)
    resident = None if req is not None else _linked_resident(
        request, group, (request.POST.get("resident") or request.GET.get("resident", "")).strip())
    own_task = req is not None and not request.access.can("requests.view")
    form = ReportForm(request.POST or None, member=True, own_task=own_task)
    if request.method == "POST" and form.is_valid():
        if own_task and not (form.cleaned_data.get("named") or form.cleaned_data.get("link_task")):
            req = None  # anonymous: their task would say who they are
        roles = request.access.roles
        for_resident = req is not None or resident is not None
        source = (Case.Source.CALL if for_resident and request.access.can("residents.view")
                  else Case.Source.VOLUNTEER if roles == {VOLUNTEER} else Case.Source.MEMBER)
        named = request.user if form.cleaned_data.get("named") else None
        services.report_incident(group, _report(form, source=source, named=named, req=req,
                                                resident=resident))
        return redirect("safeguarding:reported", group.slug)
    return render(request, "safeguarding/report.html",
                  {"group": group, "form": form, "req": req, "resident": resident,
                   "own_task": own_task, "has_lead": bool(leads_for(group))},
                  status=400 if form.is_bound else 200)


@origin_only
@group_view("safeguarding.report")
def reported(request, group):
    return render(request, "safeguarding/reported.html",
                  {"group": group, "has_lead": bool(leads_for(group))})


# --- the leads' and coordinators' list


@group_view("safeguarding.cases")
def case_list(request, group):
    is_lead = request.access.can("safeguarding.case_details")
    show = request.GET.get("show", "open")
    if is_lead:
        cases = Case.objects.filter(group__in=handled_groups(group))
    else:
        cases = Case.objects.filter(group=group)
    cases = cases.select_related("group").order_by("-opened_at", "-id")
    open_count = cases.exclude(state=Case.State.CLOSED).count()
    if show != "all":
        cases = cases.exclude(state=Case.State.CLOSED)
    handler = handling_group(group)
    return render_private(request, "safeguarding/cases.html", {
        "group": group, "cases": list(cases[:200]), "is_lead": is_lead, "show": show,
        "open_count": open_count, "handler": handler,
        "has_lead": handler.memberships.filter(is_safeguarding_lead=True).exists()})


# --- the case page


def _sealed(case: Case) -> list[SealedField]:
    return [SealedField("what_happened", _("What happened"), case),
            SealedField("victim", _("Who was hurt"), case),
            SealedField("contact", _("How to contact the reporter"), case)]


# What the leads wrote on the case (models.py), opened for them on its page.
NOTES = ("triage_note", "outcome", "prevention", "prevention_owner")


@dataclass(frozen=True)
class LeadsNotesGrant:
    """The leads who handle a case read what the leads wrote on it, on its page, as they did
    before it was sealed: the page itself is the need-to-know (only they reach it), so no
    reason or two-factor is asked, but every look is logged like any other."""

    case: Case

    def allows(self, viewer, subject) -> bool:
        case_id = subject.pk if isinstance(subject, Case) else getattr(subject, "case_id", None)
        return case_id == self.case.pk and has_permission(viewer, self.case.group,
                                                          "safeguarding.case_details")


def leads_notes(request, case: Case, actions: list[CaseAction]) -> dict[str, str]:
    """The case's notes opened ("" where none), and each action's words as `action.words`:
    one look, one access row for the case and one per action."""
    grant = LeadsNotesGrant(case)
    reason = _("Safeguarding case %(number)s, on its page") % {"number": case.number}

    def opened(subject, name: str) -> str:
        return privacy.reveal(subject, name, viewer=request.user, group=case.group, reason=reason,
                      request=request, grant=grant) or ""

    with privacy.one_look():
        notes = {name: opened(case, name) for name in NOTES}
        for action in actions:
            action.words = opened(action, "what")
    return notes


def _owners(group: Group) -> list:
    """Who an action can be given to: the leads who handle the group, and its coordinators.

    Coordinators stay: in a small group the lead often needs one of them to do the practical
    part (ring the resident, stand a volunteer down, change a rota), and limiting actions to
    the leads would push that work off the record. They cannot open the case, so the service
    sends them the action's own words, who gave it and to tell that lead when it is done
    (services.tell_owner); the lead ticks it off."""
    handler = handling_group(group)
    members = (Membership.objects.filter(group=handler, is_safeguarding_lead=True)
               | Membership.objects.filter(group=group, is_coordinator=True))
    return sorted({m.person for m in members.select_related("person")}, key=str)


def _step(request, case: Case, step: str, bound: dict):
    """Run one step posted from the case page; returns the bound form with its errors, or None
    when it worked."""
    post, user = request.POST, request.user
    if not case.is_open:
        raise services.CaseRefused(_("This case is closed, so nothing more can be done on it."))
    opened_on = timezone.localdate(case.opened_at)
    if step == "triage":
        form = bound["triage"] = TriageForm(post)
        if form.is_valid():
            services.triage(case, actor=user, **form.cleaned_data)
            return None
        return form
    if step == "action":
        form = bound["action"] = ActionForm(post, people=_owners(case.group))
        if form.is_valid():
            services.add_action(case, actor=user, **form.cleaned_data)
            return None
        return form
    if step == "done":
        action_id = post.get("action_id", "")
        action = get_object_or_404(CaseAction, pk=int(action_id) if action_id.isdigit() else 0,
                                   case=case)
        services.finish_action(action, actor=user)
        return None
    if step == "told":
        form = bound["told"] = ToldForm(post, opened_on=opened_on)
        if form.is_valid():
            services.record_told(case, actor=user, **form.cleaned_data)
            return None
        return form
    if step == "ico":
        form = bound["ico"] = IcoForm(post, opened_on=opened_on)
        if form.is_valid():
            services.ico_told(case, actor=user, **form.cleaned_data)
            return None
        return form
    if step == "close":
        form = bound["close"] = CloseForm(post, has_resident=case.resident_id is not None)
        if form.is_valid():
            try:
                services.close(case, services.Outcome(**form.cleaned_data), actor=user)
                return None
            except services.CaseRefused as exc:
                form.add_error(None, str(exc))
        return form
    raise Http404("No such step")


@group_view("group.view")
def case_detail(request, group, pk):
    # Details are for the safeguarding leads alone; to anyone else the case does not exist.
    if not request.access.can("safeguarding.case_details"):
        raise Http404("No such case")
    case = get_object_or_404(Case.objects.select_related("group", "request", "resident"),
                             pk=pk, group=group)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    reveal = reveal_panel(request, group=group, fields=_sealed(case),
                          permission="safeguarding.case_details", posted=step == "reveal",
                          together=True, label=_("Why do you need to read the report?"),
                          button=_("Show the report"), step="reveal")
    bound: dict = {}
    status = reveal.status if step == "reveal" else 200
    if step and step != "reveal":
        try:
            failed = _step(request, case, step, bound)
        except services.CaseRefused as exc:
            messages.error(request, str(exc))
            failed = None
        if failed is None:
            return redirect(case.get_absolute_url())
        status = 400
    case.refresh_from_db()
    actions = list(case.actions.select_related("owner"))
    notes = leads_notes(request, case, actions)
    return render_private(request, "safeguarding/case.html", {
        "group": group, "case": case, "reveal": reveal, "notes": notes,
        "triage_form": bound.get("triage") or TriageForm(initial={
            "kind": case.kind, "urgency": case.urgency, "risk": case.risk,
            "triage_note": notes["triage_note"]}),
        "action_form": bound.get("action") or ActionForm(people=_owners(group)),
        "told_form": bound.get("told") or ToldForm(),
        "ico_form": bound.get("ico") or IcoForm(),
        "close_form": bound.get("close") or CloseForm(has_resident=case.resident_id is not None),
        "actions": actions,
        "told": list(case.told.all()),
        "referrals": list(case.request.referrals_out.select_related("service"))
        if case.request else [],
        "hours_left": case.ico_hours_left(),
    }, status=status)
