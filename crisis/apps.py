from django.apps import AppConfig


class CrisisConfig(AppConfig):
    name = "crisis"
    verbose_name = "Crisis desk"

    def ready(self) -> None:
        # The inbox hands SLA breaches and channel health changes to whoever listens: alerts.
        from .services import inbox_events

        inbox_events.connect()
