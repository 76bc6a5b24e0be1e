from django.urls import path

from kith.listings import views

app_name = "listings"
urlpatterns = [
    # Public: anyone may start a group or say a listing is wrong.
    path("start-a-group/", views.start, name="start"),
    path("start-a-group/register/", views.register, name="register"),
    path("groups/<slug:group_slug>/report/", views.report, name="report"),
    # Coordinators.
    path("g/<slug:group_slug>/registrations/", views.registrations, name="registrations"),
    path("g/<slug:group_slug>/listing-reports/", views.reports, name="reports"),
    path("g/<slug:group_slug>/verify/", views.verify, name="verify"),
]
