from django.urls import path

from kith.demo import views

app_name = "demo"
urlpatterns = [path("demo/mailbox/", views.mailbox, name="mailbox")]
