"""The forms for how a person is reached and a group's quiet hours."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kith.messaging.models import Message


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
        self.person = person
        super().__init__(*args, **kwargs)

    def clean_channel(self) -> str:
        channel = self.cleaned_data["channel"]
        if channel == Message.Channel.EMAIL and not self.person.email:
            raise forms.ValidationError(_(
                "You have no email address on your account, so we can't email you. Choose a "
                "text message or WhatsApp."))
        return channel


class QuietHoursForm(forms.Form):
    starts = forms.TimeField(
        label=_("Quiet from"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": _("Enter when quiet hours start, like 21:00."),
                        "invalid": _("Enter a time like 21:00.")})
    ends = forms.TimeField(
        label=_("Quiet until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("No texts or WhatsApp messages between these times, unless urgent (an offer "
                    "for a request needed today, a safeguarding alert). They wait until the "
                    "quiet hours end. Emails are not held. The same start and end means no "
                    "quiet hours."),
        error_messages={"required": _("Enter when quiet hours end, like 08:00."),
                        "invalid": _("Enter a time like 08:00.")})
