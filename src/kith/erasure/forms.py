"""The confirm step: a tick that says what will happen, in the coordinator's or their own words."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kith.transparency.forms import CodeForm


class ConfirmResidentErasure(forms.Form):
    asked = forms.BooleanField(
        label=_("They asked us to delete their details (by phone, in writing or in person)"),
        error_messages={"required": _("Tick to confirm they asked. Kith erases a resident "
                                      "only when they ask, or when the group's retention "
                                      "schedule says so.")})
    confirm = forms.BooleanField(
        label=_("I understand this cannot be undone"),
        error_messages={"required": _("Tick to confirm you understand it cannot be undone.")})


class ConfirmVolunteerErasure(ConfirmResidentErasure):
    pass


class ConfirmOwnErasure(CodeForm):
    """The code sent to them (the own-copy page's, checked the same way) and the tick."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].error_messages["required"] = _(
            "Type the 6-digit code we sent you. No code yet? Use “Send me a code” above.")

    confirm = forms.BooleanField(
        label=_("Delete my account and my details. I understand this cannot be undone."),
        error_messages={"required": _("Tick the box to confirm you want your account and "
                                      "details deleted.")})
