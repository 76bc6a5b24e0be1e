"""The forms for how a person is reached and a group's quiet hours."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kith.messaging.models import TEXT_CHANNELS, Message


class ChannelForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("How should we send you offers and reminders?"),
        choices=[(Message.Channel.EMAIL, _("Email")),
                 (Message.Channel.SMS, _("Text message")),
                 (Message.Channel.WHATSAPP, _("WhatsApp"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose email, text message or WhatsApp."),
                        "invalid_choice": _("Choose email, text message or WhatsApp.")})

    def __init__(self, *args, person, **kwargs):
        from kith.messaging.channels import sendable

        self.person = person
        super().__init__(*args, **kwargs)
        field = self.fields["channel"]
        offered = sendable()  # a text or WhatsApp only where this site can send them
        field.choices = [(value, label) for value, label in field.choices if value in offered]
        if len(offered) < len(Message.Channel.values):
            words = _("Choose one of the ways listed.")
            field.error_messages.update(required=words, invalid_choice=words)

    def clean_channel(self) -> str:
        channel = self.cleaned_data["channel"]
        if channel == Message.Channel.EMAIL and not self.person.email:
            raise forms.ValidationError(_(
                "You have no email address on your account, so we can't email you. Choose a "
                "text message or WhatsApp."))
        if channel in TEXT_CHANNELS:
            self.check_mobile(channel)
        return channel

    def check_mobile(self, channel: str) -> None:
        """Texts and WhatsApp reach a mobile only: a landline would take none of them, and the
        person would wait for offers that never come."""
        from kith.core.phones import is_mobile
        from kith.messaging.channels import phone_of

        phone = phone_of(self.person)
        if phone and not is_mobile(phone):
            how = _("texts") if channel == Message.Channel.SMS else _("WhatsApp messages")
            raise forms.ValidationError(_(
                "The number on your account (ending %(ending)s) is not a mobile, so it can't "
                "get %(how)s. Choose email, or put your mobile number on My account first.")
                % {"ending": phone[-3:], "how": how})


class QuietHoursForm(forms.Form):
    """Both boxes share one explanation: it is shown under the fieldset's legend (id
    DESCRIPTION_ID) and both boxes point at it, not wedged between one label and its box."""

    DESCRIPTION_ID = "quiet-hours-help"
    description = _("No texts or WhatsApp messages between these times, unless urgent (an offer "
                    "for a request needed today, a safeguarding alert). They wait until the "
                    "quiet hours end. Emails are not held. The same start and end means no "
                    "quiet hours.")

    starts = forms.TimeField(
        label=_("Quiet from"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": _("Enter when quiet hours start, like 21:00."),
                        "invalid": _("Enter a time like 21:00.")})
    ends = forms.TimeField(
        label=_("Quiet until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": _("Enter when quiet hours end, like 08:00."),
                        "invalid": _("Enter a time like 08:00.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["aria-describedby"] = self.DESCRIPTION_ID
