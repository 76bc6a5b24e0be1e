from django.urls import path

from kith.accounts import views

app_name = "accounts"
urlpatterns = [
    path("account/", views.profile, name="profile"),
    path("account/two-factor/", views.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/done/", views.two_factor_done, name="two_factor_done"),
    # Stands in front of allauth's sign-up page (kith/urls.py includes these first).
    path("accounts/signup/", views.signup, name="signup"),
]
