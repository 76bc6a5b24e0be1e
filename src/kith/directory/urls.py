from django.urls import path

from kith.directory import maps, views

app_name = "directory"
urlpatterns = [
    path("find/", views.find, name="find"),
    path("widget/", views.widget, name="widget"),
    path("directory/", views.directory_index, name="index"),
    path("boroughs/<slug:slug>/", views.borough_list, name="borough"),
    path("groups/<slug:slug>/", views.group_listing, name="group"),
    path("api/groups", views.api_groups, name="api_groups"),
    path("map/", maps.public_map, name="map"),
    path("map/data.json", maps.public_map_data, name="map_data"),
    path("map/blank/<int:z>/<int:x>/<int:y>.png", maps.blank_tile, name="blank_tile"),
    path("g/<slug:group_slug>/gaps/", maps.coverage_gaps, name="gaps"),
]
