from django.urls import path

from kith.volunteers import views

app_name = "volunteers"
urlpatterns = [
    # The volunteer's own pages
    path("volunteer/", views.home, name="home"),
    path("volunteer/join/", views.join, name="join"),
    path("volunteer/join/finish/", views.finish, name="finish"),
    path("volunteer/safety/", views.safety, name="safety"),
    path("volunteer/duty/", views.duty, name="duty"),
    path("volunteer/break/", views.take_break, name="break"),
    path("volunteer/back/", views.back, name="back"),
    path("volunteer/details/", views.details, name="details"),
    path("volunteer/consents/", views.consents, name="consents"),
    path("volunteer/reach/", views.reach, name="reach"),
    path("volunteer/leave/", views.leave, name="leave"),
    # Coordinators and safeguarding leads
    path("g/<slug:group_slug>/volunteers/", views.volunteer_list, name="list"),
    path("g/<slug:group_slug>/volunteers/export.csv", views.export, name="export"),
    path("g/<slug:group_slug>/volunteers/checks/", views.policy, name="policy"),
    path("g/<slug:group_slug>/volunteers/<int:pk>/", views.detail, name="detail"),
    path("g/<slug:group_slug>/volunteers/<int:pk>/vetting/", views.vetting, name="vetting"),
    path("g/<slug:group_slug>/volunteers/<int:pk>/approve/", views.approve, name="approve"),
]
