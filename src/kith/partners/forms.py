"""The coordinators' forms: a partner, a token, a webhook address."""

from __future__ import annotations

import secrets

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from kith.core.formfields import FreeTextField, NameField
from kith.partners.models import SCOPES
from kith.partners.webhooks import UnsafeAddress, check_url
from kith.requests.models import HelpRequest

TOO_LONG = _("Keep this to %(limit_value)d characters or fewer (it has %(show_value)d).")


class _Form(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class PartnerForm(_Form):
    name = NameField(label=_("Name of the organisation"), max_length=120,
                     help_text=_("For example: Golborne Pharmacy."),
                     error_messages={"required": _("Enter the organisation's name."),
                                     "max_length": TOO_LONG})
    kind = forms.ChoiceField(label=_("What kind of organisation is it?"),
                             choices=HelpRequest.PartnerKind.choices, widget=forms.RadioSelect,
                             error_messages={"required": _("Choose what kind of organisation "
                                                           "it is.")})

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if self.group.partners.filter(name__iexact=name).exists():
            raise self.name_taken(name)
        return name

    @staticmethod
    def name_taken(name: str) -> forms.ValidationError:
        return forms.ValidationError(_("This group already has a partner called %(name)s.")
                                     % {"name": name})


class TokenForm(_Form):
    label = FreeTextField(label=_("What is it for? (optional)"), max_length=80, required=False,
                          help_text=_("For example: the pharmacy's booking system."),
                          error_messages={"max_length": TOO_LONG})
    scopes = forms.MultipleChoiceField(
        label=_("What may it do?"), choices=SCOPES, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one thing the token may do.")})
    # One token per form shown: a reload or a second click sends the same key again.
    once = forms.CharField(widget=forms.HiddenInput, max_length=64, error_messages={
        "required": _("This form is out of date. Choose again and press “Make the token”.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["once"] = secrets.token_urlsafe(24)

    def keep_a_key(self) -> None:
        """Shown again with its errors: give it a key if it came without one, so sending it
        again works (what was checked stays checked: only the page is changed)."""
        if isinstance(self.data, QueryDict) and not self.data.get(self.add_prefix("once")):
            data = self.data.copy()
            data[self.add_prefix("once")] = secrets.token_urlsafe(24)
            self.data = data


class WebhookForm(_Form):
    url = forms.URLField(label=_("Address to tell them at (optional)"), max_length=500,
                         required=False, assume_scheme="https",
                         help_text=_("Kith posts there, signed, when a referral's status "
                                     "changes. Leave it empty to stop."),
                         error_messages={"invalid": _("Enter a web address like "
                                                      "https://partner.example/kith."),
                                         "max_length": TOO_LONG})

    new_secret = forms.BooleanField(
        label=_("Make a new secret"), required=False,
        help_text=_("If the old one may have been seen by someone else. The partner must "
                    "then use the new one."))

    def __init__(self, *args, current: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        if url and url != self.current:  # the saved one was checked when saved (and at each send)
            try:
                check_url(url)
            except UnsafeAddress as problem:
                raise forms.ValidationError(str(problem)) from None
        return url
