from django.urls import path

from kith.groups import views

app_name = "groups"
urlpatterns = [
    path("groups/", views.my_groups, name="mine"),
    path("g/<slug:group_slug>/", views.dashboard, name="dashboard"),
    path("g/<slug:group_slug>/members/", views.members, name="members"),
    path("g/<slug:group_slug>/members/<int:pk>/", views.member_edit, name="member_edit"),
    path("g/<slug:group_slug>/members/<int:pk>/remove/", views.member_remove,
         name="member_remove"),
    path("g/<slug:group_slug>/invitations/", views.invitations, name="invitations"),
    path("g/<slug:group_slug>/invitations/<int:pk>/revoke/", views.invitation_revoke,
         name="invitation_revoke"),
    path("g/<slug:group_slug>/settings/", views.group_settings, name="settings"),
    path("g/<slug:group_slug>/audit/", views.audit_trail, name="audit"),
    path("g/<slug:group_slug>/access-log/", views.access_log, name="access_log"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
