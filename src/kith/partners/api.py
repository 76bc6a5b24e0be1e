"""The partner API, /api/v1/ (django-ninja; its OpenAPI 3 schema at /api/v1/openapi.json).

Thin like any view: find the token, check the group and the scope, hand the rest to
services.py. A token belongs to one group: another group's address answers 404, as a group
page does to an outsider; a scope the token lacks answers 403. Reads return only what this
partner sent, and never anything about the person beyond the request's reference and status.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from uuid import UUID

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import NinjaAPI, Query, Status
from ninja.errors import HttpError, ValidationError
from ninja.security import HttpBearer

from kith.core import throttle
from kith.partners import intake, services
from kith.partners import status as partner_status
from kith.partners.models import READ, REFER, RUNS, ApiToken, PartnerReferral, PartnerRun
from kith.partners.problems import MEDIA_TYPE, Problem, problem_response
from kith.partners.schemas import (
    ProblemOut,
    ReferralIn,
    ReferralList,
    ReferralOut,
    RunIn,
    RunOut,
    TokenOut,
)

logger = logging.getLogger(__name__)

RATE_WINDOW = 60  # seconds
UNKNOWN_FIELD = "Kith does not read this field. Check its name against the schema."


def rate_limit() -> int:
    """Calls per token per minute (KITH_API_RATE_LIMIT)."""
    return int(settings.KITH_API_RATE_LIMIT)


class PartnerBearer(HttpBearer):
    """`Authorization: Bearer kith_…`. Each refusal says which of the reasons it is."""

    def __call__(self, request: HttpRequest):
        header = request.headers.get("Authorization", "")
        if not header:
            raise Problem(401, "Send your API token in the header Authorization: Bearer "
                               "<token>.", slug="no-token")
        scheme, _space, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Problem(401, "The Authorization header must be: Bearer <token>.",
                          slug="no-token")
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found = services.token_for(token)
        if found is None:
            raise Problem(401, "Kith does not know this token. Check it was copied whole, or "
                               "ask the group for a new one.", slug="bad-token")
        if not found.is_active:
            raise Problem(401, "This token was revoked by the group. Ask them for a new one.",
                          slug="revoked-token")
        if throttle.take("partners:api", str(found.pk), limit=rate_limit(),
                         seconds=RATE_WINDOW) is None:
            raise Problem(429, f"This token has made {rate_limit()} calls in the last minute, "
                               "the most Kith takes. Wait a minute and try again.",
                          slug="rate-limited", headers={"Retry-After": str(RATE_WINDOW)})
        services.mark_used(found)
        return found


class PartnerApi(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """Errors are documented as what they are: application/problem+json."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for code, answer in operation.get("responses", {}).items():
                    if int(code) >= 400 and "application/json" in answer.get("content", {}):
                        answer["content"] = {MEDIA_TYPE: answer["content"]["application/json"]}
        return schema


api = PartnerApi(
    title="Kith partner API", version="1", urls_namespace="partner_api", docs_url=None,
    auth=PartnerBearer(),
    description="For pharmacies, food banks and councils working with a Kith group: refer "
                "people who agreed to it, hand over a batch of deliveries as a run, and read "
                "the status of what you sent. See docs/PARTNERS.md.",
)

COMMON = {400: ProblemOut, 401: ProblemOut, 405: ProblemOut, 413: ProblemOut, 415: ProblemOut,
          422: ProblemOut, 429: ProblemOut}
IN_GROUP = {**COMMON, 403: ProblemOut, 404: ProblemOut}


@api.exception_handler(Problem)
def _problem(request, exc: Problem):
    return problem_response(exc)


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        parts = [str(part) for part in error.get("loc", ())]
        while parts and parts[0] in ("body", "query", "path"):  # where it came, not what
            parts = parts[1:]
        message = str(error.get("msg", "is not valid"))
        if error.get("type") == "extra_forbidden":
            message = UNKNOWN_FIELD
        errors.setdefault(".".join(parts) or "body", []).append(message)
    unknown = sorted(field for field, messages in errors.items() if UNKNOWN_FIELD in messages)
    detail = ("Kith does not read " + ", ".join(f"“{f}”" for f in unknown) + ": see errors."
              if unknown else "Some of what was sent is not valid: see errors.")
    return problem_response(Problem(422, detail, errors=errors, slug="invalid"))


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400 and "parse" in str(exc).lower():
        return problem_response(Problem(400, "The body is not valid JSON.", slug="bad-json"))
    return problem_response(Problem(exc.status_code, str(exc)))


@api.exception_handler(Http404)
def _not_found(request, exc: Http404):
    return problem_response(Problem(404, "There is nothing at this address in the partner API."))


@api.exception_handler(Exception)
def _crash(request, exc: Exception):
    logger.exception("partner API: unexpected error")
    return problem_response(Problem(500, "Kith could not answer this. It has been logged; "
                                         "please try again later."))


def _only_query(request, allowed: frozenset[str] = frozenset()) -> None:
    """Unknown query parameters are refused, not ignored: a typo ("limt") must not pass
    silently as if it had been read."""
    unknown = sorted(set(request.GET) - allowed)
    if unknown:
        raise Problem(400, f"Kith does not read the query parameter “{unknown[0]}” here.",
                      slug="unknown-parameter")


def _token(request, group: str, scope: str, query: frozenset[str] = frozenset()) -> ApiToken:
    _only_query(request, query)
    token: ApiToken = request.auth
    if token.partner.group.slug != group:
        raise Problem(404, "There is no such group for this token.", slug="no-such-group")
    if scope not in token.scopes:
        raise Problem(403, f"This token may not do that: it needs the “{scope}” scope. Ask "
                           "the group for a token that has it.", slug="scope")
    return token


def _referral_out(referral: PartnerReferral) -> dict:
    """The partner's own referral, never the request it may have joined: what it sent, and
    a status counted from when it sent it (status.of_referral)."""
    status, since = partner_status.of_referral(referral)
    return {"id": referral.public_id, "status": status,
            "status_label": partner_status.label(status), "service": referral.service,
            "urgency": referral.urgency, "consent_version": referral.consent_version,
            "created_at": referral.created_at, "status_changed_at": since}


def _run_out(handed: PartnerRun) -> dict:
    from django.db.models import Count, Q

    run = handed.run
    counts = run.stops.aggregate(
        stops=Count("pk"), unplaced=Count("pk", filter=~Q(problem="")),
        delivered=Count("pk", filter=Q(outcome="delivered")),
        not_delivered=Count("pk", filter=Q(outcome__in=["not_home", "returned"])))
    return {"id": handed.public_id, "kind": run.kind, "state": run.state,
            "state_label": run.get_state_display(), "date": run.date, **counts}


@api.get("/me", response={200: TokenOut, **COMMON}, url_name="me",
         summary="The token you are using: its partner, group and scopes")
def me(request):
    _only_query(request)
    token: ApiToken = request.auth
    return Status(200, {"partner": token.partner.name, "group": token.partner.group.slug,
                       "scopes": token.scopes, "prefix": token.prefix,
                       "services": intake.accepted_services(token.partner.group)})


@api.post("/groups/{group}/referrals", response={201: ReferralOut, **IN_GROUP},
          url_name="referrals", summary="Refer someone who agreed to it")
def refer(request, group: str, body: ReferralIn):
    token = _token(request, group, REFER)
    contact, need, consent = intake.read_referral(token.partner, body)
    referral = services.refer(token, contact=contact, need=need, consent=consent)
    return Status(201, _referral_out(referral))


@api.get("/groups/{group}/referrals", response={200: ReferralList, **IN_GROUP},
         url_name="referrals", summary="Your referrals, newest first")
def referral_list(request, group: str, limit: int = Query(50, ge=1, le=100),
                  offset: int = Query(0, ge=0, le=1_000_000),
                  since: dt.datetime | None = None):
    """Newest first; `offset` skips that many, `since` keeps those sent after a time."""
    token = _token(request, group, READ, query=frozenset({"limit", "offset", "since"}))
    rows = PartnerReferral.objects.filter(partner=token.partner).select_related("request")
    if since is not None:
        _iso_only(request.GET.get("since", ""), "since")
        rows = rows.filter(created_at__gte=_after(since, "since"))
    return Status(200, {"referrals": [_referral_out(r) for r in rows[offset:offset + limit]]})


def _iso_only(raw: str, name: str) -> None:
    """A time as the schema says (ISO 8601, date first): pydantic would also take a bare number
    as seconds since 1970, which no partner means and the schema does not allow."""
    if not re.match(r"\d{4}-\d{2}-\d{2}", raw.strip()):
        raise Problem(422, f"“{name}” is not a time Kith can read.", slug="invalid",
                      errors={name: ["Give a time like 2026-12-04T10:30:00+00:00."]})


def _after(at: dt.datetime, name: str) -> dt.datetime:
    """The first moment after `at` (no offset: taken as UTC), or 422 for a time that cannot
    be one. Times are given out to the millisecond: "after" is after that millisecond."""
    try:
        at = (at if timezone.is_aware(at) else at.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
        return at.replace(microsecond=at.microsecond // 1000 * 1000) + dt.timedelta(
            milliseconds=1)
    except OverflowError:
        raise Problem(422, f"“{name}” is not a time Kith can read.", slug="invalid",
                      errors={name: ["Give a time like 2026-12-04T10:30:00+00:00."]}) from None


@api.get("/groups/{group}/referrals/{referral_id}", response={200: ReferralOut, **IN_GROUP},
         url_name="referral", summary="The status of one of your referrals")
def referral(request, group: str, referral_id: UUID):
    token = _token(request, group, READ)
    found = (PartnerReferral.objects.filter(partner=token.partner, public_id=referral_id)
             .select_related("request").first())
    if found is None:  # another partner's, another group's, or none: all the same answer
        raise Problem(404, "You sent no referral with this id.", slug="no-such-referral")
    return Status(200, _referral_out(found))


@api.post("/groups/{group}/runs", response={201: RunOut, **IN_GROUP}, url_name="runs",
          summary="Hand over a batch of deliveries as a run")
def hand_over_run(request, group: str, body: RunIn):
    from kith.runs.services import RunError

    token = _token(request, group, RUNS)
    lines, errors = intake.run_lines(body)
    errors.update(intake.run_date_errors(body.date))
    if errors:
        raise Problem(422, "Some stops cannot be read: see errors.", errors=errors,
                      slug="invalid")
    try:
        handed, errors = services.hand_over_run(
            token, kind=body.kind.value, pickup_name=body.pickup_name,
            pickup_postcode=body.pickup_postcode, date=body.date or timezone.localdate(),
            lines=lines)
    except RunError as problem:
        raise Problem(422, str(problem), errors={"pickup_postcode": [str(problem)]},
                      slug="invalid") from None
    if handed is None:
        raise Problem(422, "Some stops cannot be read: see errors.", slug="invalid",
                      errors=intake.stop_errors(errors))
    return Status(201, _run_out(handed))


@api.get("/groups/{group}/runs/{run_id}", response={200: RunOut, **IN_GROUP}, url_name="run",
         summary="How one of your runs is going")
def run(request, group: str, run_id: UUID):
    token = _token(request, group, READ)
    found = (PartnerRun.objects.filter(partner=token.partner, public_id=run_id)
             .select_related("run").first())
    if found is None:
        raise Problem(404, "You handed over no run with this id.", slug="no-such-run")
    return Status(200, _run_out(found))
