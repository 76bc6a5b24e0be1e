import pytest

from tests.conftest import confirm_two_factor, enable_totp

pytestmark = pytest.mark.django_db


def test_it_walks_the_coordinator_pages(client, priya, sam, mrs_ahmed):
    client.force_login(priya)
    for name in ["groups:dashboard", "groups:members", "groups:invitations", "groups:settings",
                 "groups:audit", "groups:access_log", "residents:list", "residents:new"]:
        from django.urls import reverse
        r = client.get(reverse(name, args=["golborne-road"]))
        assert r.status_code == 200, name
    r = client.get(f"/g/golborne-road/residents/{mrs_ahmed.pk}/")
    assert r.status_code == 200
    assert b"+442079460100" not in r.content
    r = client.post(f"/g/golborne-road/residents/{mrs_ahmed.pk}/",
                    {"field": "phone", "reason": "calling back"})
    assert b"two-factor" in r.content
    enable_totp(priya)
    r = client.post(f"/g/golborne-road/residents/{mrs_ahmed.pk}/",
                    {"field": "phone", "reason": "calling back"})
    assert "with your passkey or authenticator app first" in r.content.decode()
    assert b"+442079460100" not in r.content
    confirm_two_factor(client)
    r = client.post(f"/g/golborne-road/residents/{mrs_ahmed.pk}/",
                    {"field": "phone", "reason": "calling back"})
    assert b"020 7946 0100" in r.content
