from django.contrib import admin
from django.urls import include, path

from kith.partners.api import api as partner_api

# admin.site is Kith's own (core/admin_site.py): superusers only, through allauth with two-factor.
urlpatterns = [
    path("", include("kith.core.urls")),
    # Kith's account pages first: its sign-up stands in front of allauth's.
    path("", include("kith.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("kith.groups.urls")),
    path("", include("kith.residents.urls")),
    path("", include("kith.volunteers.urls")),
    path("", include("kith.volunteers.import_urls")),
    path("", include("kith.requests.urls")),
    path("", include("kith.matching.urls")),
    path("", include("kith.runs.urls")),
    path("", include("kith.signposting.urls")),
    path("", include("kith.safeguarding.urls")),
    path("", include("kith.partners.urls")),
    # The partner API (REST, OpenAPI 3 at api/v1/openapi.json); /api/groups is the directory's.
    path("api/v1/", partner_api.urls),
    path("", include("kith.money.urls")),
    path("", include("kith.safety.urls")),
    path("", include("kith.retention.urls")),
    path("", include("kith.directory.urls")),
    path("", include("kith.listings.urls")),
    path("", include("kith.demo.urls")),
    path("", include("kith.messaging.urls")),
    path("", include("kith.erasure.urls")),
    path("", include("kith.transparency.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "kith.core.views.forbidden"
handler404 = "kith.core.views.not_found"
handler500 = "kith.core.views.server_error"
