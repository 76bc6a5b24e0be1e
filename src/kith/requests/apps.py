from django.apps import AppConfig


class RequestsConfig(AppConfig):
    name = "kith.requests"
    label = "requests"
    verbose_name = "Help requests"
