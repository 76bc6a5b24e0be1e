"""The one reveal flow for pages: one form, one view helper, one template include.

A page says which sealed values it can open (`SealedField`: a name, a label and the subject that
holds it, or a list of subjects opened together, like a run's stops) and who may open them (a
permission in the group, or a grant). `reveal_panel()` does the rest: on a POST that carries the
form it opens the chosen value (or all of them, `together`) through privacy.reveal() /
reveal_many(), which check the reason, the group, the role, need-to-know and two-factor, and log
each look; otherwise it gives an empty form. The page puts the panel in its context as `reveal`,
includes `core/_reveal.html` (the reason box, the field choice, the refusal, the links to set up
or confirm two-factor) and answers through `render_private()`, so no browser or proxy keeps a
page that may carry what was opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext, gettext_lazy

from kith.core.formfields import FreeTextField
from kith.core.phones import display_phone
from kith.core.privacy import (
    NeedToKnowDenied,
    check_in_hand,
    has_two_factor,
    one_look,
    reveal,
    reveal_many,
    session_used_two_factor,
)

REASON_MAX = 200


@dataclass(frozen=True)
class SealedField:
    """One sealed value a page can open.

    `subject` is the model holding it, a list of models opened together (one access row each),
    or None when there is nothing to hold it (a volunteer with no profile yet). `question` and
    `button` are the words beside the reason box, when the page opens one value at a time.
    """

    name: str
    label: str
    subject: Any
    question: str = ""
    button: str = ""

    @property
    def many(self) -> bool:
        return isinstance(self.subject, list | tuple)

    @property
    def present(self) -> bool:
        if self.subject is None:
            return False
        if self.many:
            return bool(self.subject)
        return getattr(self.subject, self.name) is not None


class RevealForm(forms.Form):
    """Why someone needs to see a sealed value (recorded with each look), and which one."""

    field = forms.ChoiceField(required=False, widget=forms.HiddenInput)
    reason = FreeTextField(
        label=gettext_lazy("Why do you need to see it?"), max_length=REASON_MAX,
        error_messages={
            "required": gettext_lazy("Say why you need to see it."),
            "max_length": gettext_lazy("Keep the reason to at most 200 characters."),
        })

    def __init__(self, data=None, *, fields: list[SealedField], together: bool = False,
                 label: str = "", help_text: str = "", initial_reason: str = ""):
        super().__init__(data, initial={"reason": initial_reason} if initial_reason else None)
        choice = self.fields["field"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = [(f.name, f.label) for f in fields]
        # Opened one at a time, the field must be named; together, every field is opened.
        choice.required = not together
        choice.error_messages["required"] = gettext_lazy("Choose what you need to see.")
        choice.error_messages["invalid_choice"] = gettext_lazy(
            "Choose one of the details listed on this page.")
        if label:
            self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(self.fields["reason"].error_messages["required"])
        return reason


@dataclass
class RevealPanel:
    """What the include shows, and what the view may use: the values opened (by field name; a
    list subject gives {pk: value}), or the refusal to show."""

    fields: list[SealedField]
    form: RevealForm
    can_reveal: bool
    needs_two_factor: bool
    has_two_factor: bool
    session_two_factor: bool
    opened: dict[str, Any] = field(default_factory=dict)
    refusal: str = ""
    out_of_hand: str = ""  # why a call handler is not offered a box here (not their call)
    together: bool = False
    button: str = ""
    action: str = ""
    # A page with several forms tells them apart by a hidden `step`: the reveal form sends this.
    step: str = ""

    @property
    def status(self) -> int:
        if self.form.is_bound and not self.form.is_valid():
            return 400
        return 403 if self.refusal else 200

    @property
    def ready(self) -> bool:
        """May this person try now? (Otherwise the include says what to set up first.)"""
        return self.can_reveal and not self.out_of_hand and (
            not self.needs_two_factor or (self.has_two_factor and self.session_two_factor))

    @property
    def problems(self) -> list[str]:
        """What was wrong with the form that no reason box shows beside itself: a field this
        page does not have, or a reason typed when no box is offered (two-factor not ready)."""
        if not self.form.is_bound:
            return []
        problems = [*self.form.non_field_errors(), *self.form.errors.get("field", [])]
        if not self.ready:
            problems += self.form.errors.get("reason", [])
        return [str(problem) for problem in problems]

    @property
    def reason_problems(self) -> list[tuple[str, str]]:
        """A reason refused while the boxes are offered: shown beside its box and summarised at
        the top with a link to it, where kith/focus-errors.js moves focus after the submit."""
        if not (self.form.is_bound and self.ready):
            return []
        box = "reveal-reason" if self.together else f"reason-{self.form.data.get('field', '')}"
        return [(box, str(error)) for error in self.form.errors.get("reason", [])]

    @cached_property
    def rows(self) -> list[dict]:
        """One row per field for the include, opened or not."""
        chosen = self.form.data.get("field") if self.form.is_bound else None
        rows = []
        for f in self.fields:
            value = self.opened.get(f.name)
            rows.append({
                "name": f.name, "label": f.label, "present": f.present,
                "revealed": f.name in self.opened and not f.many, "value": value,
                "display": display_phone(value) if f.name == "phone" and value else None,
                "question": f.question or gettext("Why do you need the %(thing)s?") % {
                    "thing": f.label.lower()},
                "button": f.button or gettext("Show %(thing)s") % {"thing": f.label.lower()},
                "chosen": chosen == f.name,
            })
        return rows


def reveal_panel(request: HttpRequest, *, group, fields: list[SealedField],
                 permission: str = "residents.reveal", grant=None, posted: bool | None = None,
                 together: bool = False, label: str = "", help_text: str = "",
                 initial_reason: str = "", button: str = "", action: str = "",
                 step: str = "") -> RevealPanel:
    """The reveal flow of one page. `posted` says whether this request carries the reveal form
    (default: any POST); a page with other forms says which is which.

    A POST from someone whose role lacks `permission` (and who has no grant) is refused with
    403 before anything is read. Otherwise privacy decides, and a refusal is the plain message
    to show, with no access row written.
    """
    posted = request.method == "POST" if posted is None else posted
    # group_view() has resolved the viewer's roles in this group (request.access).
    can_reveal = grant is not None or request.access.can(permission)  # type: ignore[attr-defined]
    if posted and not can_reveal:
        raise PermissionDenied(gettext("Your role in this group does not include these details."))
    form = RevealForm(request.POST if posted else None, fields=fields, together=together,
                      label=label, help_text=help_text, initial_reason=initial_reason)
    panel = RevealPanel(
        fields=fields, form=form, can_reveal=can_reveal, needs_two_factor=grant is None,
        has_two_factor=grant is None and has_two_factor(request.user),
        session_two_factor=grant is None and session_used_two_factor(request),
        together=together, button=button, action=action, step=step,
        out_of_hand=(_out_of_hand(request, group, fields, permission)
                     if can_reveal and grant is None else ""))
    if posted and form.is_valid():
        chosen = fields if together else [f for f in fields if f.name == form.cleaned_data["field"]]
        try:
            panel.opened = open_sealed(request, group, chosen, form.cleaned_data["reason"],
                                       permission=permission, grant=grant)
        except NeedToKnowDenied as exc:
            panel.refusal = str(exc)
    return panel


def _out_of_hand(request, group, fields: list[SealedField], permission: str) -> str:
    """What a role that opens residents only for the work in hand would be told here, so the
    page says so rather than offer a box that can only refuse. Display only: reveal() decides."""
    if permission != "residents.reveal" or request.access.can("residents.reveal_any"):
        return ""  # the common case costs no query
    subjects = [s for f in fields if f.subject is not None
                for s in (f.subject if f.many else [f.subject])]
    try:
        check_in_hand(request.user, group, subjects, permission)
    except NeedToKnowDenied as exc:
        return str(exc)
    return ""


@transaction.atomic  # opened together: every look logged, or none
@one_look()  # and one access row per record, however many of its fields
def open_sealed(request: HttpRequest, group, fields: list[SealedField], reason: str, *,
                permission: str = "residents.reveal", grant=None) -> dict[str, Any]:
    """Open `fields` with a reason already given (a printed sheet names its own): {field name:
    plaintext, or {pk: plaintext} for a list}. Raises NeedToKnowDenied, having opened nothing."""
    opened: dict[str, Any] = {}
    for f in fields:
        if f.subject is None:
            opened[f.name] = None
        elif f.many and grant is not None:  # reveal_many() takes no grant: one look at a time
            opened[f.name] = {s.pk: value for s in f.subject if (value := reveal(
                s, f.name, viewer=request.user, group=group, reason=reason, request=request,
                permission=permission, grant=grant)) is not None}
        elif f.many:
            opened[f.name] = reveal_many(list(f.subject), f.name, viewer=request.user, group=group,
                                         reason=reason, request=request, permission=permission)
        else:
            opened[f.name] = reveal(f.subject, f.name, viewer=request.user, group=group,
                                    reason=reason, request=request, permission=permission,
                                    grant=grant)
    return opened


def render_private(request: HttpRequest, template: str, context: dict, *,
                   status: int = 200) -> HttpResponse:
    """render(), for a page that can carry opened personal data: nobody's browser, shared
    computer or proxy may keep it (`Cache-Control: no-store`)."""
    response = render(request, template, context, status=status)
    patch_cache_control(response, no_store=True)
    return response
