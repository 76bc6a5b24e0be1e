from django.urls import path, register_converter

from kith.groups import views


class TokenConverter:
    """Invitation tokens are URL-safe base64; anything else is a 404 at the resolver."""

    regex = r"[A-Za-z0-9_-]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TokenConverter, "token")

app_name = "groups"
urlpatterns = [
    path("groups/", views.my_groups, name="mine"),
    path("start/", views.start, name="start"),
    path("g/<slug:group_slug>/", views.dashboard, name="dashboard"),
    path("g/<slug:group_slug>/members/", views.members, name="members"),
    path("g/<slug:group_slug>/members/<int:pk>/", views.member_edit, name="member_edit"),
    path("g/<slug:group_slug>/members/<int:pk>/remove/", views.member_remove,
         name="member_remove"),
    path("g/<slug:group_slug>/invitations/", views.invitations, name="invitations"),
    path("g/<slug:group_slug>/invitations/<int:pk>/revoke/", views.invitation_revoke,
         name="invitation_revoke"),
    path("g/<slug:group_slug>/settings/", views.group_settings, name="settings"),
    path("g/<slug:group_slug>/groups/new/", views.subgroup_new, name="subgroup_new"),
    path("g/<slug:group_slug>/audit/", views.audit_trail, name="audit"),
    path("g/<slug:group_slug>/access-log/", views.access_log, name="access_log"),
    path("invite/<token:token>/", views.invitation_accept, name="invitation_accept"),
]
