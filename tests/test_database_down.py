"""While the database is away (restarted, failed over), a page in Kith's words: a 503 that asks
people to wait a minute and check, never a traceback. tests/test_database_restart.py restarts a
real PostgreSQL under load; these check the page itself on either database."""

import pytest
from django.db import InterfaceError, OperationalError, transaction
from django.urls import path

from kith.core.views import server_error
from kith.groups.models import Group
from kith.urls import urlpatterns as kith_urlpatterns


def _half_then(error: BaseException):
    def view(request):
        with transaction.atomic():
            Group.objects.create(slug="half-written", name="Half written")
            raise error
    return view


urlpatterns = [
    path("down/gone/", _half_then(OperationalError("server closed the connection unexpectedly"))),
    path("down/closed/", _half_then(InterfaceError("connection already closed"))),
    path("down/other/", _half_then(ValueError("a bug"))),
    *kith_urlpatterns,
]
handler500 = "kith.core.views.server_error"


@pytest.mark.django_db
@pytest.mark.urls("tests.test_database_down")
@pytest.mark.parametrize("how", ["gone", "closed"])
def test_a_lost_database_gets_a_calm_503_and_nothing_half_written(client, how):
    client.raise_request_exception = False
    response = client.post(f"/down/{how}/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    text = response.content.decode()
    assert "Kith is catching up" in text and "check whether it is there" in text
    assert "Traceback" not in text
    assert not Group.objects.filter(slug="half-written").exists()


@pytest.mark.django_db
@pytest.mark.urls("tests.test_database_down")
def test_any_other_error_is_still_a_server_error(client):
    client.raise_request_exception = False
    response = client.post("/down/other/")
    assert response.status_code == 500
    assert "Kith is catching up" not in response.content.decode()


def test_the_page_is_made_without_the_database(rf):
    """The page must not need what is missing: no session, no signed-in person, no query (this
    test has no database: pytest-django refuses any query in it)."""
    request = rf.get("/")
    try:
        raise OperationalError("connection failed: the database system is starting up")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
