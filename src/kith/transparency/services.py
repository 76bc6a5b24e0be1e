"""Handing someone the copy of their data, safely (issue 16 item 3).

- A resident (often offline): a coordinator makes the copy on their request. Making it opens
  every sealed detail, so it goes through reveal() (role, two-factor this session, a reason)
  and is logged as one look: an access row per record opened. The coordinator is given a
  one-time link, to send or print, and a separate six-digit code to tell them by phone; only
  digests of both are kept. The link works once, for seven days; five wrong codes lock it.
- A person with an account (a volunteer): from My account, after a fresh code sent to them.
Every step is audited.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from kith.core.audit import log_action
from kith.core.digest import keyed_digest
from kith.core.middleware import current_request_id
from kith.core.models import PersonalDataAccess
from kith.core.privacy import one_look, reveal
from kith.transparency.catalogue import PERSON, RESIDENT
from kith.transparency.export import build
from kith.transparency.models import ExportLink

RESIDENT_FIELDS = ("phone", "email", "address", "postcode", "notes")
OWN_CODE_LIFETIME = timedelta(minutes=15)
OWN_CODE_TRIES = 5
READ_WINDOW = timedelta(hours=1)  # how long a page stays open after the right code


class LinkProblem(Exception):
    """The link cannot be used; the message says why in plain words."""


@dataclass(frozen=True)
class Made:
    link: ExportLink
    token: str
    code: str


def _code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def token_digest(token: str) -> str:
    return keyed_digest("export-link", token)


def _code_digest(token_digest_: str, code: str) -> str:
    return keyed_digest("export-code", f"{token_digest_}:{code.strip()}")


@transaction.atomic
def make_resident_export(resident, *, viewer, group, reason: str, request) -> Made:
    """The copy, sealed, behind a new link and code. Raises privacy.NeedToKnowDenied."""
    with one_look():
        for name in RESIDENT_FIELDS:  # the gate: role, two-factor, reason; and the look's row
            reveal(resident, name, viewer=viewer, group=group, reason=reason, request=request)
        built = build(resident, RESIDENT)
    _log_other_records(built.opened, resident, viewer=viewer, group=group, reason=reason)
    token, code = secrets.token_urlsafe(24), _code()
    digest = token_digest(token)
    link = ExportLink.objects.create(
        group=group, resident=resident, token_digest=digest, code_digest=_code_digest(digest, code),
        payload=json.dumps(built.document), made_by=viewer,
        expires_at=timezone.now() + ExportLink.LIFETIME)
    log_action("kith.export.made", actor=viewer, group=group, obj=resident,
               new={"link": link.pk, "expires_at": link.expires_at, "reason": reason})
    return Made(link, token, code)


@transaction.atomic
def text_link(made: Made, resident, *, url: str, viewer, group) -> bool:
    """Text the link (never the code) to the resident's mobile, through the outbox, so nobody
    has to read 32 characters off a printout. False when they have no mobile on record. Their
    number was opened, and logged, when the copy was made."""
    from kith.core.phones import is_mobile
    from kith.messaging.outbox import queue_text

    phone = resident.phone._open() if resident.phone is not None else ""
    if not is_mobile(phone):
        return False
    queue_text(to=phone, resident=resident, group=group, template="transparency/copy_link",
               urgent=True, body=_(
                   "%(group)s: the copy of your data you asked for is at %(url)s - we tell you "
                   "its code on the phone. It works once, until %(day)s.") % {
                   "group": group.name, "url": url,
                   "day": date_format(timezone.localtime(made.link.expires_at), "j M")})
    log_action("kith.export.link_texted", actor=viewer, group=group, obj=resident,
               new={"link": made.link.pk})
    return True


@transaction.atomic
def cancel_link(link: ExportLink, *, by) -> None:
    """A link not yet used stops working at once (made by mistake, or sent to the wrong
    place); its copy is emptied."""
    link = ExportLink.objects.select_for_update().get(pk=link.pk)
    if link.state != "waiting":
        return
    link.expires_at, link.payload = timezone.now(), None
    link.save(update_fields=["expires_at", "payload"])
    log_action("kith.export.cancelled", actor=by, group=link.group, obj=link.resident,
               new={"link": link.pk})


def _log_other_records(opened, resident, *, viewer, group, reason: str) -> None:
    """One access row per other record whose sealed fields went into the copy (its requests,
    callbacks, messages...), naming each field, as reveal() would."""
    fields: dict[tuple[str, str], list[str]] = {}
    reprs: dict[tuple[str, str], str] = {}
    for obj, name in opened:
        if obj == resident:
            continue
        key = (obj._meta.label_lower, str(obj.pk))
        fields.setdefault(key, [])
        if name not in fields[key]:
            fields[key].append(name)
        reprs[key] = str(obj)[:200]
    PersonalDataAccess.objects.bulk_create([
        PersonalDataAccess(viewer=viewer, group=group, subject_type=label, subject_id=pk,
                           subject_repr=reprs[(label, pk)], field=", ".join(names)[:50],
                           reason=reason[:200], request_id=current_request_id())
        for (label, pk), names in fields.items()])


def find_link(token: str) -> ExportLink | None:
    return (ExportLink.objects.filter(token_digest=token_digest(token))
            .select_related("group", "resident").first())


def _empty(link: ExportLink) -> None:
    ExportLink.objects.filter(pk=link.pk).update(payload=None)
    link.payload = None


def use_link(token: str, code: str) -> ExportLink:
    """The link, marked used, if `code` is its code; else LinkProblem. Wrong codes count on
    the link (locked after MAX_TRIES), committed with their audit row before the refusal."""
    link, problem = _try_link(token, code)
    if problem:
        raise LinkProblem(problem)
    assert link is not None
    return link


@transaction.atomic
def _try_link(token: str, code: str) -> tuple[ExportLink | None, str]:
    link = ExportLink.objects.select_for_update().filter(token_digest=token_digest(token)).first()
    if link is None:
        return None, _("This link is not one of ours. Check it was copied in full.")
    if link.state == "expired":
        _empty(link)
        return None, _("This link has expired. Ask the group for a new one.")
    if link.state != "waiting":
        return None, _("This link has been used or locked. Ask the group for a new one.")
    if not secrets.compare_digest(link.code_digest, _code_digest(link.token_digest, code)):
        link.tries += 1
        if link.tries >= ExportLink.MAX_TRIES:
            link.locked_at, link.payload = timezone.now(), None
            link.save(update_fields=["tries", "locked_at", "payload"])
            log_action("kith.export.locked", actor=None, group=link.group, obj=link.resident,
                       new={"link": link.pk, "tries": link.tries})
            return None, _("That code was wrong too many times, so this link is locked. "
                           "Ask the group for a new one.")
        link.save(update_fields=["tries"])
        log_action("kith.export.code_wrong", actor=None, group=link.group, obj=link.resident,
                   new={"link": link.pk, "tries": link.tries})
        left = ExportLink.MAX_TRIES - link.tries
        return None, ngettext("That code is not right. %(left)d more try before the link locks.",
                              "That code is not right. %(left)d more tries before the link locks.",
                              left) % {"left": left}
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    log_action("kith.export.used", actor=None, group=link.group, obj=link.resident,
               new={"link": link.pk})
    return link, ""


def payload_of(link: ExportLink) -> dict | None:
    """The copy, while the page opened with the right code may still show it; emptied after."""
    if link.payload is None or link.used_at is None:
        return None
    if link.used_at + READ_WINDOW <= timezone.now():
        _empty(link)
        return None
    sealed: Any = link.payload  # a Sealed once loaded (core.fields)
    return json.loads(sealed._open())


def empty_stale_copies(now) -> int:
    """The sweep: empty every copy whose link has expired, or was used more than READ_WINDOW
    ago. Run twice, the second run finds nothing. Returns how many were emptied."""
    from django.db.models import Q

    stale = Q(expires_at__lte=now) | Q(used_at__lte=now - READ_WINDOW)
    return ExportLink.objects.filter(stale, payload__isnull=False).update(payload=None)


# --- a person's own copy


# What the code is for, as its email and text say it: a code for one thing arriving when
# the person asked for another would read like someone else at work in their account.
OWN_CODE_PURPOSES = {
    "copy": (_lazy("Your code to download your data"),
             _lazy("download a copy of your data from Kith")),
    "delete": (_lazy("Your code to delete your account"),
               _lazy("delete your Kith account and everything about you")),
}


@transaction.atomic
def send_own_code(person, session, purpose: str = "copy") -> bool:
    """Send a fresh code to the person's email (or mobile, if they have no email); the
    session keeps only its digest. False when there is no way to reach them."""
    from kith.core.mail import send_templated
    from kith.messaging.channels import phone_of
    from kith.messaging.outbox import queue_text

    code = _code()
    subject, what = OWN_CODE_PURPOSES[purpose]
    if person.email:
        send_templated(to=person.email, subject=str(subject),
                       template="transparency/email/own_code.txt",
                       context={"code": code, "what": what}, person=person)
        way = "email"
    elif phone := phone_of(person):
        queue_text(to=phone, body=_("Kith: your code to %(what)s is %(code)s. It works for 15 "
                                    "minutes.") % {"code": code, "what": what},
                   person=person, template="transparency/own_code",
                   urgent=True)
        way = "text"
    else:
        return False
    session["transparency_own"] = {
        "digest": _own_digest(person, code, purpose),
        "until": (timezone.now() + OWN_CODE_LIFETIME).timestamp(), "tries": 0}
    log_action("kith.export.own_code_sent", actor=person, obj=person, new={"way": way})
    return True


def _own_digest(person, code: str, purpose: str) -> str:
    # The purpose is part of it: a code sent "to download your data" does not delete the
    # account, so the message's words stay true.
    return keyed_digest("own-export", f"{purpose}:{person.pk}:{code.strip()}")


def check_own_code(person, session, code: str, purpose: str = "copy") -> str:
    """"" if right (the session may read the copy for READ_WINDOW), else what went wrong."""
    held = session.get("transparency_own")
    now = timezone.now()
    if not held or held["until"] <= now.timestamp() or held["tries"] >= OWN_CODE_TRIES:
        session.pop("transparency_own", None)
        return _("That code has expired or was wrong too many times. Ask for a new one.")
    if not secrets.compare_digest(held["digest"], _own_digest(person, code, purpose)):
        held["tries"] += 1
        session["transparency_own"] = held
        return _("That code is not right. Check the latest message we sent you.")
    session.pop("transparency_own")
    session["transparency_own_until"] = (now + READ_WINDOW).timestamp()
    return ""


def may_read_own(session) -> bool:
    return session.get("transparency_own_until", 0) > timezone.now().timestamp()


@transaction.atomic
def own_copy(person, *, as_json: bool) -> dict:
    """Their own data: opened for them, audited (no access row: nobody else looked)."""
    document = build(person, PERSON).document
    log_action("kith.export.own_downloaded", actor=person, obj=person,
               new={"format": "json" if as_json else "page"})
    return document
