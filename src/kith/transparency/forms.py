from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kith.core.formfields import FreeTextField


class CodeForm(forms.Form):
    code = FreeTextField(label=_("The 6-digit code"), max_length=12,
                           widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                         "autocomplete": "one-time-code"}))

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("Type the 6 digits of the code, for example 042913."))
        return code


class ReasonForm(forms.Form):
    reason = FreeTextField(
        label=_("Why you are making it"), max_length=200,
        initial=_("The resident asked for a copy of their data"),
        help_text=_("Recorded in the access log, as for any look at their details."))
    text_link = forms.BooleanField(
        label=_("Text the link to their phone"), required=False,
        help_text=_("Only the link goes by text. Read them the code on the phone."))

    def __init__(self, *args, can_text: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_text:  # no mobile on record: nothing to send it to
            del self.fields["text_link"]
