"""Distances and the bounding-box prefilter."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kith.places.geo import EARTH_RADIUS_M, LatLon, bbox, haversine_m, within

ONE_DEGREE_M = math.pi / 180 * EARTH_RADIUS_M  # 111,195 m


def test_it_knows_textbook_distances():
    assert haversine_m(LatLon(0, 0), LatLon(1, 0)) == pytest.approx(ONE_DEGREE_M)
    assert haversine_m(LatLon(0, 0), LatLon(0, 1)) == pytest.approx(ONE_DEGREE_M)
    assert haversine_m(LatLon(0, 0), LatLon(0, 180)) == pytest.approx(math.pi * EARTH_RADIUS_M)
    assert haversine_m(LatLon(90, 0), LatLon(-90, 0)) == pytest.approx(math.pi * EARTH_RADIUS_M)
    assert haversine_m(LatLon(51.5, -0.2), LatLon(51.5, -0.2)) == 0.0
    # A degree of longitude at 60°N is half a degree at the equator (near enough, on the sphere).
    assert haversine_m(LatLon(60, 0), LatLon(60, 0.001)) == pytest.approx(ONE_DEGREE_M * 0.0005, rel=1e-6)


def test_it_measures_across_kensington_and_chelsea():
    # Golborne Road (W10 5NW) to Sloane Square: 3.18 km north-south and 3.43 km east-west
    # (0.0318° of latitude, 0.04954° of longitude at 51.5°N), so about 4.7-4.9 km on the diagonal.
    golborne = LatLon(51.52420, -0.20594)
    sloane_square = LatLon(51.49240, -0.15640)
    north_south = 0.0318 * ONE_DEGREE_M
    east_west = 0.04954 * ONE_DEGREE_M * math.cos(math.radians(51.508))
    flat_estimate = math.hypot(north_south, east_west)
    assert haversine_m(golborne, sloane_square) == pytest.approx(flat_estimate, rel=0.002)
    assert haversine_m(golborne, sloane_square) == pytest.approx(haversine_m(sloane_square, golborne))


def _cosine_law_m(a: LatLon, b: LatLon) -> float:
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dl = math.radians(b.lon - a.lon)
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return EARTH_RADIUS_M * math.acos(max(-1.0, min(1.0, c)))


lats = st.floats(min_value=-89.9, max_value=89.9)
lons = st.floats(min_value=-180, max_value=180)
points = st.builds(LatLon, lats, lons)


@given(points, points)
def test_haversine_agrees_with_the_spherical_law_of_cosines(a, b):
    d = haversine_m(a, b)
    assert 0 <= d <= math.pi * EARTH_RADIUS_M + 1e-6
    if d > 1_000:  # the cosine law loses precision for short distances
        assert d == pytest.approx(_cosine_law_m(a, b), rel=1e-6)


def _destination(start: LatLon, bearing_deg: float, distance_m: float) -> LatLon:
    """The point `distance_m` from `start` on a great circle, by the standard direct formula."""
    delta = distance_m / EARTH_RADIUS_M
    theta = math.radians(bearing_deg)
    p1, l1 = math.radians(start.lat), math.radians(start.lon)
    p2 = math.asin(math.sin(p1) * math.cos(delta) + math.cos(p1) * math.sin(delta) * math.cos(theta))
    l2 = l1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(p1), math.cos(delta) - math.sin(p1) * math.sin(p2)
    )
    return LatLon(math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180)


@given(
    st.builds(LatLon, st.floats(min_value=-85, max_value=85), st.floats(min_value=-179, max_value=179)),
    st.floats(min_value=0, max_value=500_000),
    st.floats(min_value=0, max_value=360),
)
def test_the_box_contains_the_whole_circle(centre, radius, bearing):
    min_lat, min_lon, max_lat, max_lon = bbox(centre, radius)
    edge = _destination(centre, bearing, radius)
    assert haversine_m(centre, edge) == pytest.approx(radius, abs=1e-3)
    assert min_lat <= edge.lat <= max_lat
    assert min_lon <= edge.lon <= max_lon


def test_the_box_is_tight_where_it_can_be():
    centre = LatLon(51.5, -0.2)
    min_lat, min_lon, max_lat, max_lon = bbox(centre, 1_000)
    assert max_lat - min_lat == pytest.approx(2 * 1_000 / ONE_DEGREE_M, rel=1e-6)
    # Wider in longitude by 1/cos(latitude), and only a hair more.
    widened = 2 * 1_000 / ONE_DEGREE_M / math.cos(math.radians(51.5))
    assert max_lon - min_lon == pytest.approx(widened, rel=1e-4)


def test_the_box_covers_every_longitude_near_a_pole_or_the_180th_meridian():
    assert bbox(LatLon(89.99, 0), 5_000)[1::2] == (-180.0, 180.0)
    assert bbox(LatLon(0, 179.99), 5_000)[1::2] == (-180.0, 180.0)
    with pytest.raises(ValueError):
        bbox(LatLon(0, 0), -1)


@given(
    st.lists(st.builds(LatLon, st.floats(51.3, 51.7), st.floats(-0.5, 0.3)), max_size=50),
    st.floats(min_value=0, max_value=20_000),
)
def test_within_finds_exactly_the_points_in_the_circle(candidates, radius):
    centre = LatLon(51.5, -0.1)
    found = within(candidates, centre, radius)
    assert found == [p for p in candidates if haversine_m(centre, p) <= radius]


def test_within_keeps_the_objects_it_was_given_and_skips_points_that_are_not_numbers():
    near = LatLon(51.5001, -0.1)
    far = LatLon(52.5, -0.1)
    nowhere = LatLon(float("nan"), float("nan"))
    assert within([far, near, nowhere], LatLon(51.5, -0.1), 1_000) == [near]
    assert within([near], LatLon(51.5, -0.1), 1_000)[0] is near
