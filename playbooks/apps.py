from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    name = "playbooks"
    verbose_name = "Response guides"

    def ready(self):
        # The inbox asks the guides about each reply through this one registered function.
        from django.urls import reverse

        from inbox import reply_guard

        from .guard import check_reply

        def panel_url(organization_slug: str, conversation_id: int) -> str:
            return reverse("playbooks-panel", kwargs={"organization_slug": organization_slug, "pk": conversation_id})

        reply_guard.register(check_reply, composer_panel_url=panel_url)
