"""The organization's websocket: one per open page, joined only by the organization's members."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .live import organization_group
from .models import Membership

# Close codes in the 4000 range are ours: the page reads them to say why it is not live.
CLOSE_NOT_A_MEMBER = 4404
CLOSE_NOT_LOGGED_IN = 4401


@database_sync_to_async
def _membership(user, slug: str) -> Membership | None:
    return (
        Membership.objects.unscoped()
        .select_related("organization")
        .filter(user=user, organization__slug=slug)
        .first()
    )


class OrganizationConsumer(AsyncJsonWebsocketConsumer):
    topics = ("inbox",)

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self._refuse(CLOSE_NOT_LOGGED_IN)
            return
        membership = await _membership(user, self.scope["url_route"]["kwargs"]["organization_slug"])
        if membership is None:
            await self._refuse(CLOSE_NOT_A_MEMBER)
            return
        self.organization_id = membership.organization_id
        self.user_id = user.pk
        # The organization's topics, and this person's own (notes that mention them).
        topics = (*self.topics, f"user.{user.pk}")
        self.groups_joined = [organization_group(self.organization_id, topic) for topic in topics]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "organization": membership.organization.slug})

    async def _refuse(self, code: int) -> None:
        # Accept then close at once, with our code: a refused handshake reaches the browser as a
        # bare 1006, and the page could not tell "not allowed" from "server down". Nothing is sent.
        await self.accept()
        await self.close(code=code)

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    @classmethod
    async def decode_json(cls, text_data):
        # A message that is not a JSON object is ignored, like an unknown type: a page's bug or a
        # probe must not end the consumer (and with it the page's live updates) with a traceback.
        try:
            content = await super().decode_json(text_data)
        except ValueError:
            return {}
        return content if isinstance(content, dict) else {}

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def live_event(self, message):
        await self.send_json(message["event"])
