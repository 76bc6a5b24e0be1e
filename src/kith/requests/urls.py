from django.urls import path

from kith.requests import (
    views_assign,
    views_corrections,
    views_detail,
    views_exclusions,
    views_list,
    views_policy,
    views_public,
    views_queue,
    views_series,
    views_tasks,
)

app_name = "requests"
urlpatterns = [
    # Residents and partners (public, no account)
    path("groups/<slug:group_slug>/ask/", views_public.ask, name="ask"),
    path("groups/<slug:group_slug>/ask/sent/", views_public.ask_sent, name="ask_sent"),
    path("groups/<slug:group_slug>/refer/", views_public.refer, name="refer"),
    path("my-request/", views_public.status_start, name="status"),
    path("my-request/code/", views_public.status_code, name="status_code"),
    path("my-request/progress/", views_public.status_view, name="status_view"),
    # Call handlers and coordinators
    path("g/<slug:group_slug>/callbacks/", views_queue.queue, name="queue"),
    path("g/<slug:group_slug>/callbacks/missed-call/", views_queue.missed_call, name="missed_call"),
    path("g/<slug:group_slug>/callbacks/<int:pk>/", views_queue.callback, name="callback"),
    path("g/<slug:group_slug>/callbacks/<int:pk>/claim/", views_queue.claim, name="claim"),
    path("g/<slug:group_slug>/callbacks/<int:pk>/release/", views_queue.release, name="release"),
    path("g/<slug:group_slug>/callbacks/<int:pk>/attempt/", views_queue.attempt, name="attempt"),
    path("g/<slug:group_slug>/requests/", views_list.request_list, name="list"),
    path("g/<slug:group_slug>/requests/new/", views_queue.intake, name="intake"),
    path("g/<slug:group_slug>/requests/settings/", views_policy.policy, name="policy"),
    path("g/<slug:group_slug>/requests/<str:reference>/", views_detail.detail, name="detail"),
    path("g/<slug:group_slug>/requests/<str:reference>/move/", views_detail.move, name="move"),
    path("g/<slug:group_slug>/requests/<str:reference>/edit/", views_corrections.edit,
         name="edit"),
    path("g/<slug:group_slug>/requests/<str:reference>/assign/", views_assign.assign, name="assign"),
    path("g/<slug:group_slug>/series/", views_series.series_list, name="series_list"),
    path("g/<slug:group_slug>/series/new/", views_series.series_new, name="series_new"),
    path("g/<slug:group_slug>/series/<int:pk>/", views_series.series, name="series"),
    path("g/<slug:group_slug>/exclusions/", views_exclusions.exclusions, name="exclusions"),
    path("g/<slug:group_slug>/exclusions/<int:pk>/lift/", views_exclusions.lift_exclusion,
         name="lift_exclusion"),
    # The assigned volunteer
    path("volunteer/tasks/<str:reference>/", views_tasks.task, name="task"),
]
