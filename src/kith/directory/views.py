"""The public directory: anyone, signed in or not, finds their local group."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from kith.core.text import search_term
from kith.core.throttle import over_limit
from kith.directory.geocoding import PostcodeError, looks_like_postcode, place_for
from kith.directory.search import groups_covering, groups_named
from kith.groups.catalogue import SERVICE_LABELS
from kith.groups.models import Group
from kith.places.index import ATTRIBUTION

MAX_QUERY = 60


def _search(text: str) -> dict:
    """Shared by the page, the widget and the API: what was searched and what matched."""
    if not text:
        return {"matches": [], "error": "", "place": None}
    if looks_like_postcode(text):
        try:
            place = place_for(text)
        except PostcodeError as exc:
            return {"matches": [], "error": str(exc), "place": None}
        return {"matches": groups_covering(place), "error": "", "place": place}
    if len(text) < 3:
        return {"matches": [], "error": "Type at least three letters of a place, or a postcode.",
                "place": None}
    return {"matches": groups_named(text), "error": "", "place": None}


@require_GET
def find(request):
    text = search_term(request, limit=MAX_QUERY)
    context = {"q": text, "searched": bool(text), **_search(text),
               "attribution": ATTRIBUTION, "service_labels": SERVICE_LABELS}
    return render(request, "directory/find.html", context)


@require_GET
@xframe_options_exempt  # made to be embedded on other sites
def widget(request):
    text = search_term(request, limit=MAX_QUERY)
    context = {"q": text, "searched": bool(text), **_search(text), "attribution": ATTRIBUTION,
               "service_labels": SERVICE_LABELS, "site_url": settings.SITE_URL}
    return render(request, "directory/widget.html", context)


@require_GET
def group_listing(request, slug):
    group = get_object_or_404(Group.objects.select_related("parent"), slug=slug)
    return render(request, "directory/group.html", {
        "group": group, "children": group.children.order_by("name"),
        "service_labels": SERVICE_LABELS,
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
        "name": g.name, "kind": g.kind, "url": settings.SITE_URL + f"/groups/{g.slug}/",
        "distance_m": round(match.distance_m) if match.distance_m is not None else None,
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
    key = "api-groups:" + "".join(text.upper().split())
    cached = cache.get(key)
    if cached is not None:
        return JsonResponse(cached)
    try:
        place = place_for(text)
    except PostcodeError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    body = {
        "postcode": place.label, "precision": place.precision,
        "groups": [_group_json(m) for m in groups_covering(place)],
        "attribution": ATTRIBUTION,
    }
    cache.set(key, body, 600)
    return JsonResponse(body)
