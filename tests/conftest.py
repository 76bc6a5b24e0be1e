"""Personas from the seeds' stories, shared by every test.

Golborne Road (a street group inside Golborne ward, inside the borough) is home to:
coordinator Priya, call handler Sam, volunteer Tom, and resident Mrs Ahmed (no email).
Olu has an account but no group. Nadia coordinates a different street, Lots Road.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings as hypothesis_settings

from kith.groups.models import Group
from tests.factories import GroupFactory, MembershipFactory, PersonFactory, ResidentFactory

# Hypothesis: the full run in CI (.ci/run sets KITH_HYPOTHESIS=ci; so does CI=true), a short
# one locally, so `make test` on a laptop stays quick. Property tests that choose their own
# number of examples ask examples(n) for it, so the profile reaches them too.
HYPOTHESIS_PROFILE = os.environ.get("KITH_HYPOTHESIS") or ("ci" if os.environ.get("CI") else "short")
hypothesis_settings.register_profile("ci", max_examples=100, print_blob=True)
hypothesis_settings.register_profile("short", max_examples=20)
hypothesis_settings.load_profile(HYPOTHESIS_PROFILE)


def examples(full: int) -> int:
    """How many examples a property test tries: `full` in CI, a fifth of it locally (at
    least ten, so a short run still explores)."""
    return full if HYPOTHESIS_PROFILE == "ci" else max(10, full // 5)



@pytest.fixture
def borough(db):
    return GroupFactory(slug="kensington-chelsea", name="Kensington & Chelsea Mutual Aid",
                        kind=Group.Kind.BOROUGH)


@pytest.fixture
def ward(borough):
    return GroupFactory(slug="golborne", name="Golborne Ward", kind=Group.Kind.WARD,
                        parent=borough)


@pytest.fixture
def street(ward):
    return GroupFactory(slug="golborne-road", name="Golborne Road Neighbours",
                        kind=Group.Kind.STREET, parent=ward, coverage=["W10 5"])


@pytest.fixture
def other_street(ward):
    return GroupFactory(slug="lots-road", name="Lots Road Helpers", kind=Group.Kind.STREET,
                        parent=ward)


def _member(group, email, name, **roles):
    person = PersonFactory(email=email, display_name=name)
    MembershipFactory(person=person, group=group, **{f"is_{r}": v for r, v in roles.items()})
    return person


@pytest.fixture
def priya(street):
    return _member(street, "priya@example.org", "Priya Shah", coordinator=True)


@pytest.fixture
def sam(street):
    return _member(street, "sam@example.org", "Sam Okafor", call_handler=True)


@pytest.fixture
def lena(street):
    """Golborne Road's safeguarding lead (cases, and alerts about volunteers out alone)."""
    return _member(street, "lena@example.org", "Lena Marsh", safeguarding_lead=True)


@pytest.fixture
def tom(street):
    return _member(street, "tom@example.org", "Tom Brennan", volunteer=True)


@pytest.fixture
def nadia(other_street):
    """Coordinator of another group: must see nothing of Golborne Road."""
    return _member(other_street, "nadia@example.org", "Nadia Nowak", coordinator=True)


@pytest.fixture
def olu(db):
    """Signed up, in no group."""
    return PersonFactory(email="olu@example.org", display_name="Olu Adeyemi")


@pytest.fixture
def mrs_ahmed(street):
    return ResidentFactory(group=street, name="Mrs Ahmed")


def enable_totp(person):
    """Give a person a TOTP authenticator, as if they had set up an app."""
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=person, type=Authenticator.Type.TOTP,
                                 data={"secret": TOTP_SECRET})
    return person


TOTP_SECRET = "JBSWY3DPEHPK3PXP"


def totp_code(secret: str = TOTP_SECRET, at: float | None = None) -> str:
    """The six digits an authenticator app would show now (RFC 6238, SHA-1, 30 s)."""
    import base64
    import hashlib
    import hmac
    import struct
    import time

    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def confirm_two_factor(client) -> None:
    """Prove the authenticator in this client's session, through allauth's own page."""
    from django.urls import reverse

    response = client.post(reverse("mfa_reauthenticate"), {"code": totp_code()})
    assert response.status_code == 302, response.content[:2000]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and used TOTP codes live in the cache; no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def network(borough):
    """The London network above the borough, for listings and the messages they send."""
    network = GroupFactory(slug="london-mutual-aid", name="London Mutual Aid",
                           kind=Group.Kind.NETWORK)
    borough.parent = network
    borough.save()
    return network


@pytest.fixture
def nia(network):
    """Coordinator of the network itself."""
    person = PersonFactory(email="nia@example.org", display_name="Nia Grant")
    MembershipFactory(person=person, group=network, is_coordinator=True)
    return person


@pytest.fixture
def messages_sent_at_once(monkeypatch):
    """Outbox messages go out as they are queued, not when the test's transaction (which never
    commits) would commit: for commands that run outside any transaction in real life."""
    from kith.messaging import outbox

    enqueue = outbox.enqueue
    monkeypatch.setattr(outbox, "enqueue",
                        lambda ids, **kw: enqueue(ids, **{**kw, "wait_for_commit": False}))


@pytest.fixture
def standin():
    """A stand-in for Twilio's API on 127.0.0.1 (tests/messaging/standin.py)."""
    from tests.messaging.standin import StandIn

    s = StandIn().start()
    yield s
    s.stop()


@pytest.fixture
def twilio(settings, standin):
    """Texts go through twilio's real client to the stand-in on 127.0.0.1."""
    from tests.messaging.standin import ACCOUNT, TOKEN

    settings.KITH_SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = ACCOUNT
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_FROM_NUMBER = "+447700900001"
    settings.TWILIO_API_BASE = standin.url
    return standin
