from django.apps import AppConfig


class ListingsConfig(AppConfig):
    name = "kith.listings"
    label = "listings"
    verbose_name = "Directory listings"
