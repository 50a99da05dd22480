"""The organization's websocket: one per open page, joined only by the organization's members."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from config.resilience import REDIS_ERRORS, redis_failed

from .live import organization_group
from .models import Membership
from .notifications import mark_online

# Close codes in the 4000 range are ours: the page reads them to say why it is not live.
CLOSE_NOT_A_MEMBER = 4404
CLOSE_NOT_LOGGED_IN = 4401
# The live channel (Redis) cannot reach this socket: the page reconnects, and catches up then.
CLOSE_LIVE_UNAVAILABLE = 4503


@database_sync_to_async
def _membership(user, slug: str) -> Membership | None:
    return (
        Membership.objects.unscoped()
        .select_related("organization")
        .filter(user=user, organization__slug=slug)
        .first()
    )


class OrganizationConsumer(AsyncJsonWebsocketConsumer):
    topics = ("inbox", "alerts", "crisis")

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
        try:
            for group in self.groups_joined:
                await self.channel_layer.group_add(group, self.channel_name)
        except REDIS_ERRORS as error:
            # Redis is down: say so with our code (the page shows it is stale and tries again
            # shortly) instead of a crashed handshake and a traceback per attempt in the log.
            redis_failed(error, "websocket connect")
            self.groups_joined = []
            await self._refuse(CLOSE_LIVE_UNAVAILABLE)
            return
        await self.accept()
        await database_sync_to_async(mark_online)(user_id=user.pk)
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
            await database_sync_to_async(mark_online)(user_id=self.user_id)
            await self.pong()

    async def pong(self) -> None:
        """Answer the page's heartbeat through the channel layer, the way live events travel.

        A pong proves that events can still reach this socket; when Redis cannot carry it, the
        socket is closed so that the page shows it is stale and reconnects.
        """
        try:
            await self.channel_layer.send(self.channel_name, {"type": "live.pong"})
        except Exception:  # noqa: BLE001 - whatever the layer raises, this socket is not live
            await self.close(code=CLOSE_LIVE_UNAVAILABLE)

    async def live_pong(self, message):
        await self.send_json({"type": "pong"})

    async def live_event(self, message):
        event = message["event"]
        await self.send_json(event)
        if event.get("type") == "membership.removed":
            # Removed from the organization: nothing more of it reaches this connection.
            await self.close(code=CLOSE_NOT_A_MEMBER)
