"""Money forms. Amounts are read as Decimal pounds and pence (a £ sign and commas are fine),
never floats; zero and negative are refused beside the box, and what was typed stays."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kith.core.formfields import FreeTextField, ISODateInput, ISODateTimeInput, NameField
from kith.money.models import PENNY, JournalEntry

ITEM_ROWS = 4
# What an amount may look like once "£" and spaces are gone: "-" is kept so that a minus is
# told "more than £0.00" rather than "not an amount".
PLAIN = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")
THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d*)?")


class PoundsField(forms.Field):
    """Pounds and pence typed as text (a phone's decimal keypad): "12.50", "£12.50", "1,200"."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off",
                                    "maxlength": "14", "class": "amount"})

    def to_python(self, value):
        text = str(value or "").strip().replace("£", "").replace(" ", "")
        if not text:
            return None
        if "," in text and not THOUSANDS.fullmatch(text):
            # "1,2,3" is not £123: commas only between thousands, like 1,200.50.
            raise forms.ValidationError(_("Put commas only between thousands, like 1,200.50, "
                                          "or leave them out."), code="commas")
        text = text.replace(",", "")
        if not PLAIN.fullmatch(text):
            # No exponents ("1e1"), no words: digits, and a point before the pence.
            raise forms.ValidationError(_("Enter an amount in pounds and pence, like 12.50."),
                                        code="invalid")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(_("Enter an amount in pounds and pence, like 12.50."),
                                        code="invalid") from None
        if not amount.is_finite():
            raise forms.ValidationError(_("Enter an amount in pounds and pence, like 12.50."),
                                        code="invalid")
        if amount <= 0:
            raise forms.ValidationError(_("Enter an amount more than £0.00."), code="min")
        if amount != amount.quantize(PENNY):
            raise forms.ValidationError(_("Enter pounds and pence only, like 12.50."),
                                        code="pence")
        if amount >= Decimal("1000000"):
            raise forms.ValidationError(_("That is more than Kith can record in one go."),
                                        code="max")
        return amount


class SpendForm(forms.Form):
    shop = FreeTextField(label=_("Shop or pharmacy"), max_length=100)
    spent_at = forms.DateTimeField(label=_("Date and time on the receipt"),
                                   widget=ISODateTimeInput())
    receipt = forms.FileField(
        label=_("Photo of the receipt"),
        help_text=_("Take a photo with your phone. Kith removes where it was taken and keeps "
                    "it locked away."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}))
    goods_only = forms.BooleanField(
        label=_("These are the goods I bought, at the price I paid: no time, tips or fees."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, ITEM_ROWS + 1):
            self.fields[f"item_{n}"] = FreeTextField(
                label=_("What you bought (%(n)s)") % {"n": n}, max_length=100, required=n == 1)
            self.fields[f"price_{n}"] = PoundsField(label=_("Price (%(n)s), £") % {"n": n},
                                                    required=n == 1)
        self.order_fields(["shop", "spent_at",
                           *[f for n in range(1, ITEM_ROWS + 1) for f in (f"item_{n}",
                                                                          f"price_{n}")]])

    def clean_spent_at(self):
        when = self.cleaned_data["spent_at"]
        if when > timezone.now() + timezone.timedelta(minutes=5):
            raise forms.ValidationError(_("The time on the receipt can't be in the future."))
        return when

    def clean(self):
        data = super().clean()
        for n in range(1, ITEM_ROWS + 1):
            item, price = data.get(f"item_{n}"), data.get(f"price_{n}")
            if item and price is None and f"price_{n}" not in self.errors:
                self.add_error(f"price_{n}", _("Enter the price of “%(item)s”.") % {"item": item})
            if price is not None and not item:
                self.add_error(f"item_{n}", _("Say what this price was for."))
        return data

    def lines(self) -> list[tuple[str, Decimal]]:
        data = self.cleaned_data
        return [(data[f"item_{n}"], data[f"price_{n}"]) for n in range(1, ITEM_ROWS + 1)
                if data.get(f"item_{n}") and data.get(f"price_{n}") is not None]


class AmountForm(forms.Form):
    amount = PoundsField(label=_("Amount, £"))


class PaymentForm(forms.Form):
    METHODS = [(JournalEntry.Kind.BANK, _("Bank transfer")),
               (JournalEntry.Kind.LINK, _("The payment link"))]
    amount = PoundsField(label=_("Amount received, £"))
    method = forms.ChoiceField(label=_("How they paid"), choices=METHODS,
                               widget=forms.RadioSelect, initial=JournalEntry.Kind.BANK)
    reference = FreeTextField(label=_("Reference on the bank statement"), max_length=40,
                              required=False)


class HardshipForm(forms.Form):
    amount = PoundsField(label=_("Amount the fund covers, £"))
    reason = FreeTextField(
        label=_("Note for the books (optional)"), max_length=200, required=False,
        help_text=_("Nobody has to prove need. Don't write anything about their money or "
                    "health here."))


class PlanForm(forms.Form):
    until = forms.DateField(label=_("They can pay back by"), widget=ISODateInput())


class DecideForm(forms.Form):
    ACTIONS = [("approve", _("Approve")), ("query", _("Ask a question")),
               ("reject", _("Reject"))]
    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)
    text = FreeTextField(label=_("Question or reason (for a query or a rejection)"),
                         max_length=300, required=False)


class AnswerForm(forms.Form):
    answer = FreeTextField(label=_("Your answer"), max_length=300)


class ReimburseForm(forms.Form):
    amount = PoundsField(label=_("Amount paid, £"))
    bank_reference = FreeTextField(label=_("Bank's reference for the payment"), max_length=40)


class FundForm(forms.Form):
    KINDS = [(JournalEntry.Kind.DONATION, _("A donation in")),
             (JournalEntry.Kind.GRANT, _("A grant in")),
             (JournalEntry.Kind.FUND_OUT, _("Money spent from the fund"))]
    kind = forms.ChoiceField(label=_("What is it?"), choices=KINDS, widget=forms.RadioSelect)
    amount = PoundsField(label=_("Amount, £"))
    description = FreeTextField(label=_("Who from, or what for"), max_length=200)


class ReasonForm(forms.Form):
    reason = FreeTextField(label=_("Why is it being reversed?"), max_length=200)


class OutcomeForm(forms.Form):
    outcome = FreeTextField(label=_("What you decided"), max_length=300)


class SettingsForm(forms.Form):
    task_limit = PoundsField(label=_("Most a volunteer spends on one task without asking, £"))
    bank_account_name = NameField(label=_("Bank account name"), max_length=100, required=False)
    bank_sort_code = FreeTextField(label=_("Sort code"), max_length=8, required=False)
    bank_account_number = FreeTextField(label=_("Account number"), max_length=8, required=False)
    payment_link = forms.URLField(label=_("Payment link (optional)"), required=False,
                                  assume_scheme="https")
    non_payment_threshold = forms.IntegerField(
        label=_("Unpaid tasks within 30 days before a coordinator reviews"), min_value=1,
        max_value=20)
    days_to_pay = forms.IntegerField(label=_("Days a resident has to pay back"), min_value=1,
                                     max_value=90)
    receipt_months = forms.IntegerField(label=_("Months receipt photos are kept"), min_value=1,
                                        max_value=84)

    def clean_bank_sort_code(self):
        code = "".join(ch for ch in self.cleaned_data["bank_sort_code"] if ch.isdigit())
        if self.cleaned_data["bank_sort_code"] and len(code) != 6:
            raise forms.ValidationError(_("A sort code has six digits, like 20-00-00."))
        return f"{code[:2]}-{code[2:4]}-{code[4:]}" if code else ""

    def clean_payment_link(self):
        link = self.cleaned_data["payment_link"]
        if link and not link.lower().startswith("https://"):
            # Residents type card details behind this link: never over plain http.
            raise forms.ValidationError(_("The payment link must start with https:// so card "
                                          "details are sent safely."))
        return link

    def clean_bank_account_number(self):
        number = self.cleaned_data["bank_account_number"].replace(" ", "")
        if number and (not number.isdigit() or len(number) != 8):
            raise forms.ValidationError(_("An account number has eight digits."))
        return number
