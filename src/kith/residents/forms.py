from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kith.core.formfields import FreeTextField, NameField, PostcodeField, UKPhoneField
from kith.groups.coverage import SECTOR_RE


class ResidentForm(forms.Form):
    name = NameField(label="What to call them", max_length=100,
                     help_text="For example: Mrs Ahmed, or Joe.")
    phone = UKPhoneField(label="Phone number", required=False)
    address = FreeTextField(label="Address", required=False,
                              widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}))
    postcode = PostcodeField(
        label="Postcode", required=False,
        help_text="The full postcode, like W10 5NW. It is sealed like the address.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    postcode_sector = FreeTextField(
        label="Or just the postcode sector", max_length=8, required=False,
        help_text="If they'd rather not say the full postcode: the first part and the next "
                  "digit, like W10 6.",
    )
    notes = FreeTextField(
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


# The sealed fields a correction can replace or remove, in the order the page shows them.
SEALED_LABELS = {
    "phone": _("Phone number"), "email": _("Email"), "address": _("Address"),
    "postcode": _("Full postcode"), "notes": _("Private notes"),
}


class CorrectResidentForm(forms.Form):
    """Correct a resident's record. A sealed value is never put back in the box: the page says
    whether one is recorded, and what is typed replaces it (or "remove" clears it). Empty boxes
    leave what is recorded as it is."""

    name = NameField(label=_("What to call them"), max_length=100,
                     error_messages={"required": _("Enter a name to call them by.")})
    phone = UKPhoneField(label=_("Phone number"), required=False)
    remove_phone = forms.BooleanField(label=_("Remove the phone number"), required=False)
    email = forms.EmailField(label=_("Email"), required=False, max_length=254,
                             error_messages={"invalid": _("Enter an email address like "
                                                          "name@example.org.")})
    remove_email = forms.BooleanField(label=_("Remove the email"), required=False)
    address = FreeTextField(label=_("Address"), required=False, max_length=300,
                              widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}))
    remove_address = forms.BooleanField(label=_("Remove the address"), required=False)
    postcode = PostcodeField(label=_("Full postcode"), required=False,
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))
    remove_postcode = forms.BooleanField(label=_("Remove the full postcode"), required=False)
    postcode_sector = FreeTextField(
        label=_("Postcode area (sector)"), max_length=8, required=False,
        help_text=_("The first half and the next digit, like W10 6. Set from the full postcode "
                    "when you type one."))
    language = FreeTextField(label=_("Preferred language"), max_length=40, required=False)
    notes = FreeTextField(label=_("Private notes"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 3}))
    remove_notes = forms.BooleanField(label=_("Remove the private notes"), required=False)
    at_risk = forms.BooleanField(
        label=_("At risk: call them back sooner"), required=False,
        help_text=_("Their callbacks are due in half the usual time."))
    check_in_days = forms.IntegerField(
        label=_("Regular check-in call every (days)"), required=False, min_value=1, max_value=60,
        help_text=_("Leave empty for no regular calls."),
        error_messages={"min_value": _("At least every day (1)."),
                        "max_value": _("At most every 60 days."),
                        "invalid": _("Give a whole number of days, like 7.")})

    def __init__(self, data=None, *, resident):
        super().__init__(data, initial={
            "name": resident.name, "postcode_sector": resident.postcode_sector,
            "language": resident.language, "at_risk": resident.at_risk,
            "check_in_days": resident.check_in_days})
        self.resident = resident
        for name in SEALED_LABELS:
            recorded = getattr(resident, name) is not None
            self.fields[name].help_text = (
                _("Sealed. Type a new one only to replace it.") if recorded
                else _("Type it to add it."))
            if not recorded:
                del self.fields[f"remove_{name}"]

    # Where a resident is reached or found: changing these needs fresh two-factor, since
    # whoever sets them can then read and cancel the resident's requests from the status page.
    CONTACT_FIELDS = ("phone", "email", "address")

    def changes_contact(self) -> list[str]:
        """The contact fields this post would replace or remove."""
        data = self.cleaned_data
        return [name for name in self.CONTACT_FIELDS
                if data.get(name) or data.get(f"remove_{name}")]

    def sealed_rows(self) -> list[dict]:
        """Each sealed value with its state and its "remove" box, for the template."""
        return [{"field": self[name], "recorded": getattr(self.resident, name) is not None,
                 "remove": self[f"remove_{name}"] if f"remove_{name}" in self.fields else None}
                for name in SEALED_LABELS]

    def clean_postcode_sector(self):
        raw = " ".join(self.cleaned_data["postcode_sector"].upper().split())
        if raw and not SECTOR_RE.match(raw):
            raise ValidationError(_("Give the sector like W10 6: the first half, a space, one "
                                    "digit."))
        return raw

    def clean(self):
        data = super().clean()
        for name in SEALED_LABELS:
            if data.get(name) and data.get(f"remove_{name}"):
                self.add_error(f"remove_{name}", _("Either type a new one or tick “remove”, "
                                                   "not both."))
        keeps_full = (self.resident.postcode is not None and not data.get("postcode")
                      and not data.get("remove_postcode"))
        sector = data.get("postcode_sector")
        if keeps_full and sector is not None and sector != self.resident.postcode_sector:
            self.add_error("postcode_sector", _(
                "The full postcode recorded is in %(sector)s. Type the new full postcode, or tick "
                "“Remove the full postcode”.") % {"sector": self.resident.postcode_sector})
        return data

    def changes(self) -> dict:
        """What to hand to correct_resident(): every plain field, and each sealed one only
        when something was typed ("" when it is to be removed)."""
        data = self.cleaned_data
        values = {name: data[name] for name in ("name", "language", "at_risk", "check_in_days")}
        if not data.get("postcode"):
            values["postcode_sector"] = data["postcode_sector"]
        for name in SEALED_LABELS:
            if data.get(name):
                values[name] = data[name]
            elif data.get(f"remove_{name}"):
                values[name] = ""
        return values
