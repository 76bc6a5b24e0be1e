from django.urls import path

from kith.partners import views

app_name = "partners"
urlpatterns = [
    # partners.manage: coordinators of the group itself
    path("g/<slug:group_slug>/partners/", views.partner_list, name="list"),
    path("g/<slug:group_slug>/partners/<int:pk>/", views.partner_detail, name="detail"),
    path("g/<slug:group_slug>/partners/<int:pk>/tokens/", views.token_new, name="token_new"),
    path("g/<slug:group_slug>/partners/<int:pk>/webhook/", views.webhook, name="webhook"),
    path("g/<slug:group_slug>/partners/tokens/<int:pk>/revoke/", views.token_revoke,
         name="token_revoke"),
]
