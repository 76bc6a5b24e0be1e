"""The public directory: anyone, signed in or not, finds their local group."""

from __future__ import annotations

import dataclasses

from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from kith.core.links import site_base, site_url
from kith.core.text import search_term
from kith.core.throttle import over_limit
from kith.directory.distance import in_miles
from kith.directory.geocoding import Place, PostcodeError, looks_like_postcode, not_found, place_for
from kith.directory.search import NEAREST_WITHIN_M, groups_covering, groups_named, nearest_groups
from kith.groups.models import Group
from kith.places.index import ATTRIBUTION
from kith.places.postcodes import parse

MAX_QUERY = 60


def _search(text: str) -> dict:
    """Shared by the page, the widget and the API: what was searched and what matched.

    When nobody covers a place, `nearest` holds the closest groups, so a resident always has
    somewhere to turn. `notice` says a full postcode is not in the ONS directory (the groups
    shown are then those of the area it would be in)."""
    found = {"matches": [], "error": "", "place": None, "nearest": [], "notice": ""}
    if not text:
        return found
    if not looks_like_postcode(text):
        if len(text) < 3:
            return {**found, "error": "Type at least three letters of a place, or a postcode."}
        return {**found, "matches": groups_named(text)}
    try:
        place = place_for(text)
    except PostcodeError as exc:
        return {**found, "error": str(exc)}
    place, notice = _unlisted_postcode(place)
    matches = groups_covering(place)
    nearest = [] if matches else nearest_groups(place.point)
    return {**found, "matches": matches, "place": place, "nearest": nearest, "notice": notice}


def _unlisted_postcode(place: Place) -> tuple[Place, str]:
    """A full postcode placed only by its sector or district is one the directory lacks: say
    so, and name the area searched instead."""
    if place.precision == "postcode" or " " not in place.label:
        return place, ""
    try:
        parse(place.label)
    except PostcodeError:
        return place, ""  # a sector such as "W10 5", searched on purpose
    area = place.sector if place.precision == "sector" and place.sector else place.district
    return dataclasses.replace(place, label=area), not_found(place.label)


def _context(request) -> dict:
    text = search_term(request, limit=MAX_QUERY)
    return {"q": text, "searched": bool(text), **_search(text), "attribution": ATTRIBUTION,
            "nearest_within": in_miles(NEAREST_WITHIN_M)}


@require_GET
def find(request):
    return render(request, "directory/find.html", _context(request))


@require_GET
@xframe_options_exempt  # made to be embedded on other sites
def widget(request):
    return render(request, "directory/widget.html", _context(request))


@require_GET
def group_listing(request, slug):
    group = get_object_or_404(Group.objects.select_related("parent"), slug=slug)
    return render(request, "directory/group.html", {
        "group": group, "children": group.children.order_by("name"),
    })


@require_GET
def directory_index(request):
    boroughs = Group.objects.filter(kind=Group.Kind.BOROUGH).order_by("name")
    return render(request, "directory/index.html", {"boroughs": boroughs})


@require_GET
def borough_list(request, slug):
    borough = get_object_or_404(Group, slug=slug, kind=Group.Kind.BOROUGH)
    below = Group.objects.filter(pk__in=borough.descendant_ids()).select_related("parent")
    wards = sorted((g for g in below if g.parent_id == borough.pk), key=lambda g: g.name)
    by_parent: dict[int, list[Group]] = {}
    for g in below:
        by_parent.setdefault(g.parent_id, []).append(g)
    tree = [(ward, sorted(by_parent.get(ward.pk, []), key=lambda g: g.name)) for ward in wards]
    return render(request, "directory/borough.html", {"borough": borough, "tree": tree})


def _group_json(match) -> dict:
    g = match.group
    return {
        "name": g.name, "kind": g.kind, "url": site_url(reverse("directory:group", args=[g.slug])),
        "distance_m": round(match.distance_m) if match.distance_m is not None else None,
        "part_of": match.above.name if match.above else None,
        "whatsapp": g.whatsapp_url or None, "facebook": g.facebook_url or None,
        "phone": g.phone or None, "email": g.email or None, "services": g.services,
        "areas": g.coverage, "last_verified": g.last_verified_at.date().isoformat()
        if g.last_verified_at else None,
    }


@require_GET
def api_groups(request):
    """GET /api/groups?postcode=W10+5NW: read-only, rate-limited per address, cached."""
    if over_limit(request, "api", limit=60, seconds=60):
        return JsonResponse({"error": "Too many requests: at most 60 a minute."}, status=429)
    raw = request.GET.get("postcode", "")
    text = search_term(request, name="postcode", limit=MAX_QUERY)
    if not text:
        return JsonResponse({"error": "Give a postcode, like ?postcode=W10+5NW"}, status=400)
    if len(raw) > MAX_QUERY:
        return JsonResponse({"error": "That is too long to be a postcode."}, status=400)
    key = f"api-groups:{site_base()}:" + "".join(text.upper().split())  # its links: this address
    cached = cache.get(key)
    if cached is not None:
        return JsonResponse(cached)
    try:
        place = place_for(text)
    except PostcodeError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    covering = groups_covering(place)
    body = {
        "postcode": place.label, "precision": place.precision,
        "groups": [_group_json(m) for m in covering],
        # Nobody covers it: the nearest groups (within NEAREST_WITHIN_M), nearest first.
        "nearest": [] if covering else [_group_json(m) for m in nearest_groups(place.point)],
        "attribution": ATTRIBUTION,
    }
    cache.set(key, body, 600)
    return JsonResponse(body)
