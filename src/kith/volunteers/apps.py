from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "kith.volunteers"
    label = "volunteers"
    verbose_name = "Volunteers"
