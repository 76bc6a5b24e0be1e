from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "kith.matching"
    label = "matching"
    verbose_name = "Matching"

    def ready(self) -> None:
        from kith.matching import signals

        signals.connect()
