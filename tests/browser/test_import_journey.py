"""Priya imports Golborne Road's Google Form: upload, columns, the row-by-row check, the import."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from kith.accounts.models import Person

pytestmark = pytest.mark.django_db(transaction=True)
FORM = Path(__file__).resolve().parents[1] / "volunteers" / "fixtures" / "google_forms_responses.csv"


def sign_in_as(page, live_server, person) -> None:
    """A signed-in session, as the sign-in journey makes by emailed code (tested there)."""
    from django.test import Client

    client = Client()
    client.force_login(person)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])


def test_it_imports_a_messy_google_form_after_a_row_by_row_check(
    live_server, page, screenshot, axe_check, priya, tom
):
    sign_in_as(page, live_server, priya)
    page.goto(live_server.url + "/g/golborne-road/volunteers/import/")
    assert page.get_by_role("heading", name="Import volunteers").is_visible()
    axe_check("import: upload")
    screenshot("30-import-upload")

    page.get_by_label("The export from your spreadsheet").set_input_files(str(FORM))
    page.get_by_label("Google Forms (responses sheet)").check()
    page.get_by_role("button", name="Upload and choose columns").click()
    page.wait_for_url("**/volunteers/import/columns/")
    assert page.get_by_label("When are you usually free?").input_value() == "availability"
    assert page.get_by_label("Anything else we should know?").input_value() == "notes"
    axe_check("import: columns")
    screenshot("31-import-columns")

    page.get_by_role("button", name="Check the rows").click()
    page.wait_for_url("**/volunteers/import/check/")
    figures = " ".join(page.get_by_role("list", name="What the import would do").inner_text().split())
    assert "9 rows read" in figures and "3 rows with errors" in figures
    problems = page.get_by_role("list", name="Row by row")
    assert problems.get_by_text("“Gardening” is not one of the services Kith knows").is_visible()
    assert problems.get_by_text("Did you mean W10 5NW?").is_visible()
    axe_check("import: check")
    screenshot("32-import-check")

    page.get_by_label("Import only the good rows, and leave out the rows with errors").check()
    page.get_by_role("button", name="Import the volunteers").click()
    page.wait_for_url("**/volunteers/import/")
    status = page.get_by_role("status")
    assert "Imported 5 new volunteers" in status.inner_text()
    axe_check("import: done")
    screenshot("33-import-done")
    assert Person.objects.get(email="amara.okafor@example.org").volunteer.reconfirm_consent
