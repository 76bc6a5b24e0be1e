"""reveal(): the one way to read encrypted personal data.

It checks need-to-know (a permission in the subject's group, two-factor sign-in for anyone
whose role can see residents' details, and for a call handler the call or request in hand) and
writes a PersonalDataAccess row in the same transaction as the read, so every look leaves a
trace. Pages reach it through core/reveal_views.py.
"""

from __future__ import annotations

from django.db import models, transaction
from django.utils.translation import gettext

from kith.core.fields import Sealed
from kith.core.middleware import current_request_id
from kith.core.models import PersonalDataAccess


class NeedToKnowDenied(Exception):
    """The viewer may not see this; the message says why in plain words."""


def has_two_factor(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def session_used_two_factor(request) -> bool:
    """Did this browser session prove the authenticator app (at sign-in or by re-confirming)?

    Owning an authenticator is not enough: someone who took over a mailbox could sign in by
    code and add their own. The session itself must have used one.
    """
    from allauth.account.authentication import get_authentication_records

    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def check_need_to_know(viewer, group, permission: str = "residents.reveal") -> None:
    from kith.groups.access import has_permission

    if not getattr(viewer, "is_authenticated", False) or not has_permission(
        viewer, group, permission
    ):
        raise NeedToKnowDenied("Your role in this group does not include contact details.")
    if not has_two_factor(viewer):
        raise NeedToKnowDenied(
            "Set up two-factor sign-in (an authenticator app) before you can see "
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
    work = in_hand(viewer, group)
    if not all(work.covers(subject) for subject in subjects):
        raise NeedToKnowDenied(gettext(
            "You can see a resident's details only while you hold their call or are triaging "
            "their request."))


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
            "Confirm it's you with your authenticator app first (once per sign-in)."
        )
    return reason[:200]


def _sealed(subject: models.Model, field: str) -> Sealed | None:
    value = getattr(subject, field)
    if value is not None and not isinstance(value, Sealed):
        raise TypeError(f"{type(subject).__name__}.{field} is not an encrypted field")
    return value


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
    _access_row(subject, field, viewer=viewer, group=group, reason=reason).save()
    return sealed._open()


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
    PersonalDataAccess.objects.bulk_create(
        [_access_row(s, field, viewer=viewer, group=group, reason=reason) for s, _ in opened.values()]
    )
    return {pk: sealed._open() for pk, (_, sealed) in opened.items()}
