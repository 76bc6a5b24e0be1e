"""The coordinators' table of the group's requests: filters, search, sorting and pages
(the queries are in listing.py). Changing a request happens on its own page (views_detail.py)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET

from kith.accounts.models import Person
from kith.accounts.naming import distinct_names
from kith.core.text import search_term
from kith.groups.access import group_view
from kith.requests import listing
from kith.requests.forms_requests import (
    STATE_FILTER_LABELS,
    STATE_FILTER_STATES,
    STATE_FILTERS,
    RequestFilterForm,
)
from kith.requests.models import Assignment
from kith.requests.pages import PAGE_SIZE

# The volunteer filter lists who has helped lately: open tasks, or tasks taken in the last
# RECENT_DAYS. Everyone who ever helped would be thousands on a busy street after a few years,
# a list nobody can use and that took most of the page's time to draw (bench/load_site.py).
# A volunteer named in the address is listed whenever they helped here, so links still work.
RECENT_DAYS = 90


# The areas and recent helpers change slowly, and reading them cost a third of the page on a
# borough's streets: kept in the shared cache this long (a helper from the last minute may be
# missing from the list for that minute; one named in the address is always there).
CHOICES_SECONDS = 60


def _recent_helpers(group):
    helped = Assignment.objects.filter(request__group=group)
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    recent = helped.filter(Q(ended_at__isnull=True) | Q(assigned_at__gte=since))
    # Only what distinct_names reads: a borough's street lists a few hundred helpers.
    return Person.objects.filter(pk__in=recent.values("volunteer_id")).only(
        "display_name", "email", "postcode_sector")


def _choices(group) -> tuple[list[str], dict[int, str]]:
    key = f"requests:list-choices:{group.pk}"
    found = cache.get(key)
    if found is None:
        areas = list(group.residents.exclude(postcode_sector="").order_by("postcode_sector")
                     .values_list("postcode_sector", flat=True).distinct())
        found = (areas, distinct_names(_recent_helpers(group)))
        cache.set(key, found, CHOICES_SECONDS)
    return found


def _filter_form(request, group) -> RequestFilterForm:
    areas, names = _choices(group)
    chosen = request.GET.get("volunteer", "")
    if chosen.isdigit() and int(chosen) not in names:  # named in the address: any past helper
        past = Person.objects.filter(pk=int(chosen), assignments__request__group=group).first()
        if past is not None:
            names = {**names, past.pk: str(past)}
    volunteers = sorted(names.items(), key=lambda v: v[1].casefold())
    form = RequestFilterForm(request.GET or None, areas=areas, volunteers=volunteers)
    form.is_valid()
    return form


def _filters_html(group, form: RequestFilterForm) -> str:
    """The filter box, drawn. Most visits fill in no filter, and then it shows only the
    group's choices (above), so it is kept beside them per language, drawn again when they
    change: a dozen fields through Django's form templates were a sixth of the page's time.
    One entry per group and language, replaced, never a new one per version."""
    if any(form.data.get(name) for name in form.fields):
        return render_to_string("core/form.html", {"form": form})
    choices = [(str(value), str(label)) for name in ("area", "volunteer")
               for value, label in form.fields[name].choices]
    digest = hashlib.blake2b(repr(choices).encode(), digest_size=16).hexdigest()
    key = f"requests:list-filters:{group.pk}:{get_language()}"
    found = cache.get(key)
    if found is not None and found[0] == digest:
        return mark_safe(found[1])  # noqa: S308 (drawn by our own template, escaped there)
    html = render_to_string("core/form.html", {"form": form})
    cache.set(key, (digest, str(html)), CHOICES_SECONDS)
    return html


def _not_understood(request, form: RequestFilterForm) -> list[str]:
    """A filter value the list cannot use (an area with no requests, a kind of help that does
    not exist), named, so the rows are not taken for a filtered list."""
    problems = [gettext("The %(filter)s “%(value)s” was not understood, so the list is not "
                        "filtered by it.") % {"filter": str(form.fields[name].label or name).lower(),
                                              "value": request.GET.get(name, "")}
                for name in getattr(form, "errors", {})]
    state = request.GET.get("state", "")
    if state and state not in STATE_FILTER_STATES:
        problems.append(gettext("The list “%(value)s” was not understood, so the open requests "
                                "are shown.") % {"value": state})
    return problems


@require_GET
@group_view("requests.view")
def request_list(request, group):
    """A compact table of the group's requests, filtered, searched and soonest deadline first."""
    form = _filter_form(request, group)
    data = {k: v for k, v in getattr(form, "cleaned_data", {}).items() if v}
    state = request.GET.get("state", "")
    state = state if state in STATE_FILTER_STATES else "open"
    term = search_term(request)
    base = listing.matching(group, data, term)
    # COUNT(*): PostgreSQL answers it from the (group, state) index alone. DISTINCT only
    # when a filter joins the assignments (a request counted once per helper).
    per_state = dict(base.order_by().values_list("state").annotate(
        n=Count("id", distinct=True) if data.get("volunteer") else Count("*")))
    keep = {k: v for k, v in {**data, "q": term}.items() if v}
    tabs = [{"key": key, "label": label, "count": sum(per_state.get(s, 0) for s in states),
             "href": "?" + urlencode({"state": key, **keep}), "current": key == state}
            for key, label, states in STATE_FILTERS]
    queryset = listing.rows_for(base, STATE_FILTER_STATES[state], data.get("sort", "deadline"))
    paginator = Paginator(queryset, PAGE_SIZE)
    # Counted above already (a linked list such as "stopped" has no tab of its own).
    paginator.count = sum(per_state.get(s, 0) for s in STATE_FILTER_STATES[state])
    page = paginator.get_page(request.GET.get("page"))
    rows = [listing.row(req, group.slug) for req in page]
    access = request.access
    return render(request, "requests/request_list.html", {
        "group": group, "filters": _filters_html(group, form), "page": page, "rows": rows,
        "tabs": tabs, "state": state,
        "state_label": STATE_FILTER_LABELS[state], "not_understood": _not_understood(request, form),
        "filtered": bool(keep), "query": urlencode({"state": state, **keep}),
        "can_intake": access.can("requests.intake"), "can_call": access.can("callbacks.work"),
        "can_assign": access.can("requests.assign"),
    })
