"""Importing volunteers from spreadsheet exports (see import_views.py)."""

from django.urls import path

from kith.volunteers import import_views as views

app_name = "volunteers_import"
urlpatterns = [
    path("g/<slug:group_slug>/volunteers/import/", views.upload, name="upload"),
    path("g/<slug:group_slug>/volunteers/import/columns/", views.columns, name="columns"),
    path("g/<slug:group_slug>/volunteers/import/check/", views.check, name="check"),
    path("g/<slug:group_slug>/volunteers/import/commit/", views.commit, name="commit"),
    path("g/<slug:group_slug>/volunteers/import/cancel/", views.cancel, name="cancel"),
    path("g/<slug:group_slug>/volunteers/import/runs/<int:pk>/", views.run, name="run"),
]
