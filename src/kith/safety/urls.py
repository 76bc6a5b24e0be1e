from django.urls import path

from kith.safety import views

app_name = "safety"
urlpatterns = [
    # safety.check_ins: coordinators and safeguarding leads
    path("g/<slug:group_slug>/safety/check-ins/", views.check_ins, name="check_ins"),
    path("g/<slug:group_slug>/safety/check-ins/<int:pk>/close/", views.close_check_in,
         name="close_check_in"),
    # safety.risk_view: every role; safety.risk_edit: coordinators and safeguarding leads
    path("g/<slug:group_slug>/safety/risks/", views.risk_list, name="risks"),
    path("g/<slug:group_slug>/safety/risks/<slug:activity>/", views.risk_edit, name="risk_edit"),
    path("g/<slug:group_slug>/safety/risks/<slug:activity>/sign-off/", views.risk_sign_off,
         name="risk_sign_off"),
    # safety.settings: coordinators
    path("g/<slug:group_slug>/safety/settings/", views.settings_page, name="settings"),
    # safety.prescriptions: coordinators and call handlers
    path("g/<slug:group_slug>/safety/prescriptions/<str:reference>/", views.collection,
         name="collection"),
    # The volunteer holding the task (its grant; 404 to anyone else)
    path("volunteer/tasks/<str:reference>/check-in/", views.check_in, name="check_in"),
    path("volunteer/tasks/<str:reference>/risk-read/", views.risk_read, name="risk_read"),
    path("volunteer/tasks/<str:reference>/collection/", views.collection_step,
         name="collection_step"),
]
