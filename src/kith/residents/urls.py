from django.urls import path

from kith.residents import views

app_name = "residents"
urlpatterns = [
    path("g/<slug:group_slug>/residents/", views.resident_list, name="list"),
    path("g/<slug:group_slug>/residents/new/", views.resident_new, name="new"),
    path("g/<slug:group_slug>/residents/map/", views.resident_map, name="map"),
    path("g/<slug:group_slug>/residents/<int:pk>/", views.resident_detail, name="detail"),
    path("g/<slug:group_slug>/residents/<int:pk>/edit/", views.resident_edit, name="edit"),
]
