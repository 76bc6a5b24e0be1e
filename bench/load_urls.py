"""Kith's addresses plus /bench/bare/, a view that does nothing (it still passes through every
middleware, as any page does): the ceiling against which the load test measures Kith's pages.
Only bench/load_settings.py uses this URLconf; the runtime's kith.urls never has it."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from kith.urls import handler403, handler404, handler500  # noqa: F401
from kith.urls import urlpatterns as kith_urlpatterns


@require_GET
def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *kith_urlpatterns]
