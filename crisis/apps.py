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
        # The reply composer offers the active crisis's information sources as one-click insertions.
        from inbox.composer import register_reply_snippets

        from .room_selectors import source_snippets

        register_reply_snippets(source_snippets)
        # Storm clusters: in-scope mentions grouped by question as they arrive (and those before the declaration).
        from .services import clusters

        clusters.connect()
        # Crisis mode: the guides' crisis state, tighter SLA targets, the crisis queue, telling the cell.
        from . import mode

        mode.connect()
