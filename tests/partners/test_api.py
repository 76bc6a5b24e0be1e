"""The partner API: referring in with consent, runs, reading one's own, and every refusal."""

from __future__ import annotations

import json
import uuid

import pytest

from kith.core.models import AuditEvent
from kith.partners import services
from kith.partners.models import ApiToken, PartnerReferral, PartnerRun
from kith.requests.models import HelpRequest
from kith.runs.models import Run
from tests.partners.conftest import Api, issue, referral_body, run_body

pytestmark = pytest.mark.django_db

REFERRALS = "/groups/golborne-road/referrals"
RUNS = "/groups/golborne-road/runs"


def problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    return body


def test_it_refers_someone_in_through_the_forms_intake(api, partner):
    response = api.post(REFERRALS, referral_body())
    assert response.status_code == 201, response.content
    body = response.json()
    req = PartnerReferral.objects.get(public_id=body["id"]).request
    assert (req.channel, req.partner_name, req.partner_kind, req.asked_by) == (
        "referral", "Golborne Pharmacy", "pharmacy", "Dev Patel")
    assert req.consent_at is not None and req.callbacks.count() == 1  # queued for a call back
    assert req.resident.phone_digest and req.resident.name == "Joan Smith"
    referral = PartnerReferral.objects.get(public_id=body["id"])
    assert (referral.consent_version, referral.consent_given_by) == ("GP-consent-v3", "the_person")
    assert body["status"] == "received" and "joined_existing" not in body
    assert (body["service"], body["urgency"]) == ("prescriptions", "soon")
    # Nothing about the person comes back, not even to the partner who sent it.
    text = response.content.decode()
    assert "Joan" not in text and "07911" not in text and "W10" not in text
    line = req.events.get(action="partner_api_referral")
    assert "GP-consent-v3" in line.note and "the person themselves" in line.note
    row = AuditEvent.objects.get(action="kith.partner_api.referred")
    assert row.actor is None and row.new["via"].startswith("API token kith_")


def test_it_needs_the_consent_and_who_gave_it(api):
    body = referral_body()
    del body["consent"]
    assert "consent" in problem(api.post(REFERRALS, body), 422)["errors"], "names the missing part"
    body = referral_body(consent__given_by="someone_for_them")
    errors = problem(api.post(REFERRALS, body), 422)["errors"]
    assert errors == {"consent.given_by_name": ["Someone acting for them agreed: give their name."]}
    assert not HelpRequest.objects.exists()


def test_it_says_what_is_wrong_in_the_forms_own_words(api):
    body = referral_body(person__phone="12345", person__postcode="ZZ99 9ZZ ZZ")
    errors = problem(api.post(REFERRALS, body), 422)["errors"]
    assert set(errors) == {"person.phone", "person.postcode"}
    assert not HelpRequest.objects.exists()


def test_a_second_referral_of_the_same_person_joins_their_open_request(api):
    first = api.post(REFERRALS, referral_body()).json()
    again = api.post(REFERRALS, referral_body()).json()
    assert HelpRequest.objects.count() == 1 and PartnerReferral.objects.count() == 2
    assert PartnerReferral.objects.get(public_id=again["id"]).joined_existing
    assert again["id"] != first["id"] and set(again) == set(first)


def _asked_by_the_resident(street, service="shopping", urgency="today"):
    """Joan asked on the public form first: a request already arranged."""
    from kith.requests.intake import Contact, Need, take_request

    made = take_request(street, channel="web", contact=Contact(
        name="Joan Smith", phone="07911 123456", postcode="W10 5NW"),
        need=Need(service=service, urgency=urgency, details="Heavy bags"))
    return made.request


def test_joining_someone_elses_request_tells_the_partner_nothing_of_it(api, street, priya,
                                                                       other_partner, client):
    from kith.requests import services as requests

    earlier = _asked_by_the_resident(street)
    requests.transition(earlier, "cancel", actor=priya, note="x")  # not open: not joined
    earlier = _asked_by_the_resident(street)
    requests.transition(earlier, "triage", actor=priya)
    theirs = Api(client, issue(other_partner, priya)).post(
        REFERRALS, referral_body(need__service="foodbank", need__urgency="week"))
    fresh = api.post(REFERRALS, referral_body(person__phone="07911 123457",
                                              person__name="Ann Other"))
    assert fresh.status_code == 201, fresh.content
    fresh = fresh.json()
    joined = api.post(REFERRALS, referral_body()).json()
    assert PartnerReferral.objects.get(public_id=joined["id"]).request == earlier
    assert theirs.status_code == 201
    # It reads exactly like a new referral: what this partner sent, "received", its own times.
    assert set(joined) == set(fresh)
    assert (joined["service"], joined["urgency"], joined["status"]) == (
        "prescriptions", "soon", "received")
    assert joined["status_changed_at"] == joined["created_at"]
    text = json.dumps(joined)
    assert earlier.reference not in text and "shopping" not in text and "foodbank" not in text
    assert api.get(f"{REFERRALS}/{joined['id']}").json() == joined


def test_a_joined_referral_hears_only_of_moves_after_it(api, street, priya):
    from kith.requests import services as requests

    earlier = _asked_by_the_resident(street)
    requests.transition(earlier, "triage", actor=priya)
    joined = api.post(REFERRALS, referral_body()).json()
    requests.transition(earlier, "cancel", actor=priya, note="Family sorted it")
    got = api.get(f"{REFERRALS}/{joined['id']}").json()
    assert got["status"] == "cancelled" and got["status_changed_at"] > got["created_at"]


def test_the_partners_own_ask_is_recorded_on_the_request_it_joined(api, street):
    from kith.requests.views_detail import _who

    earlier = _asked_by_the_resident(street)
    api.post(REFERRALS, referral_body())
    earlier.refresh_from_db()
    details = earlier.details._open()
    assert "Also referred by Golborne Pharmacy: Collecting prescriptions (in the next two" in details
    assert "Repeat inhaler" in details and "Heavy bags" in details
    assert "Dev Patel (dev@golbornepharmacy.example.org)" in details
    line = earlier.events.get(action="partner_api_referral")
    assert "Golborne Pharmacy" in line.note and "prescriptions" in line.note
    assert "dev@" not in line.note  # the timeline is not sealed
    again = earlier.events.get(action="asked_again")
    assert "from Golborne Pharmacy" in again.note and _who(earlier, again) != "the resident"


@pytest.mark.parametrize("body, content_type, status", [
    ("{not json", "application/json", 400),
    ("name=Joan", "application/x-www-form-urlencoded", 415),
    ("x" * (300 * 1024), "application/json", 413),
    ("[]", "application/json", 422),
])
def test_it_answers_bad_bodies_with_problems(api, body, content_type, status):
    problem(api.post(REFERRALS, body, content_type=content_type), status)


def test_it_answers_unknown_addresses_and_methods_with_problems(api):
    problem(api.get("/nothing-here"), 404)
    refused = problem(api.post("/me", {}), 405)
    assert "GET" in refused["detail"]


def test_it_serves_its_openapi_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/groups/{group}/referrals" in schema["paths"]


# --- who may: the API's own matrix

GROUP_ROUTES = [("post", REFERRALS, "refer"), ("get", REFERRALS, "read"),
                ("get", f"{REFERRALS}/{uuid.uuid4()}", "read"), ("post", RUNS, "runs"),
                ("get", f"{RUNS}/{uuid.uuid4()}", "read")]


def _call(api, method, path, secret):
    body = run_body() if path.endswith("/runs") else referral_body()
    return api.post(path, body, secret=secret) if method == "post" else api.get(path, secret=secret)


@pytest.mark.parametrize("method, path, scope", GROUP_ROUTES)
def test_it_refuses_without_a_token_or_with_a_bad_one(api, method, path, scope):
    for secret in ("", "kith_not-a-real-token", "not even the shape"):
        body = problem(_call(Api(api.client), method, path, secret), 401)
        assert body["detail"]
    assert _call(Api(api.client), method, path, "")["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("method, path, scope", GROUP_ROUTES)
def test_it_refuses_a_revoked_token_at_once(api, priya, method, path, scope):
    assert api.get("/me").status_code == 200
    services.revoke_token(ApiToken.objects.get(), acting_user=priya)
    assert "revoked" in problem(_call(api, method, path, None), 401)["detail"]


@pytest.mark.parametrize("method, path, scope", GROUP_ROUTES)
def test_another_groups_token_finds_nothing(api, other_street, nadia, method, path, scope):
    theirs = services.add_partner(other_street, name="Lots Road Pantry", kind="foodbank",
                                  acting_user=nadia)
    problem(_call(api, method, path, issue(theirs, nadia)), 404)


@pytest.mark.parametrize("method, path, scope", GROUP_ROUTES)
def test_a_token_without_the_scope_is_forbidden(api, partner, priya, method, path, scope):
    others = [s for s in ("refer", "runs", "read") if s != scope]
    body = problem(_call(api, method, path, issue(partner, priya, others)), 403)
    assert scope in body["detail"]


def test_it_limits_each_token(api, settings):
    settings.KITH_API_RATE_LIMIT = 3
    assert [api.get("/me").status_code for _ in range(3)] == [200] * 3
    refused = api.get("/me")
    problem(refused, 429)
    assert refused["Retry-After"] == "60"


def test_it_notes_when_a_token_was_last_used(api):
    assert ApiToken.objects.get().last_used_at is None
    api.get("/me")
    assert ApiToken.objects.get().last_used_at is not None


# --- reading one's own


def test_a_partner_reads_only_its_own_referrals(api, client, other_partner, priya):
    mine = api.post(REFERRALS, referral_body()).json()
    theirs = Api(client, issue(other_partner, priya))
    problem(theirs.get(f"{REFERRALS}/{mine['id']}"), 404)
    assert theirs.get(REFERRALS).json() == {"referrals": []}
    got = api.get(f"{REFERRALS}/{mine['id']}").json()
    assert got == mine
    assert [r["id"] for r in api.get(REFERRALS).json()["referrals"]] == [mine["id"]]


def test_the_status_follows_the_request(api, priya):
    from kith.requests import services as requests

    made = api.post(REFERRALS, referral_body()).json()
    req = PartnerReferral.objects.get(public_id=made["id"]).request
    requests.transition(req, "cancel", actor=priya, note="Sorted by the family")
    got = api.get(f"{REFERRALS}/{made['id']}").json()
    assert (got["status"], got["status_label"]) == ("cancelled", "Cancelled")


def test_someone_on_the_exclusion_list_reads_like_anyone_else(api, priya, street):
    from kith.requests import exclusions

    exclusions.add_exclusion(street, reason="abuse", phone="07911 123456", actor=priya)
    made = api.post(REFERRALS, referral_body()).json()
    assert PartnerReferral.objects.get(public_id=made["id"]).request.state == "on_hold"
    assert made["status"] == "received"


# --- runs


def test_it_takes_a_batch_of_deliveries_as_a_run(api):
    response = api.post(RUNS, run_body())
    assert response.status_code == 201, response.content
    body = response.json()
    run = PartnerRun.objects.get(public_id=body["id"]).run
    assert (run.state, run.partner_name, run.stops.count()) == ("draft", "Golborne Pharmacy", 2)
    assert run.stops.get(line=2).note._open() == "Ring twice"
    assert (body["stops"], body["delivered"]) == (2, 0)
    assert "Joan" not in response.content.decode()
    assert api.get(f"{RUNS}/{body['id']}").json() == body
    assert AuditEvent.objects.filter(action="kith.partner_api.run_handed_over").count() == 1


def test_a_run_with_a_wrong_stop_leaves_nothing_behind(api):
    body = run_body()
    body["stops"][1]["postcode"] = "not a postcode"
    errors = problem(api.post(RUNS, body), 422)["errors"]
    assert list(errors) == ["stops.1"] and errors["stops.1"][0].startswith("Stop 2")
    body = run_body()
    body["stops"][0]["name"] = "Smith, Joan"
    assert list(problem(api.post(RUNS, body), 422)["errors"]) == ["stops.0.name"]
    assert not Run.objects.exists() and not PartnerRun.objects.exists()


def test_a_nul_character_in_any_text_is_refused_in_words_not_a_500(api):
    # PostgreSQL's text columns cannot hold it: Schemathesis found the 500 there.
    errors = problem(api.post(RUNS, run_body(pickup_name="\u0000")), 422)["errors"]
    assert "pickup_name" in errors
    assert not Run.objects.exists()


def test_a_run_from_an_unknown_pickup_is_refused(api):
    errors = problem(api.post(RUNS, run_body(pickup_postcode="W10")), 422)["errors"]
    assert "pickup_postcode" in errors
    assert not Run.objects.exists()


def test_json_problem_bodies_never_carry_html(api):
    for response in (api.get("/nothing"), api.post("/me", {}), api.post(REFERRALS, "{")):
        assert "<" not in json.dumps(response.json())


@pytest.mark.parametrize("given_at, words", [
    ("0001-01-01T00:00:00+14:00", "before 2020"),
    ("0001-01-01T00:00:00-14:00", "before 2020"),
    ("2019-12-31T12:00:00+00:00", "before 2020"),
    ("9999-12-31T23:59:59-14:00", "in the future"),
    ("2999-01-01T00:00:00+00:00", "in the future"),
    ("2026-12-04T10:30:00", "with its offset"),
])
def test_a_consent_time_out_of_reach_is_refused_in_plain_words(api, given_at, words):
    errors = problem(api.post(REFERRALS, referral_body(consent__given_at=given_at)), 422)["errors"]
    assert list(errors) == ["consent.given_at"] and words in errors["consent.given_at"][0]
    assert not HelpRequest.objects.exists()


def test_a_service_the_group_does_not_take_is_refused_naming_those_it_does(api, street):
    street.services = ["shopping", "foodbank"]
    street.save(update_fields=["services"])
    errors = problem(api.post(REFERRALS, referral_body()), 422)["errors"]
    assert errors == {"need.service": [
        "This group does not take “prescriptions”. It takes: shopping, foodbank."]}
    assert api.get("/me").json()["services"] == ["shopping", "foodbank"]


def test_unknown_body_fields_are_refused_by_name(api):
    body = referral_body()
    body["need"]["detials"] = "Repeat inhaler"
    body["notes"] = "x"
    refused = problem(api.post(REFERRALS, body), 422)
    assert set(refused["errors"]) == {"need.detials", "notes"}
    assert "“need.detials”" in refused["detail"] and "“notes”" in refused["detail"]
    assert not HelpRequest.objects.exists()
    run = run_body()
    run["stops"][0]["flat"] = "2"
    assert set(problem(api.post(RUNS, run), 422)["errors"]) == {"stops.0.flat"}


@pytest.mark.parametrize("days, taken", [(-8, False), (-7, True), (0, True), (90, True),
                                         (91, False), (365 * 3000, False)])
def test_a_runs_day_is_near_today(api, days, taken):
    from datetime import timedelta

    from django.utils import timezone

    try:
        day = timezone.localdate() + timedelta(days=days)
    except OverflowError:
        day = None
    body = run_body(date=day.isoformat() if day else "9999-12-31")
    response = api.post(RUNS, body)
    if taken:
        assert response.status_code == 201, response.content
    else:
        errors = problem(response, 422)["errors"]
        assert list(errors) == ["date"] and "Give a day from" in errors["date"][0]
        assert not Run.objects.exists()


def test_referrals_page_by_offset_and_since(api):
    made = [api.post(REFERRALS, referral_body(person__phone=phone)).json()
            for phone in ("07911 123456", "07911 123457", "07911 123411")]
    newest_first = [m["id"] for m in reversed(made)]
    assert [r["id"] for r in api.get(REFERRALS, limit=2).json()["referrals"]] == newest_first[:2]
    assert [r["id"] for r in api.get(REFERRALS, limit=2, offset=2).json()["referrals"]] == \
        newest_first[2:]
    since = api.get(REFERRALS, since=made[0]["created_at"]).json()["referrals"]
    assert [r["id"] for r in since] == newest_first[:2]
    problem(api.get(REFERRALS, offset=-1), 422)
    problem(api.get(REFERRALS, since="0001-01-01T00:00:00+14:00"), 422)
    problem(api.get(REFERRALS, since="9999-12-31T23:59:59.999+00:00"), 422)
    problem(api.get(REFERRALS, since="5"), 422)  # pydantic would read seconds since 1970


def test_a_blank_part_of_a_stop_is_named_in_the_apis_words(api):
    stops = [{"name": " ", "address": "14 Golborne Road", "postcode": "W10 5NW"},
             {"name": "Mr Ali", "address": "  ", "postcode": " "}]
    errors = problem(api.post(RUNS, run_body(stops=stops)), 422)["errors"]
    assert errors == {"stops.0.name": ["Stop 1: give who the delivery is for."],
                      "stops.1.address": ["Stop 2: give the address to deliver to."],
                      "stops.1.postcode": ["Stop 2: give the postcode of the address."]}
    assert not Run.objects.exists()
