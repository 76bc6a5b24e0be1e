from django.urls import path

from kith.runs import views

app_name = "runs"
urlpatterns = [
    # Coordinators (runs.manage)
    path("g/<slug:group_slug>/runs/", views.run_list, name="list"),
    path("g/<slug:group_slug>/runs/new/", views.run_new, name="new"),
    path("g/<slug:group_slug>/runs/<int:pk>/", views.run_detail, name="detail"),
    path("g/<slug:group_slug>/runs/<int:pk>/stops/", views.run_stops, name="stops"),
    path("g/<slug:group_slug>/runs/<int:pk>/stops/remove/", views.run_remove_stop,
         name="remove_stop"),
    path("g/<slug:group_slug>/runs/<int:pk>/split/", views.run_split, name="split"),
    path("g/<slug:group_slug>/runs/<int:pk>/send/", views.run_send, name="send"),
    path("g/<slug:group_slug>/runs/<int:pk>/outcome/", views.run_outcome, name="outcome"),
    path("g/<slug:group_slug>/runs/<int:pk>/finish/", views.run_finish, name="finish"),
    path("g/<slug:group_slug>/runs/routes/<int:pk>/swap/", views.route_swap, name="swap"),
    path("g/<slug:group_slug>/runs/routes/<int:pk>/sheet.pdf", views.route_sheet,
         name="route_sheet"),
    # The route's own volunteer
    path("volunteer/routes/<int:pk>/", views.my_route, name="my_route"),
    path("volunteer/routes/<int:pk>/sheet.pdf", views.my_sheet, name="my_sheet"),
]
