"""Pages: the coordinators' check-ins, risk assessments and safety settings; a prescription's
collection; and the volunteer's buttons posted from their task page."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kith.core.phones import display_phone
from kith.core.privacy import one_look, reveal
from kith.groups.access import group_view
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import HelpRequest
from kith.requests.moves import NotAllowed
from kith.requests.views_tasks import grant_for
from kith.safety import checkins, prescriptions, risk
from kith.safety.forms import CollectionForm, RiskAssessmentForm, SafetySettingsForm
from kith.safety.models import Activity, CheckIn, Collection, RiskAssessment, SafetyPolicy
from kith.safety.policy import do_save_policy

# --- coordinators


@dataclass(frozen=True)
class AlertGrant:
    """Need-to-know during a check-in's alert: whoever Kith alerted about it (a missed
    check-in, "I need help now") may see the volunteer's phone number and the address they
    went to, without two-factor, while the alert is open. An emergency cannot wait for
    someone to set up an authenticator app; once the check-in is closed, the usual rules
    (a role that opens them, two-factor, a reason) apply again. Each look is logged."""

    check_in: CheckIn
    alerted: frozenset

    def allows(self, viewer, subject) -> bool:
        from kith.accounts.models import Person
        from kith.residents.models import Resident

        c = self.check_in
        ours = ((isinstance(subject, Person) and subject.pk == c.volunteer_id)
                or (isinstance(subject, Resident) and subject.pk == c.request.resident_id))
        return ours and checkins.in_alert(c) and viewer.pk in self.alerted


def _reach(request, check_in: CheckIn) -> dict | None:
    """The volunteer's phone and the task's address for someone alerted about this check-in,
    each look logged with the check-in as the reason (AlertGrant); None for anyone else."""
    alerted = frozenset(person.pk for person in checkins.alerted_people(check_in))
    if request.user.pk not in alerted:
        return None
    grant = AlertGrant(check_in, alerted)
    req = check_in.request
    reason = _("Alert on check-in %(pk)s: %(volunteer)s on task %(reference)s") % {
        "pk": check_in.pk, "volunteer": check_in.volunteer, "reference": req.reference}
    opened: dict = {}
    with one_look():
        phone = reveal(check_in.volunteer, "phone", viewer=request.user, group=check_in.group,
                       reason=reason, request=request, grant=grant)
        opened["phone"] = display_phone(phone) if phone else ""
        for name in ("address", "postcode"):
            opened[name] = (reveal(req.resident, name, viewer=request.user, group=req.group,
                                   reason=reason, request=request, grant=grant) or ""
                            if req.resident_id else "")
    opened["where"] = _where(opened["address"], opened["postcode"])
    return opened


def _where(address: str, postcode: str) -> str:
    """The address once, with its postcode unless the address already ends in it."""
    def squeezed(text: str) -> str:
        return "".join(text.split()).casefold()

    if not postcode or squeezed(postcode) in squeezed(address):
        return address
    return f"{address}, {postcode}" if address else postcode


@require_http_methods(["GET"])
@group_view("safety.check_ins")
def check_ins(request, group):
    now = timezone.now()
    live = list(CheckIn.objects.filter(group=group).exclude(state=CheckIn.State.SAFE)
                .select_related("volunteer", "assignment__request__resident")
                .order_by("due_at"))
    # Each volunteer's page in this group, where a coordinator reaches them (reveal()).
    pages = dict(group.memberships.filter(person__in={c.volunteer_id for c in live})
                 .values_list("person_id", "pk"))
    for c in live:
        c.membership_pk = pages.get(c.volunteer_id)
        c.reach = _reach(request, c)
    return render(request, "safety/check_ins.html", {
        "group": group, "now": now, "can_reach": request.access.can("volunteers.view"),
        # Named, so the page says who "still no word" and "I need help now" reach.
        "told_next": ", ".join(str(person) for person in checkins.leads(group)),
        "help": [c for c in live if c.state == CheckIn.State.HELP],
        "missed": [c for c in live if c.missed(now)],
        "out": [c for c in live if c.state == CheckIn.State.OPEN and not c.missed(now)],
    })


@require_POST
@group_view("safety.check_ins")
def close_check_in(request, group, pk):
    found = CheckIn.objects.filter(group=group, pk=pk).first()
    if found is None:
        raise Http404("No such check-in")
    try:
        checkins.do_close_check_in(found, acting_user=request.user,
                                   note=request.POST.get("note", ""))
    except IllegalMove as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Closed: nobody else will be alerted."))
    return redirect("safety:check_ins", group.slug)


@require_http_methods(["GET"])
@group_view("safety.risk_view")
def risk_list(request, group):
    saved = {a.activity: a for a in RiskAssessment.objects.filter(group=group)
             .select_related("owner", "signed_off_by")}
    rows = [(key, label, saved.get(key)) for key, label in Activity.choices]
    return render(request, "safety/risk_list.html", {
        "group": group, "rows": rows, "today": timezone.localdate(),
        "can_edit": request.access.can("safety.risk_edit")})


def _activity_or_404(activity: str) -> str:
    if activity not in Activity.values:
        raise Http404("No such activity")
    return activity


def _owners(group):
    people = [m.person for m in group.memberships.filter(is_coordinator=True)
              .select_related("person")]
    people += [m.person for m in group.memberships.filter(is_safeguarding_lead=True)
               .select_related("person") if m.person not in people]
    return [(p.pk, str(p)) for p in people]


@require_http_methods(["GET", "POST"])
@group_view("safety.risk_edit")
def risk_edit(request, group, activity):
    assessment = risk.draft(group, _activity_or_404(activity))
    owners = _owners(group)
    initial = {f: getattr(assessment, f) for f in ("hazards", "who_harmed", "controls",
                                                   "remaining_risk", "review_by")}
    initial["owner"] = assessment.owner_id
    form = RiskAssessmentForm(request.POST or None, initial=initial, people=owners)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        values["owner"] = next((m.person for m in group.memberships.select_related("person")
                                if m.person_id == values["owner"]), None)
        risk.do_save_assessment(group, activity, acting_user=request.user, **values)
        messages.success(request, _("Saved. Sign it off when it is right."))
        return redirect("safety:risk_edit", group.slug, activity)
    return render(request, "safety/risk_edit.html", {
        "group": group, "assessment": assessment, "form": form,
        "saved": assessment.pk is not None},
        status=400 if request.method == "POST" else 200)


@require_POST
@group_view("safety.risk_edit")
def risk_sign_off(request, group, activity):
    assessment = RiskAssessment.objects.filter(group=group,
                                               activity=_activity_or_404(activity)).first()
    if assessment is None:
        raise Http404("Not saved yet")
    try:
        risk.do_sign_off(assessment, acting_user=request.user)
    except IllegalMove as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Signed off. Each volunteer will read it before their "
                                    "next task of this kind."))
    return redirect("safety:risk_edit", group.slug, activity)


@require_http_methods(["GET", "POST"])
@group_view("safety.settings")
def settings_page(request, group):
    policy = SafetyPolicy.for_group(group)
    fields = ("visit_minutes", "grace_minutes", "prescriptions", "controlled_drugs")
    form = SafetySettingsForm(request.POST or None,
                              initial={f: getattr(policy, f) for f in fields})
    if request.method == "POST" and form.is_valid():
        do_save_policy(group, acting_user=request.user, **form.cleaned_data)
        messages.success(request, _("Safety settings saved."))
        return redirect("safety:settings", group.slug)
    return render(request, "safety/settings.html", {"group": group, "form": form},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@group_view("safety.prescriptions")
def collection(request, group, reference):
    req = HelpRequest.objects.filter(group=group, reference=reference).first()
    if req is None:
        raise Http404("No such request")
    if req.service != prescriptions.PRESCRIPTIONS:  # said plainly, with nothing to fill in
        return render(request, "safety/collection.html", {"group": group, "req": req,
                                                          "not_prescription": True})
    found = Collection.objects.filter(request=req).first()
    form = CollectionForm(request.POST or None,
                          initial={"controlled_drug": found.controlled_drug if found else False})
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("step") == "confirm":
                prescriptions.do_confirm_received(req, acting_user=request.user)
                messages.success(request, _("Recorded: the resident has their prescription."))
                return redirect("safety:collection", group.slug, reference)
            if form.is_valid():
                prescriptions.do_record_collection(
                    req, controlled_drug=form.cleaned_data["controlled_drug"],
                    bag_reference=form.cleaned_data["bag_reference"] or None,
                    acting_user=request.user)
                if prescriptions.holder_refused(req):
                    messages.warning(request, _(
                        "Saved. The volunteer holding this task may not collect it under your "
                        "rule: they have been told not to. Take them off and assign someone "
                        "who may."))
                else:
                    messages.success(request, _("Saved."))
                return redirect("safety:collection", group.slug, reference)
        except IllegalMove as exc:
            error = str(exc)
    refused = prescriptions.holder_refused(req)
    return render(request, "safety/collection.html", {
        "group": group, "req": req, "form": form, "found": found, "error": error,
        "holder_refused": bool(refused)},
        status=400 if request.method == "POST" else 200)


# --- the volunteer, from their task page (the task's grant decides: 404 to anyone else)


def _own_open_check_in(person, reference: str) -> CheckIn:
    """This person's own check-in for the task, still open; 404 to anyone else. Asked
    without the task's grant, so it outlives their role: whoever is out must still be able to
    say they are safe or need help."""
    found = (CheckIn.objects.filter(volunteer=person, assignment__request__reference=reference)
             .exclude(state=CheckIn.State.SAFE).select_related("assignment__request__group")
             .first())
    if found is None:
        raise Http404("No check-in open")
    return found


def check_in_only(request, reference):
    """The task page for a volunteer whose role ended while they were out on it: only their
    check-in and its buttons, nothing about the resident (requests/views_tasks.task)."""
    found = _own_open_check_in(request.user, reference)
    return render(request, "safety/check_in_only.html",
                  {"check_in": found, "req": found.request,
                   "safe_number": checkins.safe_number(request.user)})


@require_POST
@login_required
def check_in(request, reference):
    from kith.volunteers.policy import may_hold

    found = _own_open_check_in(request.user, reference)
    req = found.request
    in_role = may_hold(request.user, req.group, req.service)
    action = request.POST.get("action")
    try:
        if action == "help":
            checkins.do_ask_for_help(found, acting_user=request.user)
            messages.warning(request, _("We have told the coordinators and the safeguarding "
                                        "lead. If you are in danger, call 999."))
        elif action == "safe":
            checkins.do_mark_safe(found, acting_user=request.user)
            messages.success(request, _safe_words(req, in_role))
            if not in_role:  # the task page is shut to them now the check-in is closed
                return redirect("volunteers:home")
        else:
            messages.error(request, _("Choose one of the buttons."))
    except (IllegalMove, NotAllowed) as exc:
        messages.error(request, str(exc))
    return redirect("requests:task", reference=reference)


def _safe_words(req, in_role: bool) -> str:
    if not in_role:
        return _("Thank you. Glad you're safe. The coordinator will settle the task.")
    if prescriptions.waiting_for_hand_over(req):
        return _("Thank you. Glad you're safe. The task stays open until you say you've "
                 "handed the prescription over.")
    return _("Thank you. Glad you're safe: the task is marked done.")


@require_POST
@login_required
def risk_read(request, reference):
    grant = grant_for(request.user, reference)
    assessment = risk.to_read(request.user, grant.assignment.request)
    if assessment is not None:
        risk.do_confirm_read(assessment, acting_user=request.user)
        messages.success(request, _("Thank you for reading it."))
    return redirect("requests:task", reference=reference)


@require_POST
@login_required
def collection_step(request, reference):
    grant = grant_for(request.user, reference)
    req = grant.assignment.request
    steps = {"collected": prescriptions.do_mark_collected,
             "handed_over": prescriptions.do_mark_handed_over}
    step = steps.get(request.POST.get("step", ""))
    try:
        if step is None:
            raise IllegalMove(_("Choose one of the buttons."))
        step(req, acting_user=request.user)
    except IllegalMove as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you: recorded."))
    return redirect("requests:task", reference=reference)
