"""The Django edge of kith.places: one loaded postcode index per process, and query parsing."""

from __future__ import annotations

import fcntl
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext

from kith.places.geo import LatLon
from kith.places.index import PostcodeIndex
from kith.places.postcodes import (
    PostcodeError,
    looks_like_postcode,
    parse,
    parse_area,
    shaped_like_postcode,
)

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _load(cache_dir: str) -> PostcodeIndex:
    folder = Path(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    # Cold gunicorn workers would each build the index (about 0.5 GB at the peak): one builds,
    # the others wait on this lock and then just load the file it wrote.
    with open(folder / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return PostcodeIndex.load(folder, progress=False)


def postcode_index() -> PostcodeIndex:
    """Loaded on first use (built into var/ the very first time), then shared by the process."""
    with _lock:
        return _load(str(settings.KITH_PLACES_CACHE))


@dataclass(frozen=True)
class Place:
    """Where a search points: a full postcode, or a sector or district's centre."""

    label: str
    point: LatLon
    sector: str | None
    district: str
    precision: str  # "postcode", "sector" or "district"


def not_found(postcode: str) -> str:
    """What to say about a postcode in the right shape that the ONS directory does not hold."""
    return gettext("We couldn't find %(postcode)s — check it and try again.") % {
        "postcode": postcode}


def place_for(text: str) -> Place:
    """Resolve what someone typed into a Place, or raise PostcodeError saying what is wrong.

    A full postcode the directory does not hold is placed at its sector's (or district's)
    centre if those are known, and `precision` says so; callers that need the exact point
    check it."""
    index = postcode_index()
    try:
        postcode = parse(text)
    except PostcodeError as not_full:
        shaped = shaped_like_postcode(text)
        if shaped is not None:  # ZZ99 9ZZ: laid out right, just not a postcode anyone has
            raise PostcodeError(not_found(shaped)) from None
        try:
            area = parse_area(text)
        except PostcodeError:
            raise not_full from None  # the full-postcode reason is the more specific one
        district, _, digit = area.partition(" ")
        centre = index.sector_centroid(area) if digit else index.district_centroid(area)
        if centre is None:
            raise PostcodeError(f"We don't know the area {area}. Check it, or try a full postcode.") from None
        return Place(area, centre, area if digit else None, district, "sector" if digit else "district")
    location = index.locate(postcode)
    if location is None and postcode in index:
        raise PostcodeError(gettext(
            "%(postcode)s is in the Channel Islands or the Isle of Man, which our map data "
            "does not place.") % {"postcode": postcode.text})
    if location is None:
        raise PostcodeError(not_found(postcode.text))
    return Place(postcode.text, location.latlon, postcode.sector, postcode.district, location.precision)


def area_centre(area: str) -> LatLon | None:
    index = postcode_index()
    return index.sector_centroid(area) if " " in area else index.district_centroid(area)


__all__ = ["Place", "PostcodeError", "area_centre", "looks_like_postcode", "not_found",
           "place_for", "postcode_index"]
