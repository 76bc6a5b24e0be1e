from django.urls import path

from kith.retention import views

app_name = "retention"
urlpatterns = [
    # Public: anyone, before they give their details
    path("privacy/", views.kith_notice, name="kith_notice"),
    path("groups/<slug:group_slug>/privacy/", views.public_notice, name="notice"),
    # retention.settings: coordinators
    path("g/<slug:group_slug>/retention/", views.settings_page, name="settings"),
    # retention.view: coordinators
    path("g/<slug:group_slug>/retention/next-week/", views.preview, name="preview"),
    path("g/<slug:group_slug>/privacy/processing/", views.processing, name="processing"),
]
