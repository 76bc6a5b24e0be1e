from django.urls import path

from kith.accounts import views

app_name = "accounts"
urlpatterns = [
    path("account/", views.profile, name="profile"),
]
