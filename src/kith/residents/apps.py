from django.apps import AppConfig


class ResidentsConfig(AppConfig):
    name = "kith.residents"
    label = "residents"
    verbose_name = "Residents"
