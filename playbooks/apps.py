from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    name = "playbooks"
    verbose_name = "Response guides"

    def ready(self):
        # The inbox asks the guides about each reply through this one registered function.
        from inbox import reply_guard

        from .guard import check_reply

        reply_guard.register(check_reply)
