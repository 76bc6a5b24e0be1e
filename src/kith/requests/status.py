"""A resident without an account checks their request: reference number, then a one-time
code sent to the phone or email we hold for them. Nothing is said about a reference or a
contact that does not match, so the form cannot be used to find out who asked for help."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from kith.core.audit import log_action
from kith.core.digest import keyed_digest, phone_digest
from kith.requests.models import HelpRequest, StatusCode


class CodeProblem(Exception):
    """The code is wrong, used or old; the message says which, plainly."""


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
def send_code(reference: str, contact: str) -> bool:
    """Send a code if the reference and contact belong together. The caller says the same
    thing either way; the return value is for tests and the audit."""
    from kith.core.mail import send_templated
    from kith.core.sms import send_sms

    req = HelpRequest.objects.filter(reference=reference).select_related("resident", "group").first()
    channel = _contact_matches(req, contact) if req else ""
    if not channel:
        return False
    code = f"{secrets.randbelow(10**6):06d}"
    StatusCode.objects.create(request=req, code_digest=keyed_digest("status", f"{req.pk}:{code}"),
                              expires_at=timezone.now() + StatusCode.LIFETIME)
    log_action("kith.request.status_code_sent", actor=None, group=req.group, obj=req,
               new={"channel": channel})
    text = f"Your {req.group.name} code is {code}. It works for 15 minutes."
    if channel == "email":
        address = contact.strip()
        transaction.on_commit(lambda: send_templated(
            to=address, subject="Your code", template="requests/email/status_code.txt",
            context={"code": code, "req": req}))
    else:
        number = req.resident.phone._open()
        transaction.on_commit(lambda: send_sms(number, text))
    return True


def check_code(reference: str, code: str) -> HelpRequest:
    """The request, if `code` is the latest one sent for it; else CodeProblem."""
    req, problem = _check_code(reference, code)
    if problem:
        raise CodeProblem(problem)
    return req


@transaction.atomic
def _check_code(reference: str, code: str) -> tuple[HelpRequest | None, str]:
    # Returns rather than raises, so a wrong try is counted (a raise would roll it back).
    from kith.requests.services import add_event

    req = HelpRequest.objects.filter(reference=reference).select_related("group").first()
    issued = (StatusCode.objects.select_for_update()
              .filter(request=req, used_at__isnull=True).order_by("-created_at").first()
              if req else None)
    if issued is None:
        return None, "That code is not right. Ask for a new one."
    if issued.expires_at < timezone.now() or issued.tries >= StatusCode.MAX_TRIES:
        return None, "That code has run out. Ask for a new one."
    if not secrets.compare_digest(issued.code_digest,
                                  keyed_digest("status", f"{req.pk}:{code.strip()}")):
        StatusCode.objects.filter(pk=issued.pk).update(tries=issued.tries + 1)
        return None, "That code is not right. Check the six digits and try again."
    issued.used_at = timezone.now()
    issued.save(update_fields=["used_at"])
    add_event(req, "status_checked", actor=None)
    return req, ""
