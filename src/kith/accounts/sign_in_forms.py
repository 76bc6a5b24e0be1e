"""The sign-in page's code request: one box for an email address or a mobile number.

Its own module: allauth's forms import `forms.SignupExtraForm` (ACCOUNT_SIGNUP_FORM_CLASS), so
`forms.py` cannot import allauth's forms back.
"""

from __future__ import annotations

from allauth.account.forms import RequestLoginCodeForm
from django import forms
from django.utils.translation import gettext_lazy as _

from kith.messaging.channels import can_text

NO_TEXTS = _("This site can't send texts, so type your email address. If your group knows you by "
             "your phone number only, ask your group's coordinator to help you sign in.")


class CodeRequestForm(RequestLoginCodeForm):
    """allauth's "send me a sign-in code" with one box for an email address or a mobile number.

    Older volunteers know their number better than a form's idea of which box is which. Text
    with an "@" is an address; anything else must be a UK mobile, normalised as everywhere in
    Kith (core/phones.py), so the lookup and the rate limit see one form of each number.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and "login" not in self.data:
            # Posted with allauth's own field names (its API, older pages still open): the
            # same one box.
            typed = self.data.get("email") or self.data.get("phone")
            if typed is not None:
                self.data = self.data.copy()
                self.data["login"] = typed
        self.fields.pop("email", None)
        self.fields.pop("phone", None)
        self.fields["login"] = forms.CharField(
            label=_("Your email address or mobile number"), max_length=320,
            error_messages={"required": _("Type your email address or your mobile number.")})
        if not can_text():  # no gateway: a number would wait for a code that never comes
            self.fields["login"].label = _("Your email address")
            self.fields["login"].error_messages["required"] = _("Type your email address.")

    def clean_login(self) -> str:
        value = self.cleaned_data["login"].strip()
        if "@" in value:
            self.cleaned_data["email"] = forms.EmailField(error_messages={
                "invalid": _("Check the email address: it should look like name@example.org.")
            }).clean(value)
            self.clean_email()  # allauth's: finds the person, counts the rate limit
        elif not can_text():
            raise forms.ValidationError(NO_TEXTS)
        else:
            self.cleaned_data["phone"] = mobile_number(value)
            self.clean_phone()
        return value

    def clean(self):
        return forms.Form.clean(self)  # one box: allauth's "not both" check cannot apply


def mobile_number(raw: str) -> str:
    """E.164 for a UK mobile, or a ValidationError that says what to type instead."""
    from kith.core.phones import is_mobile, normalise_uk_phone

    if any(ch.isalpha() for ch in raw):
        raise forms.ValidationError(_(
            "Type your email address (like name@example.org) or your mobile number (like "
            "07700 900123)."))
    number = normalise_uk_phone(raw)
    if not is_mobile(number):
        raise forms.ValidationError(_(
            "We can only text a mobile number (in the UK they start 07). Use your email "
            "address instead, or ask your group's coordinator to help you sign in."))
    return number
