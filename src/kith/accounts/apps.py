from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kith.accounts"
    label = "accounts"
    verbose_name = "People and sign-in"

    def ready(self):
        from kith.accounts import signals  # noqa: F401  (connects the audit receiver)
