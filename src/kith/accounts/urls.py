from django.urls import path

from kith.accounts import views

app_name = "accounts"
urlpatterns = [
    path("account/", views.profile, name="profile"),
    path("account/two-factor/", views.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/done/", views.two_factor_done, name="two_factor_done"),
    # These two stand in front of allauth's pages (kith/urls.py includes these first).
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/2fa/reauthenticate/", views.confirm_two_factor, name="confirm_two_factor"),
]
