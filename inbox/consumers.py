"""The inbox's side of the organization websocket: presence and typing on conversations."""

from __future__ import annotations

from channels.db import database_sync_to_async

from accounts.consumers import OrganizationConsumer
from accounts.live import organization_group
from accounts.notifications import mark_online

from . import presence
from .models import Conversation


@database_sync_to_async
def _conversation_exists(organization_id: int, conversation_id: int) -> bool:
    return Conversation.objects.for_organization(organization_id).filter(pk=conversation_id).exists()


class InboxConsumer(OrganizationConsumer):
    """Adds, for the conversation a page shows: who else is here, who is typing a reply.

    Client messages: {"type": "conversation.join", "conversation_id"}, {"type": "conversation.leave"},
    {"type": "typing", "typing": true|false}, {"type": "ping"} (refreshes presence).
    Server events on the conversation: {"type": "presence", "conversation_id", "people": [...]}.
    """

    conversation_id: int | None = None

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        if kind == "conversation.join":
            await self._join(content.get("conversation_id"))
        elif kind == "conversation.leave":
            await self._leave()
        elif kind == "typing" and self.conversation_id:
            await self._touch(typing=bool(content.get("typing")))
            await self._announce()
        elif kind == "ping":
            await database_sync_to_async(mark_online)(user_id=self.user_id)
            if self.conversation_id:
                await self._touch()
            await self.pong()

    async def _join(self, conversation_id) -> None:
        try:
            conversation_id = int(conversation_id)
        except (TypeError, ValueError):
            return
        await self._leave()
        # Another organization's conversation id joins nothing and says nothing.
        if not await _conversation_exists(self.organization_id, conversation_id):
            await self.send_json({"type": "error", "detail": "No such conversation."})
            return
        self.conversation_id = conversation_id
        await self.channel_layer.group_add(self._conversation_group(), self.channel_name)
        await self._touch(typing=False)
        await self._announce()

    async def _leave(self) -> None:
        if not self.conversation_id:
            return
        await presence.presence_leave(organization_id=self.organization_id, conversation_id=self.conversation_id,
                                      user_id=self.user_id, connection=self.channel_name)
        await self._announce()
        await self.channel_layer.group_discard(self._conversation_group(), self.channel_name)
        self.conversation_id = None

    async def disconnect(self, code):
        await self._leave()
        await super().disconnect(code)

    def _conversation_group(self) -> str:
        return organization_group(self.organization_id, f"conversation.{self.conversation_id}")

    async def _touch(self, typing: bool | None = None) -> None:
        user = self.scope["user"]
        await presence.presence_touch(
            organization_id=self.organization_id, conversation_id=self.conversation_id, user_id=user.pk,
            name=user.display_name, initials=user.initials, typing=typing, connection=self.channel_name,
        )

    async def _announce(self) -> None:
        people = await presence.presence_list(organization_id=self.organization_id, conversation_id=self.conversation_id)
        await self.channel_layer.group_send(self._conversation_group(), {
            "type": "live.event",
            "event": {"type": "presence", "conversation_id": self.conversation_id, "people": people},
        })
