from django.urls import path

from kith.erasure import views

app_name = "erasure"
urlpatterns = [
    path("g/<slug:group_slug>/residents/<int:pk>/erase/", views.erase_resident, name="resident"),
    path("g/<slug:group_slug>/volunteers/<int:pk>/erase/", views.erase_volunteer,
         name="volunteer"),
    # Anyone's own account, from My account. The old address, from when only volunteers could,
    # still answers (links in emails already sent); reverse() gives the last, the new one.
    path("volunteer/erase/", views.erase_me, name="me"),
    path("account/delete/", views.erase_me, name="me"),
]
