from django.urls import path

from kith.safeguarding import views

app_name = "safeguarding"
urlpatterns = [
    # Public: anyone may report an incident to a group (rate limited per address).
    path("groups/<slug:group_slug>/concern/", views.report_public, name="report_public"),
    path("groups/<slug:group_slug>/concern/sent/", views.public_sent, name="public_sent"),
    # safeguarding.report: any member of the group.
    path("g/<slug:group_slug>/safeguarding/report/", views.report, name="report"),
    path("g/<slug:group_slug>/safeguarding/report/sent/", views.reported, name="reported"),
    # safeguarding.cases: coordinators (that cases exist) and leads (their details).
    path("g/<slug:group_slug>/safeguarding/", views.case_list, name="cases"),
    # The leads only; 404 to everyone else.
    path("g/<slug:group_slug>/safeguarding/<int:pk>/", views.case_detail, name="case"),
]
