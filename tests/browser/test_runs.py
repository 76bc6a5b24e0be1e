"""A pharmacy run in a real browser: Priya pastes 20 prescriptions, splits them between three
volunteers and looks at the routes on the map; Ana opens her route on her phone, marks her
first stop delivered and downloads her route sheet, which opens as a PDF.

Screenshots (and the sheet's first page as a PNG) go to test-artifacts/."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from django.conf import settings as dj_settings
from django.test import Client

from kith.core.models import PersonalDataAccess
from kith.runs.models import Run
from tests.browser.conftest import ARTIFACTS
from tests.conftest import confirm_two_factor, enable_totp
from tests.factories import MembershipFactory, PersonFactory
from tests.runs.conftest import PICKUP, cleared, lines

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


def _become(page, live_server, person, *, two_factor: bool = False) -> None:
    client = Client()
    if two_factor:
        enable_totp(person)
    client.force_login(person)
    if two_factor:
        confirm_two_factor(client)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": dj_settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value,
                               "url": live_server.url}])


def test_a_run_of_20_stops_is_split_and_its_route_sheet_opens(
    live_server, page, screenshot, axe_check, street, priya, tom
):
    from pypdf import PdfReader

    team = [tom]
    for n, name in enumerate(["Ana Lima", "Ben Cole", "Cleo Park"], 1):
        person = PersonFactory(email=f"v{n}@example.org", display_name=name)
        MembershipFactory(person=person, group=street, is_volunteer=True)
        team.append(person)
    for person, postcode in zip(team, ["W10 5NW", "W10 5AA", "W10 6AA", "W11 1AB"], strict=True):
        cleared(person, street, priya, postcode)
    base = live_server.url

    # Priya makes the run and pastes twenty prescriptions.
    page.set_viewport_size(DESK)
    _become(page, live_server, priya, two_factor=True)
    page.goto(f"{base}/g/golborne-road/runs/")
    page.get_by_role("link", name="New run").click()
    page.get_by_label("Pharmacy run").check()
    page.get_by_label("Partner").fill("Golborne Pharmacy")
    page.get_by_label("Pick up from").fill("Golborne Pharmacy, 1 Golborne Road")
    page.get_by_label("Pickup postcode").fill(PICKUP)
    page.get_by_role("button", name="Make the run").click()
    page.get_by_label("Stops, one on each line").fill(lines())
    axe_check("runs: add stops")
    page.get_by_role("button", name="Add these stops").click()
    page.get_by_text("20 stops added.").wait_for()
    run = Run.objects.get()
    assert run.stops.count() == 20

    # ...splits them between three volunteers, at most eight stops each.
    page.get_by_role("button", name="Split into routes").click()
    page.get_by_text(re.compile(r"Split into 3 routes covering 20 stops")).wait_for()
    run.refresh_from_db()
    assert run.state == "split" and run.routes.count() == 3
    assert sorted(s.route_id is not None for s in run.stops.all()) == [True] * 20
    assert page.get_by_role("heading", name=re.compile("Route 1:")).is_visible()
    axe_check("runs: proposed routes")

    # ...looks at the names, addresses and the map (each look recorded), then sends them out.
    page.get_by_role("button", name="Show names, addresses and the map").click()
    page.locator("#route-map[data-loaded=true]").wait_for()
    assert page.locator(".map-number").count() == 20
    assert PersonalDataAccess.objects.filter(viewer=priya).count() == 20  # one look a stop
    axe_check("runs: routes with addresses and map")
    screenshot("80-runs-1-priya-reviews-the-routes")
    page.get_by_role("button", name="Send the routes out").click()
    page.get_by_text(re.compile("Sent out")).wait_for()
    run.refresh_from_db()
    assert run.state == "out"

    # A volunteer with a route opens it on their phone.
    route = run.routes.order_by("position").first()
    volunteer = route.volunteer
    page.set_viewport_size(PHONE)
    _become(page, live_server, volunteer)
    page.goto(f"{base}/volunteer/routes/{route.pk}/")
    page.get_by_role("heading", name=re.compile("Pick up from Golborne Pharmacy")).wait_for()
    page.locator("#route-map[data-loaded=true]").wait_for()
    first = route.stops.order_by("position").first()
    assert page.locator(".stop").count() == route.stops.count()
    axe_check("runs: the volunteer's route")
    screenshot("81-runs-2-route-on-a-phone")
    page.get_by_role("button", name="Delivered (stop 1)").click()
    page.get_by_text("Stop 1: delivered. Thank you.").wait_for()
    first.refresh_from_db()
    assert first.outcome == "delivered" and first.outcome_by == volunteer
    screenshot("82-runs-3-first-stop-delivered")

    # ...and downloads the route sheet, which opens as a PDF with every stop in order.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Print a route sheet (PDF)").click()
    path = ARTIFACTS / "83-runs-4-route-sheet.pdf"
    download_info.value.save_as(path)
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Pick up from: Golborne Pharmacy" in text and "shred it after the run" in " ".join(
        text.split())
    names = [s.who._open() for s in route.stops.order_by("position")]
    at = [text.index(name) for name in names]
    assert at == sorted(at)
    pdftoppm = shutil.which("pdftoppm")  # poppler-utils: the sheet's first page as a PNG
    if pdftoppm:
        subprocess.run([pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", str(path),  # noqa: S603
                        str(ARTIFACTS / "83-runs-4-route-sheet")], check=True)
