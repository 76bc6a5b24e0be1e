from django.urls import path

from kith.erasure import views

app_name = "erasure"
urlpatterns = [
    path("g/<slug:group_slug>/residents/<int:pk>/erase/", views.erase_resident, name="resident"),
    path("g/<slug:group_slug>/volunteers/<int:pk>/erase/", views.erase_volunteer,
         name="volunteer"),
    path("volunteer/erase/", views.erase_me, name="me"),
]
