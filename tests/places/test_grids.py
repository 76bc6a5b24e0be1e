"""Grid references to WGS84: the Irish Grid (Northern Ireland) and a cross-check for Britain."""

from __future__ import annotations

import numpy as np
from convertbng.cutil import convert_lonlat

from kith.places.geo import LatLon, haversine_m
from kith.places.grids import NATIONAL_GRID, OSGB36_TO_WGS84, grid_to_wgs84, irish_grid_to_wgs84
from tests.places.reference import grid_to_wgs84 as reference_grid_to_wgs84


def test_the_same_machinery_agrees_with_convertbng_across_britain():
    rng = np.random.default_rng(1)
    eastings = rng.uniform(100_000, 650_000, 500)
    northings = rng.uniform(10_000, 1_200_000, 500)
    lats, lons = grid_to_wgs84(eastings, northings, NATIONAL_GRID, OSGB36_TO_WGS84)
    ost_lons, ost_lats = convert_lonlat(eastings, northings)
    for lat, lon, ost_lat, ost_lon in zip(lats, lons, ost_lats, ost_lons, strict=True):
        if np.isfinite(ost_lat):  # convertbng gives NaN outside its OSTN15 grid (at sea)
            assert haversine_m(LatLon(lat, lon), LatLon(ost_lat, ost_lon)) < 10


def test_it_agrees_with_the_independent_reference_route():
    lats, lons = grid_to_wgs84(np.array([524559.0]), np.array([182112.0]), NATIONAL_GRID, OSGB36_TO_WGS84)
    assert haversine_m(LatLon(lats[0], lons[0]), LatLon(*reference_grid_to_wgs84(524559, 182112))) < 0.01


def test_irish_grid_references_land_on_their_landmarks():
    # BT1 5GS, Belfast City Hall (54.5966°N, 5.9301°W), and BT48 in Derry/Londonderry.
    lats, lons = irish_grid_to_wgs84(np.array([333832.0, 243586.0]), np.array([374014.0, 418414.0]))
    assert haversine_m(LatLon(lats[0], lons[0]), LatLon(54.5966, -5.9301)) < 100
    assert 54.95 < lats[1] < 55.05 and -7.4 < lons[1] < -7.25


def test_missing_grid_references_stay_missing():
    lats, lons = irish_grid_to_wgs84(np.array([np.nan, 333832.0]), np.array([np.nan, 374014.0]))
    assert np.isnan(lats[0]) and np.isnan(lons[0])
    assert np.isfinite(lats[1])
