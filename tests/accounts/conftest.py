"""Helpers for the sign-in and two-factor tests."""

from __future__ import annotations

import pytest
from django.test import Client


def verify_email(person):
    """As a confirmed emailed code leaves it: allauth lets only proven addresses add two-factor."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=person).update(verified=True)
    return person


def session_request(client, person, rf):
    """A request carrying the test client's session, to call reveal() the way a view does."""
    request = rf.get("/")
    request.session = client.session
    request.user = person
    return request


@pytest.fixture
def local_client():
    """Passkeys are made only for a named site over https, or localhost (as the live server)."""
    return Client(HTTP_HOST="localhost")
