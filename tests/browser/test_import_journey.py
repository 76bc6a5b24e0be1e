"""Priya imports Golborne Road's Google Form: upload, columns, the row-by-row check, the import."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

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
    live_server, page, screenshot, axe_check, priya, tom, settings
):
    # The real database backend: the import waits for the worker, and the page watches it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": settings.TASK_QUEUES}}
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
    page.wait_for_url("**/volunteers/import/runs/*/")
    assert page.get_by_role("heading", name="Waiting for the worker").is_visible()
    assert not Person.objects.filter(email="amara.okafor@example.org").exists()
    axe_check("import: waiting for the worker")
    screenshot("33-import-waiting")

    call_command("worker", batch=True, verbosity=0)
    # The page asks again every 2 s and shows the end without being reloaded.
    page.get_by_role("heading", name="Imported").wait_for(timeout=15_000)
    assert "Imported 5 new volunteers" in page.locator("#import-run").inner_text()
    axe_check("import: done")
    screenshot("33-import-done")
    assert Person.objects.get(email="amara.okafor@example.org").volunteer.reconfirm_consent


NEW_CASES = (
    "Timestamp,Email address,What's your full name?,Phone number,Your postcode,"
    "Which of these could you help with?,"
    "I agree to Golborne Road Neighbours keeping my details to organise help\n"
    "23/03/2020 10:14:05,ann@example.org,Ann Lee,07911 123401,W10 5NW,"
    "Collecting food bank parcels,Yes\n"
    "23/03/2020 10:15:05,bob@example.org,Bob Ray,07911 123402,W10 5NW,Shopping,No\n"
    "23/03/2020 10:16:05,,Cy Dunn,07911 123403,W10 5NW,Dog walking,Yes\n"
    "23/03/2020 10:17:05,dee@example.org,,07911 123404,N20 0ZZ,Shopping,Yes\n"
)


def test_it_says_what_happens_to_a_refusal_a_phone_only_row_no_name_and_an_unknown_postcode(
    live_server, page, screenshot, axe_check, priya, tmp_path
):
    """Issue 12's cases, on the pages a coordinator sees: the check, then the volunteers list."""
    spreadsheet = tmp_path / "golborne-form.csv"
    spreadsheet.write_text(NEW_CASES)
    sign_in_as(page, live_server, priya)
    page.goto(live_server.url + "/g/golborne-road/volunteers/import/")
    page.get_by_label("The export from your spreadsheet").set_input_files(str(spreadsheet))
    page.get_by_label("Google Forms (responses sheet)").check()
    page.get_by_role("button", name="Upload and choose columns").click()
    page.wait_for_url("**/volunteers/import/columns/")
    assert page.get_by_label("I agree to Golborne Road Neighbours keeping my details to organise "
                             "help").input_value() == "consent"
    page.get_by_role("button", name="Check the rows").click()
    page.wait_for_url("**/volunteers/import/check/")
    figures = " ".join(page.get_by_role("list", name="What the import would do").inner_text().split())
    assert "3 new volunteers" in figures and "1 said no to keeping their details" in figures
    assert "1 new, with a phone number only: ring them" in figures
    problems = page.get_by_role("list", name="Row by row")
    assert problems.get_by_text("Said no to the group keeping their details").is_visible()
    assert problems.get_by_text("No email address: imported with their phone number only").is_visible()
    assert problems.get_by_text("N20 0ZZ is not in the ONS postcode directory").is_visible()
    assert problems.get_by_text("No name: imported as “Name not given”").is_visible()
    axe_check("import: check, new cases")
    screenshot("34-import-check-new-cases")

    page.get_by_role("button", name="Import the volunteers").click()
    page.wait_for_url("**/volunteers/import/runs/*/")  # the tests' backend runs it at once
    assert "1 with a phone number only is marked “No email yet”" in page.locator(
        "#import-run").inner_text()
    page.goto(live_server.url + "/g/golborne-road/volunteers/?status=no_email")
    row = page.get_by_role("row", name="Cy Dunn")
    assert row.get_by_text("No email yet").is_visible()
    axe_check("volunteers: no email yet")
    screenshot("35-volunteers-no-email-yet")
    row.get_by_role("link", name="Cy Dunn").click()
    page.get_by_text("No email yet: they sign in with a code by text.").wait_for()
    axe_check("volunteer: no email yet")
    screenshot("36-volunteer-no-email-yet")
