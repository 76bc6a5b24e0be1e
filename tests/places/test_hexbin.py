"""Map hexagons: counts exactly as h3 would give them, and never a hexagon under k."""

from __future__ import annotations

import json
from collections import Counter

import h3
import numpy as np
import pytest
from bench.places import LONDON, london_points
from hypothesis import given, settings
from hypothesis import strategies as st

from kith.places import hexbin
from kith.places.hexbin import Hexagon, aggregate, count_cells, resolution_for_view, to_geojson
from tests.conftest import examples


def _one_by_one(lats, lons, resolution) -> Counter:
    return Counter(h3.latlng_to_cell(a, b, resolution) for a, b in zip(lats, lons, strict=True))


def _reference_aggregate(lats, lons, resolution, k_min) -> dict[str, int]:
    """The k-anonymity rule written the obvious way, one point at a time."""
    pending = _one_by_one(lats, lons, resolution)
    kept: dict[str, int] = {}
    for res in range(resolution, -1, -1):
        parents: Counter = Counter()
        for cell, n in pending.items():
            if n >= k_min:
                kept[cell] = n
            elif res > 0:
                parents[h3.cell_to_parent(cell, res - 1)] += n
        pending = parents
    return kept


@pytest.mark.parametrize("resolution", [0, 3, 5, 6, 7, 8, 9, 10])
def test_counts_are_exactly_what_h3_says_point_by_point(resolution):
    lats, lons = london_points(40_000, seed=resolution)
    assert count_cells(lats, lons, resolution) == dict(_one_by_one(lats, lons, resolution))


@pytest.mark.parametrize(
    ("name", "lat_range", "lon_range"),
    [
        ("all of Britain", (49.9, 58.7), (-8.0, 1.8)),
        ("the 180th meridian", (-10.0, 10.0), (179.0, 180.0)),
        ("near the south pole", (-89.9, -80.0), (-180.0, 180.0)),
        ("southern hemisphere", (-40.0, -30.0), (140.0, 150.0)),
    ],
)
def test_counts_are_exact_anywhere(name, lat_range, lon_range):
    rng = np.random.default_rng(5)
    lats = rng.uniform(*lat_range, 20_000)
    lons = rng.uniform(*lon_range, 20_000)
    for resolution in (4, 7):
        assert count_cells(lats, lons, resolution) == dict(_one_by_one(lats, lons, resolution)), name


def test_counts_are_exact_around_a_pentagon():
    rng = np.random.default_rng(6)
    for resolution in (5, 8):
        pentagon = next(iter(h3.get_pentagons(resolution)))
        lat, lon = h3.cell_to_latlng(pentagon)
        lats = np.clip(lat + rng.normal(0, 0.3, 20_000), -90, 90)
        lons = (lon + rng.normal(0, 0.3, 20_000) + 180) % 360 - 180
        assert count_cells(lats, lons, resolution) == dict(_one_by_one(lats, lons, resolution))


def test_no_hexagon_ever_stands_for_fewer_than_k_people():
    lats, lons = london_points(50_000)
    hexagons = aggregate(lats, lons, resolution=9, k_min=5)
    assert hexagons
    assert min(h.count for h in hexagons) >= 5
    assert sum(h.count for h in hexagons) <= 50_000
    assert {h.cell: h.count for h in hexagons} == _reference_aggregate(lats, lons, 9, 5)


def test_small_cells_are_merged_into_their_parent():
    parent = h3.latlng_to_cell(51.52, -0.206, 7)
    first, second = sorted(h3.cell_to_children(parent, 8))[:2]
    points = [h3.cell_to_latlng(first)] * 3 + [h3.cell_to_latlng(second)] * 3
    lats, lons = zip(*points, strict=True)
    hexagons = aggregate(list(lats), list(lons), resolution=8, k_min=5)
    assert [(h.cell, h.count) for h in hexagons] == [(parent, 6)]


def test_a_lone_handful_is_dropped_not_shown():
    hexagons = aggregate([51.52, 51.52, 51.5201], [-0.206, -0.206, -0.2061], resolution=8, k_min=5)
    assert hexagons == []


def test_big_enough_cells_stay_at_the_resolution_asked_for():
    cell = h3.latlng_to_cell(51.52, -0.206, 8)
    lat, lon = h3.cell_to_latlng(cell)
    [hexagon] = aggregate([lat] * 7, [lon] * 7, resolution=8, k_min=5)
    assert hexagon == Hexagon(cell=cell, count=7, boundary=[tuple(p) for p in h3.cell_to_boundary(cell)])


def _with_repeats(points):
    repeats = st.lists(st.sampled_from(points), max_size=200) if points else st.just([])
    return st.tuples(st.just(points), repeats)


point_lists = st.lists(st.tuples(st.floats(51.45, 51.55), st.floats(-0.3, -0.1)), max_size=300).flatmap(
    _with_repeats
)


@settings(max_examples=examples(60), deadline=None)
@given(point_lists, st.integers(min_value=1, max_value=12), st.integers(min_value=5, max_value=10))
def test_k_anonymity_holds_for_any_points(data, k_min, resolution):
    unique_points, repeats = data
    points = unique_points + repeats  # repeats make crowded cells next to lonely ones
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    hexagons = aggregate(lats, lons, resolution=resolution, k_min=k_min)
    assert all(h.count >= k_min for h in hexagons)
    total = sum(h.count for h in hexagons)
    assert total <= len(points)
    assert {h.cell: h.count for h in hexagons} == _reference_aggregate(lats, lons, resolution, k_min)
    if len(points) < k_min:
        assert hexagons == []


def test_points_that_are_not_on_the_globe_are_ignored():
    lats = [51.52] * 5 + [float("nan"), 95.0, 51.5, float("inf")]
    lons = [-0.206] * 5 + [0.0, 0.0, 200.0, 0.0]
    [hexagon] = aggregate(lats, lons, resolution=8)
    assert hexagon.count == 5
    assert aggregate([], [], resolution=8) == []


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        aggregate([1.0], [1.0, 2.0], resolution=8)
    with pytest.raises(ValueError):
        aggregate([1.0], [1.0], resolution=16)
    with pytest.raises(ValueError):
        aggregate([1.0], [1.0], resolution=-1)
    with pytest.raises(ValueError):
        aggregate([1.0], [1.0], resolution=8, k_min=0)


def test_geojson_is_a_feature_collection_of_closed_rounded_polygons():
    lats, lons = london_points(20_000)
    hexagons = aggregate(lats, lons, resolution=8)
    collection = to_geojson(hexagons)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == len(hexagons)
    for feature, hexagon in zip(collection["features"], hexagons, strict=True):
        assert feature["type"] == "Feature"
        assert feature["properties"] == {"count": hexagon.count, "cell": hexagon.cell}
        ring = feature["geometry"]["coordinates"][0]
        assert feature["geometry"]["type"] == "Polygon"
        assert ring[0] == ring[-1] and len(ring) == 7
        for lon, lat in ring:  # GeoJSON order: longitude first
            assert -3 < lon < 3 and 50 < lat < 53  # merged parents reach a little further
            assert round(lon, 5) == lon and round(lat, 5) == lat
    assert json.loads(json.dumps(collection)) == collection


def test_a_london_wide_view_fits_in_300_kb_at_the_resolution_chosen_for_it():
    min_lat, min_lon, max_lat, max_lon = LONDON
    assert resolution_for_view(min_lat, min_lon, max_lat, max_lon) == hexbin.LONDON_RESOLUTION == 7
    lats, lons = london_points()  # the benchmark's million points
    text = json.dumps(to_geojson(aggregate(lats, lons, resolution=7)), separators=(",", ":"))
    assert len(text.encode()) <= 300 * 1024


def test_finer_views_get_finer_hexagons():
    borough = resolution_for_view(51.477, -0.229, 51.531, -0.148)  # Kensington and Chelsea
    street = resolution_for_view(51.520, -0.210, 51.526, -0.200)
    assert 7 < borough < street <= 15
