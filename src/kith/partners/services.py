"""Every change to partners and their tokens, and every write a partner makes through the
API. One transaction each, with its audit row.

Coordinators' changes name them as the actor. A write through the API has no person behind
it: its audit row's actor is empty and `via` names the partner and the token's prefix, so
the trail says which token did it (a revoked token's past writes stay traceable).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from kith.core.audit import log_action
from kith.partners import tokens
from kith.partners.models import SCOPE_KEYS, ApiToken, Partner, PartnerReferral, PartnerRun

LAST_USED_EVERY = timedelta(minutes=1)  # "last used" is written at most this often per token


class NotAllowed(PermissionDenied):
    """Only the group's coordinators manage its partners."""


def _require_manager(person, group) -> None:
    """None is Kith itself (the demo loader); anyone else must coordinate the group."""
    from kith.groups.access import has_permission

    if person is not None and not has_permission(person, group, "partners.manage"):
        raise NotAllowed("Only the group's coordinators can manage its partners.")


def via(token: ApiToken) -> str:
    """How an API write is named in the audit trail (no secret: the prefix is shown anyway)."""
    return f"API token {token.prefix}… of {token.partner.name}"


# --- coordinators


@transaction.atomic
def add_partner(group, *, name: str, kind: str, acting_user) -> Partner:
    _require_manager(acting_user, group)
    partner = Partner.objects.create(group=group, name=name.strip(), kind=kind,
                                     created_by=acting_user)
    log_action("kith.partner.added", actor=acting_user, group=group, obj=partner,
               new={"name": partner.name, "kind": kind})
    return partner


class FormAlreadyUsed(Exception):
    """The form that would make this token made one already (reloaded, or sent twice)."""

    def __init__(self, token: ApiToken):
        super().__init__(f"That form already made token {token.prefix}…")
        self.token = token


@transaction.atomic
def issue_token(partner: Partner, *, scopes: list[str], label: str, acting_user,
                form_key: str | None = None) -> tuple[ApiToken, str]:
    """A new token; returns it and its secret, which the caller shows once and forgets.
    `form_key`: the one-time key of the form asking; a key used already raises
    FormAlreadyUsed (naming the token it made) and makes nothing."""
    _require_manager(acting_user, partner.group)
    chosen = [s for s in SCOPE_KEYS if s in set(scopes)]
    if not chosen:
        raise ValueError("Choose at least one thing the token may do.")
    _check_form_unused(partner, form_key)
    made = tokens.new_token()
    try:
        with transaction.atomic():  # a savepoint: the same form posted twice at once
            token = ApiToken.objects.create(
                partner=partner, label=label.strip(), prefix=made.prefix, digest=made.digest,
                scopes=chosen, created_by=acting_user, form_key=form_key or None)
    except IntegrityError:
        _check_form_unused(partner, form_key)
        raise
    log_action("kith.partner.token_issued", actor=acting_user, group=partner.group, obj=token,
               new={"partner": partner.name, "prefix": made.prefix, "scopes": chosen,
                    "label": token.label})
    return token, made.secret


def _check_form_unused(partner: Partner, form_key: str | None) -> None:
    used = (ApiToken.objects.filter(partner=partner, form_key=form_key).first()
            if form_key else None)
    if used is not None:
        raise FormAlreadyUsed(used)


@transaction.atomic
def revoke_token(token: ApiToken, *, acting_user) -> bool:
    """Refused from the next request on (every request reads the token afresh). False if it
    was revoked already."""
    _require_manager(acting_user, token.partner.group)
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=acting_user)
    if changed:
        log_action("kith.partner.token_revoked", actor=acting_user, group=token.partner.group,
                   obj=token, new={"partner": token.partner.name, "prefix": token.prefix})
    return bool(changed)


@transaction.atomic
def set_webhook(partner: Partner, *, url: str, new_secret: bool = False, acting_user
                ) -> str | None:
    """Point the partner's webhooks at `url` (checked by the form). A new address, or
    `new_secret`, makes a fresh secret, returned to be shown once; an empty url turns
    webhooks off and drops the secret (returns ""). Nothing different: None, nothing written."""
    _require_manager(acting_user, partner.group)
    if url == partner.webhook_url and not (new_secret and url):
        return None
    secret = tokens.new_webhook_secret() if url else ""
    partner.webhook_url, partner.webhook_secret = url, (secret or None)
    partner.save(update_fields=["webhook_url", "webhook_secret"])
    action = "kith.partner.webhook_set" if url else "kith.partner.webhook_removed"
    log_action(action, actor=acting_user, group=partner.group, obj=partner,
               new={"url": url, "partner": partner.name, "new_secret": bool(secret)})
    return secret


# --- the API


def token_for(secret: str) -> ApiToken | None:
    """The token this secret is, revoked or not (the caller says which), or None."""
    if not tokens.looks_like_token(secret):
        return None
    return (ApiToken.objects.select_related("partner__group")
            .filter(digest=tokens.digest_of(secret)).first())


def mark_used(token: ApiToken) -> None:
    """Note when the token was last used, at most once a minute (a busy partner is not a
    write per request)."""
    now = timezone.now()
    from django.db.models import Q

    ApiToken.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY),
                            pk=token.pk).update(last_used_at=now)


@dataclass(frozen=True)
class Consent:
    version: str
    given_by: str
    given_by_name: str
    at: datetime


@transaction.atomic
def refer(token: ApiToken, *, contact, need, consent: Consent) -> PartnerReferral:
    """A person referred in, through the same intake as the partner's web form (with its
    area check, exclusion list and callback queue), and the consent beside it.

    What the partner sent is kept on its referral. If it joined a request already open, the
    partner's need, urgency and referrer are added to that request too (sealed, with a
    timeline line naming the partner), so the group sees both asks."""
    from kith.requests.moves import add_event
    from kith.requests.outside_area import take_public_request

    partner = token.partner
    result, _area = take_public_request(partner.group, channel="referral", contact=contact,
                                        need=need)
    referral = PartnerReferral.objects.create(
        partner=partner, token=token, request=result.request, joined_existing=result.linked,
        service=need.service, urgency=need.urgency, details=need.details or None,
        referrer_name=need.asked_by or None, referrer_contact=need.partner_contact or None,
        consent_version=consent.version, consent_given_by=consent.given_by,
        consent_given_by_name=consent.given_by_name or None, consent_at=consent.at)
    if result.linked:
        _add_to_joined(result.request, partner, need)
    # The consent as the partner recorded it, where coordinators read the request (no name:
    # who spoke for the person stays sealed on the referral).
    add_event(result.request, "partner_api_referral", actor=None, note=(
        f"By {partner.name} through the partner API (token {token.prefix}…)"
        + (f": {_need_words(need)}, added to the details" if result.linked else "")
        + f". Consent wording {consent.version}, given by "
        + ("the person themselves" if consent.given_by == "the_person" else
           "someone acting for them")))
    log_action("kith.partner_api.referred", actor=None, group=partner.group, obj=referral,
               new={"via": via(token), "request": result.request.reference,
                    "joined_existing": result.linked, "consent_version": consent.version,
                    "consent_given_by": consent.given_by})
    return referral


def _need_words(need) -> str:
    from kith.requests.models import HelpRequest

    probe = HelpRequest(service=need.service, urgency=need.urgency)
    return f"{probe.get_service_display()} ({probe.get_urgency_display().lower()})"


def _add_to_joined(req, partner: Partner, need) -> None:
    """The partner's own ask, added to the sealed details of the request it joined (the
    referrer's contact is personal: never on the timeline, which is not sealed)."""
    lines = [f"Also referred by {partner.name}: {_need_words(need)}."]
    if need.details:
        lines.append(need.details)
    if need.asked_by or need.partner_contact:
        lines.append(f"Referrer: {need.asked_by} ({need.partner_contact})".replace(" ()", ""))
    from kith.core.privacy import sealed_with

    req.details = sealed_with(req.details, "\n".join(lines))
    req.save(update_fields=["details"])


@transaction.atomic
def hand_over_run(token: ApiToken, *, kind: str, pickup_name: str, pickup_postcode: str,
                  date, lines: str):
    """A run in draft from the partner's pickup, its stops read as if pasted in (all or
    none). Returns (PartnerRun or None, errors): errors leave nothing behind."""
    from kith.runs import services as runs

    partner = token.partner
    with transaction.atomic():  # a savepoint: the run goes too if a stop is refused
        run = runs.create_run(partner.group, acting_user=None, kind=kind,
                              partner_name=partner.name, pickup_name=pickup_name,
                              pickup_postcode=pickup_postcode, date=date)
        read = runs.add_stops(run, lines, acting_user=None)
        if read.errors:
            transaction.set_rollback(True)
            return None, read.errors
    handed = PartnerRun.objects.create(partner=partner, token=token, run=run)
    log_action("kith.partner_api.run_handed_over", actor=None, group=partner.group, obj=run,
               new={"via": via(token), "stops": len(read.stops), "kind": kind})
    return handed, []
