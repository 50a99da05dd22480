"""Live events to operators' screens, sent only once the transaction that caused them commits.

Only services call `broadcast_on_commit`. Groups are named `org.<organization id>.<topic>`;
payloads are JSON dicts with a `type` key. A broadcast that fails (Redis restarting) is logged and
dropped: screens catch up from PostgreSQL when they reconnect, so no fact is lost with it.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from config.resilience import guarded

logger = logging.getLogger(__name__)


def organization_group(organization_id: int, topic: str) -> str:
    return f"org.{organization_id}.{topic}"


def broadcast_now(*, organization_id: int, topic: str, event: dict[str, Any]) -> None:
    if "type" not in event:
        raise ValueError("A live event needs a 'type'")
    layer = get_channel_layer()
    send = async_to_sync(layer.group_send)
    try:
        # Redis down: one warning per outage (config/resilience.py), not a traceback per event.
        guarded("live event", None,
                lambda: send(organization_group(organization_id, topic), {"type": "live.event", "event": event}))
    except Exception:  # noqa: BLE001 - a lost push must never fail the write that caused it
        logger.exception("live event %s for organization %s not delivered", event["type"], organization_id)


def broadcast_on_commit(*, organization_id: int, topic: str, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: broadcast_now(organization_id=organization_id, topic=topic, event=event))


def broadcast_many_now(events: list[tuple[int, str, dict[str, Any]]]) -> None:
    """Several (organization id, topic, event) in one trip to the channel layer.

    One event loop for all of them instead of one per event: an escalation sweep paging hundreds
    of people spends its time paging, not starting loops.
    """
    if not events:
        return
    if any("type" not in event for _organization, _topic, event in events):
        raise ValueError("A live event needs a 'type'")
    layer = get_channel_layer()

    async def send_all() -> None:
        for organization_id, topic, event in events:
            await layer.group_send(organization_group(organization_id, topic), {"type": "live.event", "event": event})

    try:
        async_to_sync(send_all)()
    except Exception:  # noqa: BLE001 - a lost push must never fail the write that caused it
        logger.exception("%s live events not delivered", len(events))


def broadcast_many_on_commit(events: list[tuple[int, str, dict[str, Any]]]) -> None:
    events = list(events)
    transaction.on_commit(lambda: broadcast_many_now(events))
