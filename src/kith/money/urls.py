from django.urls import path

from kith.money import views

app_name = "money"
urlpatterns = [
    # money.task: a task's money; the volunteer sees only their own task (its grant).
    path("g/<slug:group_slug>/money/tasks/<str:reference>/", views.task, name="task"),
    # money.view: coordinators and treasurers; deciding needs money.manage (treasurers).
    path("g/<slug:group_slug>/money/", views.queue, name="queue"),
    path("g/<slug:group_slug>/money/claims/<int:pk>/", views.claim, name="claim"),
    # money.receipt: the claim's volunteer (while the task is theirs), coordinators, treasurers.
    path("g/<slug:group_slug>/money/claims/<int:pk>/receipt/", views.receipt, name="receipt"),
    path("g/<slug:group_slug>/money/balances/", views.balances, name="balances"),
    path("g/<slug:group_slug>/money/volunteers/<int:pk>/", views.reimburse, name="reimburse"),
    path("g/<slug:group_slug>/money/ledger/", views.ledger_page, name="ledger"),
    path("g/<slug:group_slug>/money/ledger.csv", views.ledger_csv, name="csv"),
    # money.manage: treasurers.
    path("g/<slug:group_slug>/money/fund/", views.fund, name="fund"),
    path("g/<slug:group_slug>/money/entries/<int:pk>/reverse/", views.reverse, name="reverse"),
    # money.decide: coordinators.
    path("g/<slug:group_slug>/money/flags/<int:pk>/", views.flag, name="flag"),
    # money.settings: coordinators and treasurers.
    path("g/<slug:group_slug>/money/settings/", views.settings_page, name="settings"),
]
