from django.urls import path

from kith.signposting import views

app_name = "signposting"
urlpatterns = [
    # services.view: coordinators, call handlers, safeguarding leads
    path("g/<slug:group_slug>/services/", views.service_list, name="list"),
    path("g/<slug:group_slug>/services/find/", views.find, name="find"),
    path("g/<slug:group_slug>/services/<int:pk>/", views.service_detail, name="detail"),
    # services.manage: coordinators, the group's own services only
    path("g/<slug:group_slug>/services/new/", views.service_new, name="new"),
    path("g/<slug:group_slug>/services/<int:pk>/edit/", views.service_edit, name="edit"),
    path("g/<slug:group_slug>/services/<int:pk>/checked/", views.service_checked,
         name="checked"),
    path("g/<slug:group_slug>/services/import/", views.import_file, name="import"),
    path("g/<slug:group_slug>/services/export.json", views.export_file, name="export"),
    # referrals.send: coordinators and call handlers
    path("g/<slug:group_slug>/services/<int:pk>/refer/<str:reference>/", views.refer,
         name="refer"),
    path("g/<slug:group_slug>/referrals/", views.referral_list, name="referrals"),
    path("g/<slug:group_slug>/referrals/<int:pk>/", views.referral_detail, name="referral"),
]
