"""Who is looking at a conversation, and who is typing a reply: short-lived facts kept in Redis.

Presence is a courtesy: while Redis is down every call answers "nobody" and the page carries on
(config/resilience.py). Entries carry their own expiry: a browser that vanishes without closing
its websocket (laptop lid shut, network gone) stops refreshing its entry and drops out of the
list within PRESENCE_TTL.
"""

from __future__ import annotations

import json
import time

import redis.asyncio as aioredis
from django.conf import settings

from config.resilience import guarded_async

PRESENCE_TTL = 45  # seconds; pages refresh their presence with their heartbeat, every 10 s
TYPING_TTL = 12  # a typing flag not refreshed for this long means the person stopped

_client: aioredis.Redis | None = None


def _redis() -> aioredis.Redis:
    global _client
    if _client is None:
        _client = aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=1)
    return _client


def _key(organization_id: int, conversation_id: int) -> str:
    return f"vigie:presence:{organization_id}:{conversation_id}"


@guarded_async(fallback=None)
async def presence_touch(*, organization_id: int, conversation_id: int, user_id: int, name: str, initials: str,
                         typing: bool | None = None, connection: str) -> None:
    key = _key(organization_id, conversation_id)
    field = f"{user_id}:{connection}"
    now = time.time()
    previous = await _redis().hget(key, field)
    typing_until = 0.0
    if previous:
        typing_until = json.loads(previous).get("typing_until", 0.0)
    if typing is True:
        typing_until = now + TYPING_TTL
    elif typing is False:
        typing_until = 0.0
    entry = {"user_id": user_id, "name": name, "initials": initials, "seen": now, "typing_until": typing_until}
    await _redis().hset(key, field, json.dumps(entry))
    await _redis().expire(key, PRESENCE_TTL * 2)


@guarded_async(fallback=None)
async def presence_leave(*, organization_id: int, conversation_id: int, user_id: int, connection: str) -> None:
    await _redis().hdel(_key(organization_id, conversation_id), f"{user_id}:{connection}")


@guarded_async(fallback=[])
async def presence_list(*, organization_id: int, conversation_id: int) -> list[dict]:
    """One entry per person (several tabs count once), typing if any of their tabs types."""
    key = _key(organization_id, conversation_id)
    now = time.time()
    people: dict[int, dict] = {}
    stale = []
    for field, raw in (await _redis().hgetall(key)).items():
        entry = json.loads(raw)
        if now - entry["seen"] > PRESENCE_TTL:
            stale.append(field)
            continue
        person = people.setdefault(entry["user_id"], {"user_id": entry["user_id"], "name": entry["name"],
                                                      "initials": entry["initials"], "typing": False})
        person["typing"] = person["typing"] or entry["typing_until"] > now
    if stale:
        await _redis().hdel(key, *stale)
    return sorted(people.values(), key=lambda p: p["name"])
