from django.urls import path

from kith.matching import views

app_name = "matching"
urlpatterns = [
    # The volunteer an offer was made to
    path("volunteer/offers/<int:pk>/", views.offer, name="offer"),
    # Coordinators
    path("g/<slug:group_slug>/requests/<str:reference>/offer/", views.offer_request,
         name="offer_request"),
    path("g/<slug:group_slug>/matching/", views.match_all, name="match_all"),
]
