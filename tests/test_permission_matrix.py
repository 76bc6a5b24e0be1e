"""Who gets what on every named URL: the permission matrix.

EXPECTED has one row per URL name: {persona: outcome}. An outcome is a status code, or
"302 <url name>" for a redirect (SIGN_IN is the sign-in page). The matrix is parametrised
over every name the root resolver knows, so a new URL without a row fails here, and so
does a row for a URL that has gone. PREFIX_RULES covers the Django admin by rule.

Decisions written down here:
- Group pages: anonymous -> sign in; outsiders and other groups' coordinators -> 404 (a
  group's pages do not admit it exists); members without the permission -> 403.
- The ward coordinator sees the street from above (access.py: PARENT_PERMISSIONS is only
  "group.view"). The street exists to her, so its other pages are 403, not 404. Residents
  are 403 too unless the street shares personal data with its parent (tested below).
- POST-only URLs answer GET with 405 whoever asks: the method check runs first and
  reveals nothing about the group.
- The admin is for superusers only, reached through Kith's own sign-in: anyone not signed in
  goes to allauth's sign-in (rate-limited, two-factor), and to everyone else who is not a
  superuser the admin does not exist (404). Its own password form never appears.
- Personas are built as conftest builds them: signed up by code (no password), email not
  yet verified, no authenticator (two-factor) unless a test gives them one.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.groups.models import Invitation, Membership
from kith.groups.roles import PARENT_PERMISSIONS, permissions_for
from tests.conftest import confirm_two_factor, enable_totp
from tests.factories import MembershipFactory, PersonFactory
from tests.test_headers import assert_privacy_headers

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "outsider", "volunteer", "call_handler", "coordinator",
            "other_coordinator", "ward_coordinator"]
FIXTURE_FOR = {"outsider": "olu", "volunteer": "tom", "call_handler": "sam",
               "coordinator": "priya", "other_coordinator": "nadia",
               "ward_coordinator": "ward_coordinator"}
ROLES_OF = {"volunteer": {"volunteer"}, "call_handler": {"call_handler"},
            "coordinator": {"coordinator"}}

SIGN_IN = "302 account_login"
# The admin: sign in through allauth first; to a signed-in non-superuser it does not exist.
MINE = "302 groups:mine"
START = "302 groups:start"


def everyone(outcome):
    return dict.fromkeys(PERSONAS, outcome)


def signed_in(outcome, anonymous=SIGN_IN):
    """Any signed-in person gets `outcome`; someone not signed in gets `anonymous`."""
    return {**everyone(outcome), "anonymous": anonymous}


# The admin: sign in through allauth first; to a signed-in non-superuser it does not exist.
ADMIN = signed_in(404)


def group_page(volunteer, call_handler, coordinator, ward_coordinator):
    """A page inside Golborne Road: tenancy fixes the other three columns."""
    return {"anonymous": SIGN_IN, "outsider": 404, "other_coordinator": 404,
            "volunteer": volunteer, "call_handler": call_handler, "coordinator": coordinator,
            "ward_coordinator": ward_coordinator}


EXPECTED: dict[str, dict[str, int | str]] = {
    # --- core
    "core:home": signed_in(START, anonymous=200),
    "core:healthz": everyone(200),
    "core:favicon": everyone("302 /static/"),  # to the icon among the static files
    # --- Kith's own pages
    "accounts:profile": signed_in(200),
    "accounts:two_factor_setup": signed_in(200),
    "accounts:two_factor_done": signed_in("302 accounts:profile"),  # nowhere to go back to
    # One way to sign up: without an invitation to come back to, it is volunteer sign-up.
    "accounts:signup": everyone("302 volunteers:join"),
    "groups:mine": signed_in(200),
    # Lands each person on their work (groups/today.landing).
    "groups:start": {"anonymous": SIGN_IN, "outsider": MINE, "volunteer": "302 volunteers:home",
                     "call_handler": "302 requests:queue", "coordinator": "302 groups:dashboard",
                     "other_coordinator": "302 groups:dashboard",
                     "ward_coordinator": "302 groups:dashboard"},
    "groups:dashboard": group_page(200, 200, 200, 200),
    "groups:members": group_page(403, 403, 200, 403),
    "groups:member_edit": group_page(403, 403, 200, 403),
    "groups:member_remove": everyone(405),
    "groups:invitations": group_page(403, 403, 200, 403),
    "groups:invitation_revoke": everyone(405),
    "groups:settings": group_page(403, 403, 200, 403),
    # group.edit, but a street holds no groups: its own coordinator gets a 403 that says so.
    "groups:subgroup_new": group_page(403, 403, 403, 403),
    "groups:audit": group_page(403, 403, 200, 403),
    "groups:access_log": group_page(403, 403, 200, 403),
    # Anyone holding the link may read the invitation; joining needs sign-in (POST).
    "groups:invitation_accept": everyone(200),
    "residents:list": group_page(403, 200, 200, 403),
    "residents:new": group_page(403, 200, 200, 403),
    "residents:detail": group_page(403, 200, 200, 403),
    "residents:map": group_page(403, 200, 200, 403),
    # residents.edit: coordinators, and call handlers only for the resident in their hands
    # (privacy.check_may_correct); Sam holds none of Mrs Ahmed's calls here, so a 403 saying so.
    "residents:edit": group_page(403, 403, 200, 403),
    # Volunteers' own pages: Tom is a volunteer with a profile; the other personas have none,
    # so they are sent to sign up.
    # A copy of one's own data (after a fresh code: without one, back to ask for it) and
    # one's consents: anyone signed in. A resident's copy and consents: residents.rights.
    "transparency:own": signed_in(200),
    "transparency:own_copy": signed_in("302 transparency:own"),
    "transparency:own_copy_json": signed_in("302 transparency:own"),
    "transparency:my_consents": signed_in(200),
    "transparency:resident_copy": group_page(403, 403, 200, 403),
    "transparency:resident_consents": group_page(403, 403, 200, 403),
    # The resident's one-time link: public behind its code; a token that is no link's is 404.
    "transparency:link": everyone(404),
    "transparency:link_json": everyone(404),
    "volunteers:home": {**everyone("302 volunteers:join"), "volunteer": 200},
    "volunteers:join": {**everyone(200), "volunteer": "302 volunteers:home"},
    # Nothing waiting to finish: to sign-up, or home for someone already signed up.
    "volunteers:finish": {**signed_in("302 volunteers:join"), "volunteer": "302 volunteers:home"},
    "volunteers:safety": everyone(200),
    "volunteers:details": {**signed_in("302 volunteers:join"), "volunteer": 200},
    "volunteers:consents": {**signed_in("302 volunteers:join"), "volunteer": 200},
    "volunteers:reach": {**signed_in("302 volunteers:join"), "volunteer": 200},
    "volunteers:leave": {**signed_in("302 volunteers:join"), "volunteer": 200},
    "volunteers:duty": everyone(405),
    "volunteers:break": everyone(405),
    "volunteers:back": everyone(405),
    # volunteers.view / .vet: coordinators and safeguarding leads; .contact (CSV): coordinators.
    "volunteers:list": group_page(403, 403, 200, 403),
    "volunteers:detail": group_page(403, 403, 200, 403),
    "volunteers:policy": group_page(403, 403, 200, 403),
    "volunteers:export": group_page(403, 403, 200, 403),
    "volunteers:vetting": everyone(405),
    "volunteers:approve": everyone(405),
    # erasure.erase: coordinators (a volunteer's page: Tom's membership). Anyone signed in may
    # delete their own account (a volunteer, a call handler, someone in no group), so it
    # stays open whichever way a volunteer went and needs no row among the ways out.
    "erasure:resident": group_page(403, 403, 200, 403),
    "erasure:volunteer": group_page(403, 403, 200, 403),
    "erasure:me": signed_in(200),
    # Public: anyone may start a group or say a listing is wrong (rate-limited per address).
    # --- the public directory: open to all, signed in or not
    "directory:find": everyone(200),
    "directory:widget": everyone(200),
    "directory:index": everyone(200),
    "directory:borough": everyone(200),
    "directory:group": everyone(200),
    "directory:api_groups": everyone(400),  # no ?postcode= given
    "directory:map": everyone(200),
    "directory:map_data": everyone(200),
    "directory:blank_tile": everyone(200),
    # gaps.view: coordinators (the nav offers it on wards and boroughs, where gaps make sense)
    "directory:gaps": group_page(403, 403, 200, 403),
    "listings:start": everyone(200),
    "listings:register": everyone(200),
    "listings:report": everyone(200),
    # listings.moderate. On a street (not a network) the queue page only says who approves.
    "listings:registrations": group_page(403, 403, 200, 403),
    "listings:reports": group_page(403, 403, 200, 403),
    "listings:verify": everyone(405),
    # volunteers.import: coordinators. With no file uploaded, the later steps say so (200).
    "volunteers_import:upload": group_page(403, 403, 200, 403),
    "volunteers_import:columns": group_page(403, 403, 200, 403),
    "volunteers_import:check": group_page(403, 403, 200, 403),
    "volunteers_import:commit": everyone(405),
    "volunteers_import:cancel": everyone(405),
    "volunteers_import:run": group_page(403, 403, 200, 403),
    # --- help requests. Residents and partners need no account.
    "requests:ask": everyone(200),
    "requests:refer": everyone(200),
    "requests:ask_sent": everyone("302 requests:ask"),  # nothing sent in this session
    "requests:status": everyone(200),
    "requests:status_code": everyone("302 requests:status"),  # no code asked for yet
    "requests:status_view": everyone("302 requests:status"),
    # callbacks.work: coordinators and call handlers.
    "requests:queue": group_page(403, 200, 200, 403),
    "requests:missed_call": group_page(403, 200, 200, 403),
    "requests:callback": group_page(403, 200, 200, 403),
    "requests:claim": everyone(405),
    "requests:release": everyone(405),
    "requests:attempt": everyone(405),
    # requests.view / .intake: coordinators, call handlers (and safeguarding leads to view).
    "requests:list": group_page(403, 200, 200, 403),
    "requests:intake": group_page(403, 200, 200, 403),
    "requests:detail": group_page(403, 200, 200, 403),
    "requests:move": everyone(405),
    # requests.edit: coordinators, and call handlers only for the request in their hands.
    "requests:edit": group_page(403, 403, 200, 403),
    # requests.assign and requests.settings: coordinators.
    "requests:assign": group_page(403, 403, 200, 403),
    "requests:policy": group_page(403, 403, 200, 403),
    "requests:series_list": group_page(403, 200, 200, 403),
    "requests:series_new": group_page(403, 200, 200, 403),
    "requests:series": group_page(403, 200, 200, 403),
    # exclusions.manage: coordinators and safeguarding leads.
    "requests:exclusions": group_page(403, 403, 200, 403),
    "requests:lift_exclusion": everyone(405),
    # A task page is its assigned volunteer's alone (Tom holds this one); to anyone else it
    # does not exist.
    "requests:task": {**signed_in(404), "volunteer": 200},
    # --- matching. requests.assign: coordinators. An offer is its volunteer's alone (Tom has
    # this one); to anyone else it does not exist.
    "matching:match_all": group_page(403, 403, 200, 403),
    "matching:offer_request": everyone(405),
    "matching:offer": {**signed_in(404), "volunteer": 200},
    # --- runs. runs.manage: coordinators. A route is its volunteer's alone, once sent out
    # (Tom holds this one); to anyone else it does not exist.
    "runs:list": group_page(403, 403, 200, 403),
    "runs:new": group_page(403, 403, 200, 403),
    "runs:detail": group_page(403, 403, 200, 403),
    "runs:stops": group_page(403, 403, 200, 403),
    "runs:swap": group_page(403, 403, 200, 403),
    "runs:remove_stop": everyone(405),
    "runs:split": everyone(405),
    "runs:send": everyone(405),
    "runs:outcome": everyone(405),
    "runs:finish": everyone(405),
    "runs:route_sheet": everyone(405),  # POST: a coordinator's print is a reveal, with a reason
    "runs:my_route": {**signed_in(404), "volunteer": 200},
    "runs:my_sheet": {**signed_in(404), "volunteer": 200},
    # --- local services (signposting). services.view: coordinators, call handlers and
    # safeguarding leads; services.manage: coordinators. Another group's service is a 404
    # (test_other_groups_services_are_not_found, tests/signposting).
    "signposting:list": group_page(403, 200, 200, 403),
    "signposting:find": group_page(403, 200, 200, 403),
    "signposting:detail": group_page(403, 200, 200, 403),
    "signposting:new": group_page(403, 403, 200, 403),
    "signposting:edit": group_page(403, 403, 200, 403),
    "signposting:checked": everyone(405),
    "signposting:import": group_page(403, 403, 200, 403),
    "signposting:export": group_page(403, 403, 200, 403),
    # referrals.send: coordinators and call handlers.
    "signposting:refer": group_page(403, 200, 200, 403),
    "signposting:referrals": group_page(403, 200, 200, 403),
    "signposting:referral": group_page(403, 200, 200, 403),
    # --- safeguarding. Anyone may report to a group (rate-limited per address); members
    # report from inside (safeguarding.report: every role, not the ward's view from above).
    "safeguarding:report_public": everyone(200),
    "safeguarding:public_sent": everyone(200),
    "safeguarding:report": group_page(200, 200, 200, 403),
    "safeguarding:reported": group_page(200, 200, 200, 403),
    # safeguarding.cases: coordinators see that cases exist; leads see them (tests/safeguarding).
    "safeguarding:cases": group_page(403, 403, 200, 403),
    # A case's details are the safeguarding leads' alone: to everyone else it does not exist
    # (tests/safeguarding/test_cases.py has the leads, and the leads above).
    "safeguarding:case": group_page(404, 404, 404, 404),
    # --- partners: partners.manage, coordinators of the group itself. Tokens and webhook
    # addresses are made and revoked by POST only (the token is shown in that POST's answer);
    # a GET on the forms' addresses shows the partner's page; revoking asks "are you sure?".
    "partners:list": group_page(403, 403, 200, 403),
    "partners:detail": group_page(403, 403, 200, 403),
    "partners:token_new": group_page(403, 403, 200, 403),
    "partners:webhook": group_page(403, 403, 200, 403),
    "partners:token_revoke": group_page(403, 403, 200, 403),
    # --- the partner API: a bearer token, never a session; its own matrix (no token, bad,
    # revoked, another group's, wrong scope) is tests/partners/test_api.py.
    "partner_api:api-root": everyone(404),
    "partner_api:openapi-json": everyone(200),
    "partner_api:me": everyone(401),
    "partner_api:referrals": everyone(401),
    "partner_api:referral": everyone(401),
    "partner_api:runs": everyone(405),  # POST only: the method check comes first
    "partner_api:run": everyone(401),
    # --- money. money.task: a task's money page; Tom holds ACD-EFH (his own task, by its
    # grant), Sam confirms cash at check-ups. money.receipt: the claim is Tom's own. The rest
    # is coordinators' and treasurers' (money.view); the fund is the treasurer's alone
    # (money.manage). tests/money/test_money_permissions.py adds the treasurer's column.
    "money:task": group_page(200, 200, 200, 403),
    "money:queue": group_page(403, 403, 200, 403),
    "money:claim": group_page(403, 403, 200, 403),
    "money:receipt": group_page(200, 403, 200, 403),
    "money:balances": group_page(403, 403, 200, 403),
    "money:reimburse": group_page(403, 403, 200, 403),
    "money:ledger": group_page(403, 403, 200, 403),
    "money:csv": group_page(403, 403, 200, 403),
    "money:fund": group_page(403, 403, 403, 403),
    "money:reverse": everyone(405),
    "money:flag": everyone(405),
    "money:settings": group_page(403, 403, 200, 403),
    # --- safety. safety.check_ins: coordinators (and safeguarding leads); risk assessments
    # are read by every role (the ward's coordinator sees the street only from above) and
    # written by coordinators and safeguarding leads; safety settings: coordinators.
    "safety:check_ins": group_page(403, 403, 200, 200),  # the ward's: an unanswered call for help
    "safety:risks": group_page(200, 200, 200, 403),
    "safety:risk_edit": group_page(403, 403, 200, 403),
    "safety:risk_sign_off": everyone(405),
    "safety:close_check_in": everyone(405),
    "safety:settings": group_page(403, 403, 200, 403),
    # safety.prescriptions: coordinators and call handlers (ACD-EFH is shopping: the page
    # says there is nothing to collect; tests/safety tries a prescription).
    "safety:collection": group_page(403, 200, 200, 403),
    # The volunteer's buttons on their task page: POST only.
    "safety:check_in": everyone(405),
    "safety:risk_read": everyone(405),
    "safety:collection_step": everyone(405),
    # --- retention: the privacy notices are public; the schedule, next week's preview and
    # the record of processing are the coordinators' (retention.settings, retention.view).
    "retention:kith_notice": everyone(200),
    "retention:notice": everyone(200),
    "retention:settings": group_page(403, 403, 200, 403),
    "retention:preview": group_page(403, 403, 200, 403),
    "retention:processing": group_page(403, 403, 200, 403),
    # Exists only when KITH_DEMO is on; the tests run without it.
    "demo:mailbox": everyone(404),
    # --- messages: the group's log; Twilio's webhooks answer 403 to anything it did not sign
    "messaging:group_log": group_page(403, 403, 200, 403),
    "messaging:twilio_status": everyone(405),
    "messaging:twilio_inbound": everyone(405),
    "messaging:twilio_voice": everyone(405),
    "messaging:twilio_voice_choice": everyone(405),
    # --- allauth: accounts
    "account_login": signed_in(START, anonymous=200),
    "account_logout": signed_in(200, anonymous="302 core:home"),
    "account_inactive": everyone(200),
    "account_signup": everyone("302 volunteers:join"),  # Kith's sign-up stands in front
    # Personas sign in by code and have no password or authenticator, so allauth has no way
    # to ask them to sign in again: 403 here, and its sensitive pages skip the re-check.
    "account_reauthenticate": signed_in(403),
    "account_email": signed_in(200),
    "account_email_verification_sent": signed_in("302 account_email"),
    "account_change_password": signed_in("302 account_set_password"),  # none set yet
    "account_set_password": signed_in(200),
    "account_reset_password": everyone(200),
    "account_reset_password_done": everyone(200),
    "account_reset_password_from_key": everyone(200),  # a bad key: a "link is invalid" page
    "account_reset_password_from_key_done": everyone(200),
    "account_request_login_code": signed_in(START, anonymous=200),
    "account_confirm_login_code": signed_in(START, anonymous="302 account_request_login_code"),
    # --- allauth: two-factor
    "mfa_index": signed_in(200),
    "mfa_authenticate": signed_in(START),  # only mid sign-in
    # Nothing to confirm with: Kith's stand-in sends them to set it up (accounts.views).
    "mfa_reauthenticate": signed_in("302 accounts:two_factor_setup"),
    "accounts:confirm_two_factor": signed_in("302 accounts:two_factor_setup"),
    "mfa_activate_totp": signed_in("302 mfa_index"),  # personas' emails are not verified
    "mfa_deactivate_totp": signed_in(404),  # nothing to deactivate
    "mfa_view_recovery_codes": signed_in(404),
    "mfa_generate_recovery_codes": signed_in(200),  # reveal() counts only an app (TOTP)
    "mfa_download_recovery_codes": signed_in(404),
    # Passkeys (WebAuthn).
    "mfa_list_webauthn": signed_in(200),
    "mfa_add_webauthn": signed_in("302 mfa_index"),  # personas' emails are not verified
    "mfa_reauthenticate_webauthn": signed_in(403),  # no passkey to confirm with
    "mfa_edit_webauthn": signed_in(404),  # not one of theirs
    "mfa_remove_webauthn": signed_in(404),
    "mfa_login_webauthn": signed_in(START, anonymous=SIGN_IN),  # a GET without JSON: the sign-in page
}

# Every admin URL, its sign-in and sign-out included: superusers only (see ADMIN).
PREFIX_RULES: dict[str, dict[str, int | str]] = {
    "admin:": ADMIN,
}

# Which object a URL's <pk> means; a new URL with a pk needs a line here.
PK_FOR = {
    "volunteers_import:run": "import_run",
    "groups:member_edit": "membership",
    "groups:member_remove": "membership",
    "groups:invitation_revoke": "invitation",
    "residents:detail": "resident",
    "residents:edit": "resident",
    "transparency:resident_copy": "resident",
    "transparency:resident_consents": "resident",
    "volunteers:detail": "membership",
    "volunteers:vetting": "membership",
    "volunteers:approve": "membership",
    "erasure:resident": "resident",
    "erasure:volunteer": "membership",
    "requests:callback": "callback",
    "requests:claim": "callback",
    "requests:release": "callback",
    "requests:attempt": "callback",
    "requests:series": "series",
    "requests:lift_exclusion": "exclusion",
    "matching:offer": "offer",
    "runs:detail": "run",
    "runs:stops": "run",
    "runs:remove_stop": "run",
    "runs:split": "run",
    "runs:send": "run",
    "runs:outcome": "run",
    "runs:finish": "run",
    "runs:swap": "route",
    "runs:route_sheet": "route",
    "runs:my_route": "route",
    "runs:my_sheet": "route",
    "signposting:detail": "local_service",
    "signposting:edit": "local_service",
    "signposting:checked": "local_service",
    "signposting:refer": "local_service",
    "signposting:referral": "referral",
    "safeguarding:case": "case",
    "partners:detail": "partner",
    "partners:token_new": "partner",
    "partners:webhook": "partner",
    "partners:token_revoke": "api_token",
    "money:claim": "money_claim",
    "money:receipt": "money_claim",
    "money:reimburse": "money_volunteer",
    "money:reverse": "money_entry",
    "money:flag": "money_flag",
    "safety:close_check_in": "membership",  # POST only: any number will do
    # Any number will do: the personas have no passkeys, so no authenticator is theirs.
    "mfa_edit_webauthn": "membership",
    "mfa_remove_webauthn": "membership",
}
# Other URL arguments by name (admin and allauth ones need only to be well formed).
ARG_FOR = {"group_slug": "golborne-road", "uidb36": "0", "key": "not-a-real-key",
           "object_id": "1", "content_type_id": "1", "app_label": "core",
           "z": 12, "x": 2046, "y": 1361, "reference": "ACD-EFH", "activity": "shopping",
           # The partner API's own path arguments.
           "group": "golborne-road", "referral_id": "5b0c3a6e-7d1f-4c56-9a1e-2f0b8c4d9e71",
           "run_id": "5b0c3a6e-7d1f-4c56-9a1e-2f0b8c4d9e72"}
# The public directory's own slug argument, per page.
SLUG_FOR = {"directory:group": "golborne-road", "directory:borough": "kensington-chelsea"}


def _walk(resolver, namespace=(), args=()):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace + ((entry.namespace,) if entry.namespace else ())
            yield from _walk(entry, inner, args + tuple(entry.pattern.regex.groupindex))
        elif entry.name:
            yield ":".join(namespace + (entry.name,)), (entry, args)


_WALKED = dict(_walk(get_resolver()))
URL_PATTERNS = {name: entry for name, (entry, _) in _WALKED.items()}
# Arguments a URL takes, its including patterns' too (allauth's passkey pages sit under keys/<pk>/).
URL_ARGS = {name: args + tuple(entry.pattern.regex.groupindex)
            for name, (entry, args) in _WALKED.items()}


def _rule_for(name: str):
    if name in EXPECTED:
        return EXPECTED[name]
    for prefix, row in PREFIX_RULES.items():
        if name.startswith(prefix):
            return row
    return None


def _url(name: str, world) -> str:
    kwargs = {}
    for arg in URL_ARGS[name]:
        if arg == "pk":
            kwargs[arg] = getattr(world, PK_FOR[name]).pk
        elif arg == "slug":
            kwargs[arg] = SLUG_FOR[name]
        elif arg == "token":
            kwargs[arg] = world.invitation.token
        else:
            kwargs[arg] = ARG_FOR[arg]
    return reverse(name, kwargs=kwargs)


def _outcome(response) -> int | str:
    if response.status_code in (301, 302):
        path = urlsplit(response.url).path
        if path.startswith(settings.STATIC_URL):  # a file among the static ones (the icon)
            return f"302 {settings.STATIC_URL}"
        return f"302 {resolve(path).view_name}"
    return response.status_code


def cleared_volunteer(person, group, *, coordinator):
    """A volunteer profile, consents at today's wording, and approval with every check (a DBS
    included), made directly: cheap, and the grants ask for a real volunteer on every request
    (volunteers.policy.may_hold)."""
    from datetime import date

    from kith.volunteers.models import CONSENT_VERSIONS, Consent, Vetting, VolunteerProfile

    VolunteerProfile.objects.create(person=person, services=["shopping", "prescriptions"])
    Consent.objects.bulk_create([Consent(person=person, kind=kind, version=version)
                                 for kind, version in CONSENT_VERSIONS.items()])
    day = date(2026, 1, 5)
    Vetting.objects.create(person=person, group=group, approved_at=timezone.now(),
                           approved_by=coordinator, id_seen_at=day, references_at=day,
                           dbs_level="enhanced", dbs_date=day)


class World:
    """Everyone and everything the matrix needs, in and around Golborne Road."""

    def __init__(self, request):
        self.people = {p: request.getfixturevalue(f) for p, f in FIXTURE_FOR.items()}
        self.people["anonymous"] = None
        self.membership = Membership.objects.get(person=self.people["volunteer"])
        self.resident = request.getfixturevalue("mrs_ahmed")
        cleared_volunteer(self.people["volunteer"], self.membership.group,
                          coordinator=self.people["coordinator"])
        self.invitation = Invitation.objects.create(
            group=self.membership.group, roles=["volunteer"], created_by=self.people["coordinator"]
        )
        self._help_requests()
        self._run()
        self._local_service()
        self._import_run()
        self._case()
        self._partner()
        self._money()

    def _case(self):
        from kith.safeguarding import services
        from kith.safeguarding.models import Case

        self.case = services.report_incident(self.membership.group, services.Report(
            kind=Case.Kind.SAFETY_RISK, urgency=Case.Urgency.SOON, what_happened="A loose step",
            source=Case.Source.MEMBER))

    def _partner(self):
        from kith.partners import services

        self.partner = services.add_partner(self.membership.group, name="Golborne Pharmacy",
                                            kind="pharmacy", acting_user=self.people["coordinator"])
        self.api_token, _secret = services.issue_token(
            self.partner, scopes=["refer", "read"], label="", acting_user=self.people["coordinator"])

    def _money(self):
        """Tom's claim for ACD-EFH with its receipt, a cash payment, and a flag."""
        from kith.money.models import Flag

        req = self.callback.request
        self.money_volunteer = self.people["volunteer"]
        self.money_claim = money_claim(req, self.money_volunteer)
        self.money_entry = self.money_claim.entries.get()
        self.money_flag = Flag.objects.create(group=req.group, kind=Flag.Kind.DUPLICATE,
                                              claim=self.money_claim, why="Same receipt")

    def _import_run(self):
        from kith.volunteers.models import ImportRun

        self.import_run = ImportRun.objects.create(
            group=self.membership.group, started_by=self.people["coordinator"],
            source="google_forms", duplicates="skip", file_digest="0" * 64,
            state=ImportRun.State.DONE, counts={"new": 3, "emailed": 3})

    def _local_service(self):
        from kith.signposting import referrals
        from kith.signposting.models import LocalService

        self.local_service = LocalService.objects.create(
            group=self.membership.group, organisation="Golborne Pantry", name="Food bank",
            needs=["food"])
        self.referral = referrals.send(
            self.membership.group, self.local_service, self.callback.request,
            shared=["name", "phone"], why="A food parcel", consented=True,
            acting_user=self.people["coordinator"])

    def _run(self):
        self.run, self.route = sent_out_run(self.membership.group, self.people["volunteer"])

    def _help_requests(self):
        """A request assigned to Tom (reference ACD-EFH) and offered to him, a callback, a
        series, an exclusion."""
        from datetime import date

        from kith.requests import exclusions, series

        street, coordinator = self.membership.group, self.people["coordinator"]
        req, self.offer = assigned_request(street, self.resident, self.people["volunteer"],
                                           coordinator=coordinator, service="shopping")
        self.callback = req.callbacks.get()
        self.series = series.start_series(street, resident=self.resident, service="shopping",
                                          cadence="weekly", first_date=date(2030, 1, 7),
                                          actor=coordinator)
        self.exclusion = exclusions.add_exclusion(street, reason="abuse", phone="020 7946 0001",
                                                  actor=coordinator)


def money_claim(req, volunteer):
    """Spending recorded on `req` by its volunteer, with a small receipt photo."""
    import io
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from kith.money import services as money

    photo = io.BytesIO()
    Image.new("RGB", (60, 80), (220, 220, 210)).save(photo, format="JPEG")
    return money.record_claim(req, volunteer=volunteer, shop="Tesco Express",
                              spent_at=timezone.now(), lines=[("Bread and milk", Decimal("4.20"))],
                              upload=SimpleUploadedFile("receipt.jpg", photo.getvalue()))


def sent_out_run(group, volunteer):
    """A pharmacy run sent out, with one stop on the volunteer's route (made directly)."""
    from kith.runs.models import Route, Run, Stop

    run = Run.objects.create(
        group=group, partner_name="Golborne Pharmacy", pickup_name="Golborne Pharmacy",
        pickup_postcode="W10 5AA", pickup_lat=51.5245, pickup_lon=-0.2107, state=Run.State.OUT)
    route = Route.objects.create(run=run, volunteer=volunteer, position=1, length_m=400,
                                 minutes=9)
    Stop.objects.create(run=run, line=1, who="Mrs Ahmed", address="14 Golborne Road",
                        postcode="W10 5NW", postcode_sector="W10 5", route=route, position=1)
    return run, route


def assigned_request(group, resident, volunteer, *, coordinator, service):
    """A web request (reference ACD-EFH) triaged and assigned to `volunteer`, who also holds
    an open offer of it (made directly, as the matching tests do)."""
    from datetime import timedelta

    from kith.matching.models import Offer
    from kith.requests import services
    from kith.requests.intake import Contact, Need, take_request

    req = take_request(group, channel="web", contact=Contact(name="Mrs Ahmed"),
                       need=Need(service=service), resident=resident).request
    type(req).objects.filter(pk=req.pk).update(reference=ARG_FOR["reference"])
    req.refresh_from_db()
    services.transition(req, "triage", actor=coordinator)
    services.assign(req, volunteer, actor=coordinator, reason="Lives nearby")
    offer = Offer.objects.create(request=req, volunteer=volunteer, distance_km=0.4,
                                 explanation="0.4 km",
                                 expires_at=timezone.now() + timedelta(hours=2))
    return req, offer


@pytest.fixture
def ward_coordinator(ward):
    person = PersonFactory(email="wendy@example.org", display_name="Wendy Clarke")
    MembershipFactory(person=person, group=ward, is_coordinator=True)
    return person


@pytest.fixture
def world(request):
    return World(request)


def _as(client, person):
    if person is not None:
        client.force_login(person)
    return client


def test_it_has_a_row_for_every_url_name():
    missing = sorted(name for name in URL_PATTERNS if _rule_for(name) is None)
    assert not missing, f"URL names with no row in EXPECTED: {missing}"


def test_it_has_no_rows_for_urls_that_are_gone():
    stale = sorted(set(EXPECTED) - set(URL_PATTERNS))
    assert not stale, f"Rows in EXPECTED for URL names that no longer exist: {stale}"
    unused = [p for p in PREFIX_RULES if not any(n.startswith(p) for n in URL_PATTERNS)]
    assert not unused, f"PREFIX_RULES that match no URL: {unused}"


def test_it_gives_every_row_every_persona():
    rows = {**EXPECTED, **PREFIX_RULES}
    incomplete = {name: sorted(set(PERSONAS) ^ set(row))
                  for name, row in rows.items() if set(row) != set(PERSONAS)}
    assert not incomplete


# Pages whose permission holds on a street but whose action makes no sense there.
STREETS_CANNOT = {"groups:subgroup_new"}
# Pages a call handler's role grants, narrowed to the work in their hands (need-to-know,
# privacy.check_may_correct): in this world Sam holds no call, so they are a 403 that says so.
IN_HAND_ONLY = {"residents:edit", "requests:edit"}
# Pages only a group's safeguarding leads open: to every other role the page does not exist (404).
LEADS_ONLY = {"safeguarding:case"}


def test_it_lets_a_ward_coordinator_start_a_street_inside_her_ward(client, world):
    from kith.core.models import AuditEvent
    from kith.groups.models import Group

    ward_coordinator = world.people["ward_coordinator"]
    url = reverse("groups:subgroup_new", args=["golborne"])
    assert _as(client, ward_coordinator).get(url).status_code == 200
    response = client.post(url, {"name": "Portobello Road Neighbours", "kind": "street",
                                 "coverage": "w10 5"})
    street = Group.objects.get(name="Portobello Road Neighbours")
    assert response.status_code == 302
    assert (street.parent.slug, street.kind, street.coverage) == ("golborne", "street", ["W10 5"])
    assert street.memberships.get().person == ward_coordinator
    assert set(AuditEvent.objects.filter(group=street).values_list("action", flat=True)) == {
        "kith.group.created", "kith.group.member_added"}


@pytest.mark.parametrize("name", sorted(URL_PATTERNS))
def test_it_agrees_with_the_role_table(name):
    """Group pages' rows say what roles.py says for the permission the view checks."""
    permission = getattr(URL_PATTERNS[name].callback, "kith_permission", None)
    row = _rule_for(name)
    if permission is None or row is None or row["volunteer"] == 405 or name in STREETS_CANNOT:
        return
    if name in LEADS_ONLY:
        assert {row[p] for p in (*ROLES_OF, "ward_coordinator")} == {404}
        return
    for persona, roles in ROLES_OF.items():
        granted = permission in permissions_for(roles)
        if persona == "call_handler" and name in IN_HAND_ONLY:
            granted = False
        assert row[persona] == (200 if granted else 403), persona
    assert row["ward_coordinator"] == (200 if permission in PARENT_PERMISSIONS else 403)


@pytest.fixture
def pages_unrendered(monkeypatch):
    """The matrix reads status codes and headers, never a page's words: templates are not
    rendered. Everything that decides the status still runs: the view, its permission checks
    and its queries; an exception in any of them still fails the test (the test client raises
    it), as a 500 would. Each page's own tests render it."""
    from django.template.base import Template
    from django.utils.safestring import mark_safe

    monkeypatch.setattr(Template, "render", lambda self, context: mark_safe(""))  # noqa: S308


@pytest.mark.parametrize("name", sorted(set(URL_PATTERNS) | set(EXPECTED)))
def test_it_answers_each_persona_as_the_matrix_says(client, world, name, pages_unrendered):
    """One world per URL, every persona asking in turn: building the world is nearly all of the
    matrix's time, so it is built once per URL rather than once per URL and persona (issue 18).
    Each persona's request runs in a savepoint rolled back after it, with a fresh session and
    cache, so nothing one persona's visit changes is seen by the next."""
    from django.core.cache import cache
    from django.db import transaction

    assert name in URL_PATTERNS, f"{name} is in EXPECTED but no URL has that name"
    row = _rule_for(name)
    assert row is not None, f"{name} has no row in EXPECTED"
    url = _url(name, world)
    seen = {}
    for persona in PERSONAS:
        with transaction.atomic():
            client.logout()
            cache.clear()
            response = _as(client, world.people[persona]).get(url)
            seen[persona] = _outcome(response)
            assert_privacy_headers(response, signed_in=persona != "anonymous")
            transaction.set_rollback(True)
    assert seen == row


# --- ways out (issue 11): the pages a volunteer's role opens, for someone whose role ended.
#
# Four more personas, each George: a cleared volunteer in Golborne Road holding request ACD-EFH
# (prescriptions, so a DBS counts), an open offer of it and route 1 of a pharmacy run sent
# out, who then goes out one way through Kith's own services. Rendering every URL for them
# would double the matrix's time for rows that cannot differ, so they have rows only for the
# pages where the volunteer persona gets something an outsider does not (volunteer_facing(),
# derived from EXPECTED: a new such page needs a row here too). Each persona is one test over
# its whole row set, so George's world is built four times, not once per URL.
WAYS_OUT = ["removed_yesterday", "left", "on_a_break", "check_withdrawn"]


def ways_out(outcome):
    return dict.fromkeys(WAYS_OUT, outcome)


AFTER_WAY_OUT: dict[str, dict[str, int | str]] = {
    # Removed, or left with no other role: the group is as closed to them as to an outsider.
    "groups:dashboard": {**ways_out(200), "removed_yesterday": 404, "left": 404},
    "safety:risks": {**ways_out(200), "removed_yesterday": 404, "left": 404},
    # Signing in lands a volunteer on their own page; someone who volunteers nowhere now lands
    # on their groups, as an outsider does.
    "groups:start": {**ways_out("302 volunteers:home"), "removed_yesterday": MINE, "left": MINE},
    # Their own pages stay theirs (someone removed may still volunteer elsewhere); someone who
    # left sees the "you have left" page and may sign up again.
    "volunteers:home": ways_out(200),
    "volunteers:join": {**ways_out("302 volunteers:home"), "left": 200},
    "volunteers:finish": ways_out("302 volunteers:home"),
    "volunteers:details": {**ways_out(200), "left": "302 volunteers:home"},
    "volunteers:consents": {**ways_out(200), "left": "302 volunteers:home"},
    "volunteers:reach": {**ways_out(200), "left": "302 volunteers:home"},
    "volunteers:leave": {**ways_out(200), "left": "302 volunteers:home"},
    # Reporting a concern is for members: still one on a break or without a check.
    "safeguarding:report": {**ways_out(200), "removed_yesterday": 404, "left": 404},
    "safeguarding:reported": {**ways_out(200), "removed_yesterday": 404, "left": 404},
    # What they held is gone at once, whichever way they went.
    "requests:task": ways_out(404),
    "matching:offer": ways_out(404),
    "runs:my_route": ways_out(404),
    "runs:my_sheet": ways_out(404),
    "money:task": ways_out(404),
    "money:receipt": ways_out(404),
}


def volunteer_facing() -> set[str]:
    """URL names where the volunteer persona gets in and an outsider does not (a 403 opens
    nothing, so those are left out)."""
    return {name for name, row in EXPECTED.items()
            if row["volunteer"] not in (row["outsider"], 403)}


class WayOut:
    """George, holding what a volunteer holds, then out by `way` (see WAYS_OUT)."""

    def __init__(self, request, way: str):
        street, self.priya = request.getfixturevalue("street"), request.getfixturevalue("priya")
        self.george = PersonFactory(email="george@example.org", display_name="George Hill")
        self.membership = MembershipFactory(person=self.george, group=street, is_volunteer=True)
        cleared_volunteer(self.george, street, coordinator=self.priya)
        self.req, self.offer = assigned_request(street, request.getfixturevalue("mrs_ahmed"),
                                                self.george, coordinator=self.priya,
                                                service="prescriptions")
        self.run, self.route = sent_out_run(street, self.george)
        self.money_claim = money_claim(self.req, self.george)
        getattr(self, way)()

    def removed_yesterday(self):
        """He did the task yesterday evening (so its address would still be open for a day)
        and the coordinator removed him afterwards."""
        from datetime import timedelta

        from kith.groups.services import remove_member
        from kith.requests import services
        from kith.requests.models import Assignment

        services.complete(self.req, actor=self.george)
        Assignment.objects.filter(request=self.req).update(
            ended_at=timezone.now() - timedelta(hours=20))
        remove_member(self.membership, acting_user=self.priya)

    def left(self):
        from kith.volunteers.services import leave

        leave(self.george.volunteer, acting_user=self.george)

    def on_a_break(self):
        from datetime import timedelta

        from kith.volunteers.services import take_break

        take_break(self.george.volunteer, acting_user=self.george,
                   until=timezone.localdate() + timedelta(days=14))

    def check_withdrawn(self):
        """The DBS certificate turned out not to be his: prescriptions need it."""
        from kith.volunteers.services import record_vetting

        record_vetting(self.membership, acting_user=self.priya, dbs_level="", dbs_date=None)


def test_it_gives_the_ways_out_a_row_for_every_volunteer_facing_page():
    assert set(AFTER_WAY_OUT) == volunteer_facing()
    assert all(set(row) == set(WAYS_OUT) for row in AFTER_WAY_OUT.values())


@pytest.mark.parametrize("way", WAYS_OUT)
def test_it_answers_each_way_out_as_the_matrix_says(client, request, way):
    from kith.core.models import PersonalDataAccess

    george = WayOut(request, way)
    client.force_login(george.george)
    seen = {name: _outcome(client.get(_url(name, george))) for name in sorted(AFTER_WAY_OUT)}
    assert seen == {name: row[way] for name, row in sorted(AFTER_WAY_OUT.items())}
    assert not PersonalDataAccess.objects.filter(viewer=george.george).exists()


@pytest.mark.parametrize("name", ["admin:index", "admin:app_list",
                                  "admin:core_auditevent_changelist",
                                  "admin:core_personaldataaccess_changelist"])
def test_it_lets_a_superuser_into_the_admin_once_this_session_used_two_factor(client, name):
    boss = enable_totp(PersonFactory(email="root@example.org", is_staff=True, is_superuser=True))
    kwargs = {"app_label": "core"} if name == "admin:app_list" else {}
    url = reverse(name, kwargs=kwargs)
    assert _outcome(client.get(url)) == SIGN_IN
    assert _outcome(_as(client, boss).get(url)) == "302 accounts:confirm_two_factor"
    confirm_two_factor(client)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", ["residents:list", "residents:detail"])
def test_it_shows_residents_to_the_ward_only_when_the_street_shares(client, world, name):
    street = world.membership.group
    url = _url(name, world)
    _as(client, world.people["ward_coordinator"])
    assert client.get(url).status_code == 403
    street.shares_personal_data_with_parent = True
    street.save()
    assert client.get(url).status_code == 200
    assert client.get(_url("residents:new", world)).status_code == 403
    assert client.get(_url("groups:members", world)).status_code == 403


POST_ONLY = ["groups:member_remove", "groups:invitation_revoke", "volunteers:approve"]


@pytest.mark.parametrize("name", POST_ONLY)
def test_it_answers_get_on_post_only_urls_with_405(client, world, name):
    response = _as(client, world.people["coordinator"]).get(_url(name, world))
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def _state(world):
    invitation = Invitation.objects.get(pk=world.invitation.pk)
    membership = Membership.objects.filter(pk=world.membership.pk).first()
    return (membership and membership.roles, invitation.status, AuditEvent.objects.count())


@pytest.mark.parametrize("persona,outcome", [
    ("anonymous", SIGN_IN), ("outsider", 404), ("other_coordinator", 404),
    ("volunteer", 403), ("call_handler", 403), ("ward_coordinator", 403),
])
@pytest.mark.parametrize("name", POST_ONLY)
def test_it_refuses_post_only_urls_to_people_without_the_right(client, world, name, persona,
                                                                outcome):
    before = _state(world)
    response = _as(client, world.people[persona]).post(_url(name, world))
    assert _outcome(response) == outcome
    assert _state(world) == before


@pytest.mark.parametrize("name,then,data", [
    ("groups:member_remove", "302 groups:members", {}),
    ("groups:invitation_revoke", "302 groups:invitations", {}),
    ("volunteers:approve", "302 volunteers:detail", {"action": "withdraw"}),  # Tom is approved
])
def test_it_lets_the_coordinator_post_to_them(client, world, name, then, data):
    """The control for the test above: the same POST by the coordinator does change things."""
    before = _state(world)
    response = _as(client, world.people["coordinator"]).post(_url(name, world), data)
    assert _outcome(response) == then
    assert _state(world) != before
