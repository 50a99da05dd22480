"""From a channel's platform name and stored settings to a ready connector."""

from __future__ import annotations

import inspect
from typing import Any

from inbox.connectors.base import Connector
from inbox.connectors.bluesky import BlueskyConnector
from inbox.connectors.facebook import FacebookConnector
from inbox.connectors.instagram import InstagramConnector
from inbox.connectors.mastodon import MastodonConnector
from inbox.connectors.webfeed import WebFeedConnector
from inbox.connectors.x import XConnector

CONNECTORS: dict[str, type] = {
    "x": XConnector,
    "facebook": FacebookConnector,
    "instagram": InstagramConnector,
    "mastodon": MastodonConnector,
    "bluesky": BlueskyConnector,
    "web": WebFeedConnector,
}


def connector_for(platform: str, *, credentials: dict[str, Any], settings: dict[str, Any]) -> Connector:
    """`settings` holds the constructor's keyword arguments (base_url, page_id, watch_terms...); keys a
    platform does not use are ignored, so one channel settings shape serves every platform."""
    try:
        connector_class = CONNECTORS[platform]
    except KeyError:
        raise ValueError(
            f"No connector for the platform {platform!r}: expected one of {sorted(CONNECTORS)}.") from None
    accepted = inspect.signature(connector_class).parameters
    options = {key: value for key, value in settings.items() if key in accepted and key != "credentials"}
    return connector_class(credentials=credentials, **options)
