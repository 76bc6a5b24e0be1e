"""A resident without an account checks their request: reference number, then a one-time
code sent to the phone or email we hold for them.

Nothing anyone sees depends on whether the reference exists or the contact is the resident's
own, so the form cannot be used to find out who asked for help, or whose number a reference
is. Each visit to the first step starts an `Attempt`: a random token kept in that browser's
session. A code is sent, and stored against a digest of the token, only when the reference
and the contact belong together; every other attempt waits for a code that never comes. The
code step then answers every attempt the same way: the same words for a wrong code whether or
not one was sent, and "run out" after the same number of tries or minutes. A code works only
in the session that asked for it.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.core.audit import log_action
from kith.core.digest import keyed_digest, phone_digest
from kith.requests.models import HelpRequest, StatusCode


class CodeProblem(Exception):
    """The code is wrong, used or old; the message says which, plainly."""


def not_right() -> str:
    return _("That code is not right. Check the six digits and try again.")


def run_out() -> str:
    return _("That code has run out. Ask for a new one.")


@dataclass
class Attempt:
    """One go at the first step, as the browser's session keeps it until the code is right."""

    reference: str
    token: str
    started: float
    tries: int = 0

    @classmethod
    def start(cls, reference: str) -> Attempt:
        return cls(reference=reference, token=secrets.token_urlsafe(24), started=time.time())

    @classmethod
    def from_session(cls, value) -> Attempt | None:
        try:
            return cls(**value)
        except TypeError:  # nothing there, or from an older Kith
            return None

    def to_session(self) -> dict:
        return asdict(self)

    @property
    def digest(self) -> str:
        return keyed_digest("status-attempt", self.token)

    def ran_out(self) -> bool:
        lifetime = StatusCode.LIFETIME.total_seconds()
        return self.tries >= StatusCode.MAX_TRIES or time.time() > self.started + lifetime


def _contact_matches(req: HelpRequest, contact: str) -> str:
    """'phone' or 'email' if `contact` is the resident's own, else ''."""
    resident = req.resident
    contact = contact.strip()
    if "@" in contact:
        email = resident.email._open() if resident.email else ""  # compared, never shown
        return "email" if email and email.lower() == contact.lower() else ""
    digest = phone_digest(contact)
    return "phone" if digest and digest == resident.phone_digest else ""


@transaction.atomic
def send_code(attempt: Attempt, contact: str) -> bool:
    """Send a code if the attempt's reference and `contact` belong together. The caller says
    the same thing either way; the return value is for tests and the audit."""
    from kith.core.mail import send_templated
    from kith.messaging.outbox import queue_text

    req = (HelpRequest.objects.filter(reference=attempt.reference)
           .select_related("resident", "group").first())
    channel = _contact_matches(req, contact) if req else ""
    if not channel:
        return False
    code = f"{secrets.randbelow(10**6):06d}"
    StatusCode.objects.create(request=req, code_digest=keyed_digest("status", f"{req.pk}:{code}"),
                              attempt_digest=attempt.digest,
                              expires_at=timezone.now() + StatusCode.LIFETIME)
    log_action("kith.request.status_code_sent", actor=None, group=req.group, obj=req,
               new={"channel": channel})
    text = f"Your {req.group.name} code is {code}. It works for 15 minutes."
    if channel == "email":
        address = contact.strip()
        send_templated(to=address, subject="Your code", template="requests/email/status_code.txt",
                       context={"code": code, "req": req}, resident=req.resident, group=req.group)
    else:  # opened only to hand to the outbox, which seals it again
        queue_text(to=req.resident.phone._open(), body=text, resident=req.resident,
                   group=req.group, template="status_code")
    return True


def check_code(attempt: Attempt, code: str) -> HelpRequest:
    """The request, if `code` is the one sent for this attempt; else CodeProblem, with words
    that depend only on the attempt (its tries and age), never on what exists. A wrong try
    counts on the attempt (the caller keeps it) as well as on the code."""
    if attempt.ran_out():
        raise CodeProblem(run_out())
    req = _use_code(attempt, code)
    if req is None:
        attempt.tries += 1
        raise CodeProblem(not_right())
    return req


@transaction.atomic
def _use_code(attempt: Attempt, code: str) -> HelpRequest | None:
    # Returns rather than raises, so a wrong try is counted (a raise would roll it back).
    from kith.requests.moves import add_event

    req = HelpRequest.objects.filter(reference=attempt.reference).select_related("group").first()
    issued = (StatusCode.objects.select_for_update()
              .filter(request=req, attempt_digest=attempt.digest, used_at__isnull=True)
              .order_by("-created_at").first() if req else None)
    if issued is None:
        return None
    if issued.expires_at < timezone.now() or issued.tries >= StatusCode.MAX_TRIES:
        return None
    if not secrets.compare_digest(issued.code_digest,
                                  keyed_digest("status", f"{req.pk}:{code.strip()}")):
        StatusCode.objects.filter(pk=issued.pk).update(tries=issued.tries + 1)
        return None
    issued.used_at = timezone.now()
    issued.save(update_fields=["used_at"])
    add_event(req, "status_checked", actor=None)
    return req
