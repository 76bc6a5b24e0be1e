from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "kith.runs"
    label = "runs"
    verbose_name = "Delivery runs"
