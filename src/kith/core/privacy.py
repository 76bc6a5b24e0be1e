"""reveal(): the one way to read encrypted personal data.

It checks need-to-know (a permission in the subject's group, two-factor sign-in for anyone
whose role can see residents' details, and for a call handler the call or request in hand) and
writes a PersonalDataAccess row in the same transaction as the read, so every look leaves a
trace. Pages reach it through core/reveal_views.py.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext

from kith.core.fields import Sealed
from kith.core.middleware import current_request_id
from kith.core.models import PersonalDataAccess


class NeedToKnowDenied(Exception):
    """The viewer may not see this; the message says why in plain words."""


def has_two_factor(user) -> bool:
    """A passkey or an authenticator app. (Backup codes only ever come with one of them.)"""
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def session_used_two_factor(request) -> bool:
    """Did this browser session prove a passkey, the authenticator app or a backup code?

    allauth writes an "mfa" authentication record for each: at sign-in (the code after the
    emailed one, or a passkey sign-in on its own), on its confirm pages, and Kith adds one when
    a passkey or app is set up in this session (accounts.signals), since that proved it too.
    Owning an authenticator is not enough: someone who took over a mailbox could sign in by
    code and add their own. The session itself must have used one.
    """
    from allauth.account.authentication import get_authentication_records

    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def fresh_two_factor(request) -> bool:
    """The gate reveal() uses, for other changes that could hand someone's data to a stranger
    (replacing a resident's phone, email or address; inviting someone into a role that sees
    personal data): a passkey or an app, proved in this session. A password alone, or an
    emailed code, is not enough: whoever holds those could attach their own email."""
    return has_two_factor(request.user) and session_used_two_factor(request)


def two_factor_url(request, next_url: str) -> str:
    """Where a "confirm it's you" link goes, coming back to `next_url` afterwards.

    Nothing set up yet: Kith's set-up page (allauth's confirm page would fall back to asking
    for a password, and return to the same refusal). A passkey only: allauth's passkey
    confirm page. Otherwise its code page, which offers a passkey too where there is one.
    """
    from allauth.mfa.models import Authenticator
    from django.urls import reverse
    from django.utils.http import urlencode

    if not getattr(request.user, "is_authenticated", False):
        name = "account_login"
    else:
        types = set(Authenticator.objects.filter(user=request.user).values_list("type", flat=True))
        if Authenticator.Type.TOTP in types:
            name = "mfa_reauthenticate"
        elif Authenticator.Type.WEBAUTHN in types:
            name = "mfa_reauthenticate_webauthn"
        else:
            name = "accounts:two_factor_setup"
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def check_need_to_know(viewer, group, permission: str = "residents.reveal") -> None:
    from kith.groups.access import has_permission

    if not getattr(viewer, "is_authenticated", False) or not has_permission(
        viewer, group, permission
    ):
        raise NeedToKnowDenied("Your role in this group does not include contact details.")
    if not has_two_factor(viewer):
        raise NeedToKnowDenied(
            "Set up two-factor sign-in (a passkey or an authenticator app) before you can see "
            "anyone's contact details."
        )


def check_in_hand(viewer, group, subjects, permission: str) -> None:
    """A role that opens residents' details only for the work in hand (a call handler's) opens
    exactly that: the call they hold or the request they are triaging (callbacks.in_hand says
    precisely). Checked here, inside the one gate, so no page, map or list can forget it."""
    from kith.groups.access import has_permission
    from kith.requests.callbacks import in_hand

    if permission != "residents.reveal" or has_permission(viewer, group, "residents.reveal_any"):
        return
    if has_permission(viewer, group, "safeguarding.case_details"):
        # A lead from above, where the group does not share personal data with theirs: only
        # the residents and requests its safeguarding cases are about.
        from kith.safeguarding.routing import cases_in_hand

        if not all(cases_in_hand(group).covers(subject) for subject in subjects):
            raise NeedToKnowDenied(gettext(
                "This group does not share residents' details with the groups above it, so "
                "you can see only the residents and requests its safeguarding cases are "
                "about."))
        return
    work = in_hand(viewer, group)
    if not all(work.covers(subject) for subject in subjects):
        raise NeedToKnowDenied(gettext(
            "You can see a resident's details only while you hold their call or are triaging "
            "their request."))


class CorrectionDenied(PermissionDenied):
    """The person may not correct this record; the message says why in plain words."""


def check_may_correct(person, group, subjects, permission: str) -> None:
    """Who may correct a resident's or a request's record: `permission` in the group, and for a
    role that opens residents only for the work in hand (a call handler) only that work, by
    the same rule as reveal() (check_in_hand). Correcting replaces a sealed value without
    opening it, so it asks no reason and no two-factor; a view that shows one still does."""
    from kith.groups.access import has_permission

    if not getattr(person, "is_authenticated", False) or not has_permission(
            person, group, permission):
        raise CorrectionDenied(gettext("Your role in this group does not include correcting "
                                       "these details."))
    try:
        for subject in subjects:
            _check_belongs(subject, group)
    except NeedToKnowDenied as exc:
        raise CorrectionDenied(str(exc)) from None
    try:
        check_in_hand(person, group, subjects, "residents.reveal")
    except NeedToKnowDenied:
        raise CorrectionDenied(gettext(
            "You can correct a resident's details only while you hold their call or are "
            "triaging their request.")) from None


def same_as_sealed(sealed: Sealed | None, value: str | None) -> bool:
    """Is `value` what is sealed already (None and "" both meaning nothing recorded)? A
    correction asks this so that saving a form unchanged, or typing the same address again,
    records nothing. The sealed value is opened only to compare: never shown, returned or
    logged, and only for someone check_may_correct() let through, who may replace it anyway."""
    if sealed is None or not value:
        return sealed is None and not value
    return sealed._open() == value


def sealed_with(sealed: Sealed | None, addition: str) -> str:
    """The sealed text with `addition` on the lines after it, for a service that adds to a
    sealed value (a call's answers added to what they need). Opened only to add to: the result
    is sealed again as it is saved, and never shown, returned to a page or logged."""
    if sealed is None:
        return addition
    return f"{sealed._open().rstrip()}\n{addition}"


def _check_belongs(subject: models.Model, group) -> None:
    """The group passed in must be the subject's own, or need-to-know could be borrowed."""
    if hasattr(subject, "group_id"):
        belongs = subject.group_id == group.pk
    elif hasattr(subject, "memberships"):
        belongs = subject.memberships.filter(group=group).exists()
    else:
        belongs = False
    if not belongs:
        raise NeedToKnowDenied("These details belong to another group.")


def _authorise(subjects, *, viewer, group, reason: str, permission: str, request,
               grant=None) -> str:
    """Every check before personal data is opened; returns the cleaned reason.

    A `grant` is a narrower need-to-know than a role: an object with
    `allows(viewer, subject) -> bool` (the volunteer assigned to a task, for that one
    resident's address, while the task lasts). It replaces the role and two-factor checks,
    never the reason, the group check or the access row.
    """
    reason = (reason or "").strip()
    if not reason:
        raise NeedToKnowDenied("Say why you need to see this (for example: calling back).")
    for subject in subjects:
        _check_belongs(subject, group)
    if grant is not None:
        if not all(grant.allows(viewer, subject) for subject in subjects):
            raise NeedToKnowDenied("You can see this only while the task is yours.")
        return reason[:200]
    check_need_to_know(viewer, group, permission)
    check_in_hand(viewer, group, subjects, permission)
    if request is not None and not session_used_two_factor(request):
        raise NeedToKnowDenied(
            "Confirm it's you with your passkey or authenticator app first (once per sign-in)."
        )
    return reason[:200]


def _sealed(subject: models.Model, field: str) -> Sealed | None:
    value = getattr(subject, field)
    if value is not None and not isinstance(value, Sealed):
        raise TypeError(f"{type(subject).__name__}.{field} is not an encrypted field")
    return value


# Rows of the look in progress (see one_look), by subject, viewer and reason.
_look: ContextVar[dict | None] = ContextVar("kith_look", default=None)


@contextmanager
def one_look():
    """Every reveal() inside is one look: one access row per subject, naming every field that
    was opened ("address, postcode"), written together at the end, or none if anything fails.

    A page that opens several fields of a record (the task page, a route's stops) would
    otherwise log a row per field, and the log would say three people looked when one did.
    """
    if _look.get() is not None:  # already inside a look: the outer one records
        yield
        return
    rows: dict = {}
    token = _look.set(rows)
    try:
        with transaction.atomic():
            yield
            PersonalDataAccess.objects.bulk_create(rows.values())
    finally:
        _look.reset(token)


def _record(subject: models.Model, field: str, *, viewer, group, reason: str) -> None:
    rows = _look.get()
    if rows is None:
        _access_row(subject, field, viewer=viewer, group=group, reason=reason).save()
        return
    key = (subject._meta.label_lower, subject.pk, viewer.pk, group.pk, reason)
    if key in rows:
        rows[key].field = f"{rows[key].field}, {field}"[:50]
    else:
        rows[key] = _access_row(subject, field, viewer=viewer, group=group, reason=reason)


def _access_row(subject: models.Model, field: str, *, viewer, group, reason: str):
    return PersonalDataAccess(
        viewer=viewer, group=group, subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk), subject_repr=str(subject)[:200], field=field,
        reason=reason, request_id=current_request_id(),
    )


@transaction.atomic
def reveal(
    subject: models.Model,
    field: str,
    *,
    viewer,
    group,
    reason: str,
    permission: str = "residents.reveal",
    request=None,
    grant=None,
) -> str | None:
    """Return the plaintext of `subject.field` for `viewer`, and record that they saw it.

    Views pass `request`, so the session must have used two-factor too (unless a `grant`
    scoped to one task authorises instead: see _authorise).
    """
    reason = _authorise([subject], viewer=viewer, group=group, reason=reason,
                        permission=permission, request=request, grant=grant)
    sealed = _sealed(subject, field)
    if sealed is None:
        return None
    _record(subject, field, viewer=viewer, group=group, reason=reason)
    return sealed._open()


@transaction.atomic
def record_use(subject: models.Model, field: str, *, viewer, group, reason: str) -> None:
    """Record that `viewer` was handed `field` of `subject` by Kith itself, with nothing
    opened on a page (a resident's text passed on to their volunteer): the same access row
    reveal() writes, so the access log shows it like any other look. The caller has decided
    the use is allowed (an open task); this checks only that the subject is the group's."""
    reason = (reason or "").strip()
    if not reason:
        raise NeedToKnowDenied("Say why the details were used.")
    _check_belongs(subject, group)
    _record(subject, field, viewer=viewer, group=group, reason=reason[:200])


@transaction.atomic
def reveal_many(
    subjects: list[models.Model],
    field: str,
    *,
    viewer,
    group,
    reason: str,
    request,
    permission: str = "residents.reveal",
) -> dict[int, str]:
    """reveal() for a list (the coordinators' map): one check, one access row per subject.

    Returns {subject pk: plaintext} for the subjects that have the field set.
    """
    reason = _authorise(subjects, viewer=viewer, group=group, reason=reason,
                        permission=permission, request=request)
    opened = {s.pk: (s, sealed) for s in subjects if (sealed := _sealed(s, field)) is not None}
    with one_look():  # one bulk insert, however many residents
        for s, _ in opened.values():
            _record(s, field, viewer=viewer, group=group, reason=reason)
    return {pk: sealed._open() for pk, (_, sealed) in opened.items()}
