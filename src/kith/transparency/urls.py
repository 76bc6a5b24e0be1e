from django.urls import path

from kith.transparency import views

app_name = "transparency"
urlpatterns = [
    path("account/my-data/", views.own, name="own"),
    path("account/my-data/copy/", views.own_copy, name="own_copy"),
    path("account/my-data/copy.json", views.own_copy_json, name="own_copy_json"),
    path("account/consents/", views.my_consents, name="my_consents"),
    path("g/<slug:group_slug>/residents/<int:pk>/copy/", views.resident_copy,
         name="resident_copy"),
    path("g/<slug:group_slug>/residents/<int:pk>/consents/", views.resident_consents,
         name="resident_consents"),
    # The resident's one-time link: public, behind its code.
    path("copy/<str:token>/", views.link, name="link"),
    path("copy/<str:token>/data.json", views.link_json, name="link_json"),
]
