"""PlatformItems to JSON and back, for handing webhook deliveries to a worker."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from .base import PlatformAuthor, PlatformItem


def item_to_json(item: PlatformItem) -> dict[str, Any]:
    data = asdict(item)
    data["created_at"] = item.created_at.isoformat()
    return data


def item_from_json(data: dict[str, Any]) -> PlatformItem:
    values = dict(data)
    values["author"] = PlatformAuthor(**values["author"])
    values["created_at"] = datetime.fromisoformat(values["created_at"])
    return PlatformItem(**values)
