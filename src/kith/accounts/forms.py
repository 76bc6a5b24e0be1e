from django import forms
from django.utils.translation import gettext_lazy as _

from kith.core.formfields import FreeTextField, NameField


class SignupExtraForm(forms.Form):
    """Asks for a name at sign-up, so coordinators know who has joined."""

    display_name = NameField(
        label="Your name", max_length=100,
        help_text="As you'd like neighbours and coordinators to see it.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ["display_name"]

    def signup(self, request, user):
        user.display_name = self.cleaned_data["display_name"].strip()
        user.save(update_fields=["display_name"])


class ProfileForm(forms.Form):
    display_name = NameField(label="Your name", max_length=100)
    phone = FreeTextField(
        label="Phone number (optional)", max_length=20, required=False,
        help_text="Stored sealed (encrypted). It is never shown back on this page. If it is "
                  "your mobile, you can also sign in with a code we text to it.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    postcode = FreeTextField(
        label="Your postcode (optional)", max_length=10, required=False,
        help_text="We keep only the first part and the next digit (like W10 5), to show how "
                  "many volunteers live in each area. Never your home.",
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )

    def clean_postcode(self):
        from kith.places.postcodes import PostcodeError, parse, parse_area

        raw = self.cleaned_data["postcode"]
        if not raw.strip():
            return ""
        try:
            return parse(raw).sector
        except PostcodeError:
            pass
        try:
            area = parse_area(raw)
        except PostcodeError as exc:
            raise forms.ValidationError(str(exc)) from None
        if " " not in area:
            raise forms.ValidationError("Give at least the first part and the next digit, like W10 5.")
        return area

    def clean_phone(self):
        from kith.core.phones import normalise_uk_phone

        raw = self.cleaned_data["phone"]
        return normalise_uk_phone(raw) if raw.strip() else ""


class InvitedSignUpForm(forms.Form):
    """Someone invited to a group makes an account: a name and an email, then a code by email."""

    display_name = NameField(
        label=_("Your name"), max_length=100,
        help_text=_("As you'd like neighbours and coordinators to see it."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your email address"), max_length=254,
        help_text=_("Use the address the invitation was sent to, if it came by email."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_display_name(self):
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Tell us your name."))
        return name

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

