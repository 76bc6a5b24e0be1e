"""Maps: a public one that never places a person, and a coordinator's list of coverage gaps."""

from __future__ import annotations

import struct
import zlib

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from kith.directory.geocoding import area_centre
from kith.directory.search import group_centre
from kith.groups.access import group_view
from kith.groups.models import CoverageArea, Group, Membership
from kith.places.geo import LatLon
from kith.places.hexbin import aggregate, resolution_for_view, to_geojson
from kith.places.index import ATTRIBUTION
from kith.residents.models import Resident

K_ANONYMITY = 5  # a public hexagon never stands for fewer volunteers than this
FINEST_RESOLUTION = 8  # about 0.7 km² a cell: neighbourhood scale, never street scale
MAP_DATA_SECONDS = 300


def map_settings() -> dict:
    return {"tiles": settings.KITH_MAP_TILES, "tiles_attribution": settings.KITH_MAP_ATTRIBUTION,
            "attribution": ATTRIBUTION}


@require_GET
def public_map(request):
    groups = Group.objects.exclude(coverage=[]).order_by("name")
    return render(request, "directory/map.html", {**map_settings(), "groups": groups})


def volunteers_by_sector(memberships) -> list[tuple[str, int, LatLon]]:
    """Distinct volunteers per postcode sector, with the sector's centre: never a home."""
    counts = (
        memberships.filter(is_volunteer=True).exclude(person__postcode_sector="")
        .values_list("person__postcode_sector").annotate(n=Count("person", distinct=True))
        .values_list("person__postcode_sector", "n")
    )
    located = ((sector, n, area_centre(sector)) for sector, n in counts)
    return sorted((sector, n, c) for sector, n, c in located if c is not None)


def _volunteer_points() -> tuple[list[float], list[float]]:
    """Each volunteer at their postcode sector's centre: coarse before it is even counted."""
    lats: list[float] = []
    lons: list[float] = []
    for _sector, n, centre in volunteers_by_sector(Membership.objects.all()):
        lats.extend([centre.lat] * n)
        lons.extend([centre.lon] * n)
    return lats, lons


def _resolution(lats: list[float], lons: list[float]) -> int:
    """Coarser as the area grows, so a whole city stays a few hundred kilobytes."""
    if not lats:
        return FINEST_RESOLUTION
    return min(FINEST_RESOLUTION,
               resolution_for_view(min(lats), min(lons), max(lats), max(lons), max_cells=1_000))


def _group_features() -> list[dict]:
    features = []
    for group in Group.objects.exclude(coverage=[]).order_by("name"):
        centre = group_centre(group)
        if centre is None:
            continue
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(centre.lon, 5), round(centre.lat, 5)]},
            "properties": {"name": group.name, "kind": group.get_kind_display(),
                           "url": f"/groups/{group.slug}/"},
        })
    return features


@require_GET
@cache_control(public=True, max_age=MAP_DATA_SECONDS)
def public_map_data(request):
    body = cache.get("public-map-data")
    if body is None:
        lats, lons = _volunteer_points()
        hexes = aggregate(lats, lons, resolution=_resolution(lats, lons), k_min=K_ANONYMITY)
        body = {
            "groups": {"type": "FeatureCollection", "features": _group_features()},
            "volunteers": to_geojson(hexes),
            "k_anonymity": K_ANONYMITY,
        }
        cache.set("public-map-data", body, MAP_DATA_SECONDS)
    return JsonResponse(body)


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain one-colour PNG, made here so tests and offline demos need no tile server."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


BLANK_TILE = _png(256, 256, (236, 236, 230))


@require_GET
@cache_control(public=True, max_age=86400)
def blank_tile(request, z: int, x: int, y: int):
    return HttpResponse(BLANK_TILE, content_type="image/png")


def gaps_for(group: Group) -> list[dict]:
    """Sectors under `group` where residents live but no street, neighbourhood or ward group covers."""
    below = [group.pk, *group.descendant_ids()]
    covered = set(
        CoverageArea.objects.filter(group_id__in=below)
        .exclude(group__kind__in=[Group.Kind.BOROUGH, Group.Kind.NETWORK])
        .values_list("area", flat=True)
    )
    need = (
        Resident.objects.filter(group_id__in=below).exclude(postcode_sector="")
        .values("postcode_sector").annotate(residents=Count("id")).order_by("postcode_sector")
    )
    gaps = []
    for row in need:
        sector = row["postcode_sector"]
        if sector in covered or sector.split(" ")[0] in covered:
            continue
        centre = area_centre(sector)
        gaps.append({"sector": sector, "residents": row["residents"],
                     "lat": round(centre.lat, 5) if centre else None,
                     "lon": round(centre.lon, 5) if centre else None})
    return gaps


@require_GET
@group_view("gaps.view")
def coverage_gaps(request, group):
    gaps = gaps_for(group)
    return render(request, "directory/gaps.html", {**map_settings(), "group": group, "gaps": gaps})
