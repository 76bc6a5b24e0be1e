from django import forms
from django.core.exceptions import ValidationError

from kith.core.formfields import NameField, PostcodeField, UKPhoneField
from kith.groups.coverage import SECTOR_RE


class ResidentForm(forms.Form):
    name = NameField(label="What to call them", max_length=100,
                     help_text="For example: Mrs Ahmed, or Joe.")
    phone = UKPhoneField(label="Phone number", required=False)
    address = forms.CharField(label="Address", required=False,
                              widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}))
    postcode = PostcodeField(
        label="Postcode", required=False,
        help_text="The full postcode, like W10 5NW. It is sealed like the address.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    postcode_sector = forms.CharField(
        label="Or just the postcode sector", max_length=8, required=False,
        help_text="If they'd rather not say the full postcode: the first part and the next "
                  "digit, like W10 6.",
    )
    notes = forms.CharField(
        label="Private notes", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Health or circumstances. Sealed like contact details; each look is logged.",
    )

    def clean_postcode_sector(self):
        raw = " ".join(self.cleaned_data["postcode_sector"].upper().split())
        if raw and not SECTOR_RE.match(raw):
            raise ValidationError("Give the sector like W10 6: the first half, a space, one digit.")
        return raw

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not data.get("address") and not self.errors:
            raise ValidationError("Give a phone number or an address, so someone can reach them.")
        return data


class CheckInForm(forms.Form):
    at_risk = forms.BooleanField(
        label="At risk: call them back sooner", required=False,
        help_text="Their callbacks are due in half the usual time.")
    every_days = forms.IntegerField(
        label="Regular check-in call every (days)", required=False, min_value=1, max_value=60,
        help_text="Leave empty for no regular calls. A call handler gets each one in the queue.",
        error_messages={"min_value": "At least every day (1).",
                        "max_value": "At most every 60 days.",
                        "invalid": "Give a whole number of days, like 7."})
