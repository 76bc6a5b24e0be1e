from django import forms


class SignupExtraForm(forms.Form):
    """Asks for a name at sign-up, so coordinators know who has joined."""

    display_name = forms.CharField(
        label="Your name", max_length=100,
        help_text="As you'd like neighbours and coordinators to see it.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ["display_name"]

    def signup(self, request, user):
        user.display_name = self.cleaned_data["display_name"].strip()
        user.save(update_fields=["display_name"])


class ProfileForm(forms.Form):
    display_name = forms.CharField(label="Your name", max_length=100)
    phone = forms.CharField(
        label="Phone number (optional)", max_length=20, required=False,
        help_text="Stored sealed (encrypted). It is never shown back on this page.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_phone(self):
        from kith.core.phones import normalise_uk_phone

        raw = self.cleaned_data["phone"]
        return normalise_uk_phone(raw) if raw.strip() else ""
