"""A full disk under var/ or the database: a clear page, and nothing half written."""

import pytest

from kith.groups.models import Group


@pytest.mark.django_db
@pytest.mark.urls("tests.disk_full_urls")
@pytest.mark.parametrize("where", ["file", "sqlite", "postgres"])
def test_a_full_disk_is_said_in_words_and_nothing_is_half_written(client, where):
    response = client.post(f"/full/{where}/")
    assert response.status_code == 503
    assert response["Retry-After"] == "3600"
    text = response.content.decode()
    assert "We could not save that" in text and "nothing you sent just now was saved" in text
    assert not Group.objects.filter(slug="half-written").exists()


@pytest.mark.django_db
@pytest.mark.urls("tests.disk_full_urls")
def test_any_other_error_is_still_a_server_error(client):
    client.raise_request_exception = False
    assert client.post("/full/other/").status_code == 500
