"""allauth's mail (sign-in and confirmation codes) goes through the outbox like all else."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site


class KithAccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        from kith.messaging.outbox import Email, queue_emails

        request = allauth_context.request
        rendered = self.render_mail(template_prefix, email, {
            "request": request, "email": email, "current_site": get_current_site(request),
            **context})
        person = context.get("user")
        # A code has no change to roll back with, and someone is waiting for it: hand it to
        # the tasks API at once rather than at the end of the request's transaction.
        queue_emails([Email(to=email, subject=str(rendered.subject), body=str(rendered.body),
                            person=person if getattr(person, "pk", None) else None,
                            template=template_prefix)], wait_for_commit=False)
