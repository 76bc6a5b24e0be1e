"""Runs' pages: who may see what, 404s for ids that are not theirs, input kept on errors,
every look at a stop's details on the access log."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from kith.core.models import PersonalDataAccess
from kith.runs import services
from kith.runs.models import Run
from tests.conftest import confirm_two_factor, enable_totp
from tests.runs.conftest import POSTCODES, UNKNOWN, lines

pytestmark = pytest.mark.django_db


def _as(client, person):
    client.force_login(person)
    return client


def test_it_lists_and_makes_runs_for_coordinators(client, street, priya):
    assert _as(client, priya).get(reverse("runs:list", args=[street.slug])).status_code == 200
    response = client.post(reverse("runs:new", args=[street.slug]), {
        "kind": "foodbank", "partner_name": "Golborne Food Bank", "pickup_name": "St Mary's Hall",
        "pickup_postcode": "w10 5aa", "date": "2030-03-02", "team_size": 2, "max_stops": 6})
    run = Run.objects.get()
    assert response.status_code == 302 and response.url == reverse("runs:stops",
                                                                   args=[street.slug, run.pk])
    assert (run.service, run.pickup_postcode, run.team_size) == ("foodbank", "W10 5AA", 2)
    listed = client.get(reverse("runs:list", args=[street.slug])).content.decode()
    assert "St Mary&#x27;s Hall" in listed


def test_it_keeps_the_new_run_form_on_errors(client, street, priya):
    response = _as(client, priya).post(reverse("runs:new", args=[street.slug]), {
        "kind": "pharmacy", "partner_name": "Oak Pharmacy", "pickup_name": "Oak Pharmacy",
        "pickup_postcode": UNKNOWN, "date": "2030-03-02", "team_size": 3, "max_stops": ""})
    page = response.content.decode()
    assert response.status_code == 400 and not Run.objects.exists()
    assert 'value="Oak Pharmacy"' in page and "Give a limit for each volunteer" in page


def test_it_keeps_pasted_stops_and_names_the_wrong_line(client, full_run, priya, street):
    text = lines(POSTCODES[:2]) + "\nMrs Ross, 4 Elm Road, W1O 5NW"
    response = _as(client, priya).post(reverse("runs:stops", args=[street.slug, full_run.pk]),
                                       {"lines": text})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Line 3: “W1O 5NW” is not a valid postcode. Did you mean W10 5NW?" in page
    assert "Mrs Ross, 4 Elm Road, W1O 5NW</textarea>" in page
    assert full_run.stops.count() == 20


def test_it_adds_stops_and_lists_those_it_cannot_place(client, run, priya, street):
    url = reverse("runs:stops", args=[street.slug, run.pk])
    response = _as(client, priya).post(url, {"lines": lines(POSTCODES[:3] + [UNKNOWN])})
    assert response.status_code == 302
    page = client.get(reverse("runs:detail", args=[street.slug, run.pk])).content.decode()
    assert "Kith couldn't place 1 stop" in page and "Stop 4" in page
    assert "Test Street" not in page  # sealed until revealed


@pytest.mark.parametrize("name, method", [
    ("runs:detail", "get"), ("runs:stops", "get"), ("runs:split", "post"), ("runs:send", "post"),
    ("runs:finish", "post"), ("runs:outcome", "post"), ("runs:remove_stop", "post")])
def test_it_answers_404_for_a_run_of_another_group(client, run, nadia, priya, name, method,
                                                   street, other_street):
    # Nadia coordinates Lots Road: Golborne Road's run does not exist for her, nor under her
    # group's address, nor for a number no run has.
    response = getattr(_as(client, nadia), method)(reverse(name, args=[other_street.slug, run.pk]))
    assert response.status_code == 404
    response = getattr(_as(client, priya), method)(reverse(name, args=[street.slug, 999999]))
    assert response.status_code == 404


def test_it_answers_404_for_a_stop_of_another_run(client, full_run, priya, street):
    other = services.create_run(street, acting_user=priya, kind="foodbank", partner_name="F",
                                pickup_name="F", pickup_postcode="W10 5AA")
    stop = full_run.stops.first()
    for value in (stop.pk, "x", ""):
        response = _as(client, priya).post(
            reverse("runs:remove_stop", args=[street.slug, other.pk]), {"stop": value})
        assert response.status_code == 404
    assert full_run.stops.filter(pk=stop.pk).exists()


def test_it_keeps_call_handlers_and_volunteers_out(client, run, sam, tom, street):
    for person in (sam, tom):
        response = _as(client, person).get(reverse("runs:detail", args=[street.slug, run.pk]))
        assert response.status_code == 403


def test_it_splits_and_shows_the_proposed_routes(client, full_run, priya, volunteers, street):
    response = _as(client, priya).post(reverse("runs:split", args=[street.slug, full_run.pk]),
                                       {"team_size": 3, "max_stops": 8, "max_minutes": ""})
    assert response.status_code == 302
    page = client.get(reverse("runs:detail", args=[street.slug, full_run.pk])).content.decode()
    assert "Proposed routes" in page and "Route 1:" in page and " miles, about " in page
    assert "Send the routes out" in page


def test_it_keeps_the_split_form_on_errors(client, full_run, priya, volunteers, street):
    response = _as(client, priya).post(reverse("runs:split", args=[street.slug, full_run.pk]),
                                       {"team_size": 2, "max_stops": 3, "max_minutes": ""})
    page = response.content.decode()
    assert response.status_code == 400 and 'name="max_stops" value="3"' in page
    assert "There is a problem" in page
    full_run.refresh_from_db()
    assert full_run.state == "draft"


def test_it_opens_names_and_addresses_to_coordinators_with_two_factor(client, split_run, priya,
                                                                      street):
    url = reverse("runs:detail", args=[street.slug, split_run.pk])
    refused = _as(client, priya).post(url, {"reason": "Checking routes"})
    assert refused.status_code == 403 and PersonalDataAccess.objects.count() == 0
    enable_totp(priya)
    confirm_two_factor(client)
    shown = client.post(url, {"reason": "Checking routes"})
    page = shown.content.decode()
    assert "Test Street" in page and 'id="route-data"' in page
    assert "no-store" in shown["Cache-Control"]
    # One row per stop for this look, naming who, address and postcode, and the note where
    # there is one (every 4th).
    rows = PersonalDataAccess.objects.filter(viewer=priya, subject_type="runs.stop")
    assert rows.count() == 20
    assert sorted({r.field for r in rows}) == ["who, address, postcode",
                                              "who, address, postcode, note"]


def test_it_shows_the_route_only_to_its_volunteer_once_sent_out(client, split_run, priya,
                                                                 volunteers):
    route = split_run.routes.first()
    url = reverse("runs:my_route", args=[route.pk])
    assert _as(client, route.volunteer).get(url).status_code == 404  # not sent out yet
    services.send_out(split_run, acting_user=priya)
    others = [v for v in volunteers if v != route.volunteer] + [priya]
    for person in others:
        assert _as(client, person).get(url).status_code == 404
    response = _as(client, route.volunteer).get(url)
    page = response.content.decode()
    assert response.status_code == 200 and "Test Street" in page and "Pick up from" in page
    # One row per stop for this look (not one per field).
    assert PersonalDataAccess.objects.filter(viewer=route.volunteer).count() == route.stops.count()
    assert reverse("runs:my_route", args=[999999]) and _as(client, route.volunteer).get(
        reverse("runs:my_route", args=[999999])).status_code == 404


def test_it_records_an_outcome_without_javascript(client, out_run):
    route = out_run.routes.first()
    stop = route.stops.order_by("position").first()
    url = reverse("runs:my_route", args=[route.pk])
    response = _as(client, route.volunteer).post(url, {"stop": stop.pk, "outcome": "delivered"})
    assert response.status_code == 302 and response.url.endswith("#stop-1")
    stop.refresh_from_db()
    assert stop.outcome == "delivered"
    other = out_run.stops.exclude(route=route).first()
    response = client.post(url, {"stop": other.pk, "outcome": "delivered"})
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.outcome == "pending"
    assert client.post(url, {"stop": "x", "outcome": "gone"}).status_code == 400


def test_it_lets_a_coordinator_mark_a_stop(client, out_run, priya, street):
    stop = out_run.stops.filter(route__isnull=False).first()
    response = _as(client, priya).post(reverse("runs:outcome", args=[street.slug, out_run.pk]),
                                       {"stop": stop.pk, "outcome": "returned"})
    assert response.status_code == 302
    stop.refresh_from_db()
    assert stop.outcome == "returned"


def test_it_swaps_a_volunteer_by_hand(client, split_run, priya, volunteers, street,
                                      kasia_unchecked):
    route = split_run.routes.first()
    spare = next(v for v in volunteers if not split_run.routes.filter(volunteer=v).exists())
    url = reverse("runs:swap", args=[street.slug, route.pk])
    page = _as(client, priya).get(url).content.decode()
    assert spare.display_name in page and "Kasia" not in page
    refused = client.post(url, {"person": kasia_unchecked.pk})
    assert refused.status_code == 400 and "isn&#x27;t cleared" in refused.content.decode()
    assert client.post(url, {"person": spare.pk}).status_code == 302
    route.refresh_from_db()
    assert route.volunteer == spare


def test_it_gives_the_volunteer_their_route_sheet_and_logs_it(client, out_run):
    from pypdf import PdfReader

    route = out_run.routes.first()
    response = _as(client, route.volunteer).get(reverse("runs:my_sheet", args=[route.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Golborne Pharmacy" in text and "shred" in text
    reasons = set(PersonalDataAccess.objects.filter(viewer=route.volunteer)
                  .values_list("reason", flat=True))
    assert reasons == {f"Printing route sheet, run {out_run.pk}"}


def test_it_refuses_the_coordinators_sheet_without_two_factor(client, split_run, priya, street):
    route = split_run.routes.first()
    url = reverse("runs:route_sheet", args=[street.slug, route.pk])
    assert _as(client, priya).post(url, {"reason": "Printing"}).status_code == 403
    enable_totp(priya)
    confirm_two_factor(client)
    response = client.post(url, {"reason": "Printing"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_it_shows_current_routes_on_the_volunteers_home(rf, out_run):
    from django.template import Context, Template

    route = out_run.routes.first()
    request = rf.get("/volunteer/")
    request.user = route.volunteer
    html = Template("{% load runs %}{% my_routes %}").render(Context({"request": request}))
    assert reverse("runs:my_route", args=[route.pk]) in html and "Open route" in html
    request.user = out_run.created_by
    assert "Open route" not in Template("{% load runs %}{% my_routes %}").render(
        Context({"request": request}))


def test_a_volunteer_on_a_route_is_given_the_groups_line_not_just_call_your_coordinator(
        client, out_run):
    from kith.groups import services as group_services

    group_services.update_group(out_run.group, acting_user=None, phone="+442079460003")
    route = out_run.routes.first()
    page = _as(client, route.volunteer).get(reverse("runs:my_route", args=[route.pk]))
    html = page.content.decode()
    assert "Call your coordinator" not in html
    assert "A problem on the way? Ring" in html and 'href="tel:+442079460003"' in html
