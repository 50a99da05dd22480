from django.apps import AppConfig


class CrisisConfig(AppConfig):
    name = "crisis"
    verbose_name = "Crisis desk"

    def ready(self) -> None:
        # The inbox hands SLA breaches and channel health changes to whoever listens: alerts.
        from .services import approval_events, inbox_events

        inbox_events.connect()
        # Replies held for approval on urgent conversations page approvers; deciding stops the page.
        approval_events.connect()
        # Storm clusters: in-scope mentions grouped by question as they arrive (and those before the declaration).
        from .services import clusters

        clusters.connect()
