"""Golborne Pharmacy, a partner of Golborne Road, and a token for each need."""

from __future__ import annotations

import json

import pytest

from kith.partners import services


@pytest.fixture
def partner(street, priya):
    return services.add_partner(street, name="Golborne Pharmacy", kind="pharmacy",
                                acting_user=priya)


@pytest.fixture
def other_partner(street, priya):
    return services.add_partner(street, name="North Kensington Food Bank", kind="foodbank",
                                acting_user=priya)


def issue(partner, person, scopes=("refer", "runs", "read")):
    _token, secret = services.issue_token(partner, scopes=list(scopes), label="",
                                          acting_user=person)
    return secret


@pytest.fixture
def secret(partner, priya):
    return issue(partner, priya)


class Api:
    """The API as a partner's system calls it: JSON in, JSON out, a bearer token."""

    def __init__(self, client, secret=None):
        self.client, self.secret = client, secret

    def _headers(self, secret):
        secret = self.secret if secret is None else secret
        return {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}

    def get(self, path, secret=None, **params):
        return self.client.get(f"/api/v1{path}", params, **self._headers(secret))

    def post(self, path, body, secret=None, content_type="application/json"):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.post(f"/api/v1{path}", data, content_type=content_type,
                                **self._headers(secret))


@pytest.fixture
def api(client, secret):
    return Api(client, secret)


def referral_body(**changes):
    body = {
        "person": {"name": "Joan Smith", "phone": "07911 123456", "postcode": "W10 5NW"},
        "need": {"service": "prescriptions", "urgency": "soon", "details": "Repeat inhaler"},
        "referrer": {"name": "Dev Patel", "contact": "dev@golbornepharmacy.example.org"},
        "consent": {"version": "GP-consent-v3", "given_by": "the_person"},
    }
    for path, value in changes.items():
        part, _, key = path.partition("__")
        if value is None:
            body[part].pop(key, None)
        else:
            body[part][key] = value
    return body


def run_body(**changes):
    return {"kind": "pharmacy", "pickup_name": "Golborne Pharmacy", "pickup_postcode": "W10 5AA",
            "stops": [{"name": "Joan Smith", "address": "14 Golborne Road", "postcode": "W10 5NW"},
                      {"name": "Mr Ali", "address": "Flat 2, 3 Wornington Road",
                       "postcode": "W10 6AA", "note": "Ring twice"}],
            **changes}
