from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Organizations and people"

    def ready(self):
        # The API docs describe organization tokens as a way to authenticate.
        from config import api_schema  # noqa: F401
