"""One real postcode index per test session, built from the installed ONS data into a tmp dir."""

from __future__ import annotations

import pytest

from kith.places.index import PostcodeIndex


@pytest.fixture(scope="session")
def places_var_dir(tmp_path_factory):
    """A stand-in for settings.VAR_DIR; the index lives in its places/ folder."""
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="session")
def postcode_index(places_var_dir) -> PostcodeIndex:
    return PostcodeIndex.load(places_var_dir / "places", progress=False)
