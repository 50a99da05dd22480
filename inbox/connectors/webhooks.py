"""Webhook deliveries from Meta and X: verification handshakes, signature checks, and payload parsing
into the same PlatformItems (same external ids) polling produces, so the inbox dedups the two paths."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from inbox.connectors.base import ItemKind, PlatformAuthor, PlatformItem, WebhookRejected
from inbox.connectors.common import unescape_x


def meta_verification_challenge(params: dict[str, str], verify_token: str) -> str | None:
    """The body to answer Meta's subscription check with, or None to refuse it (answer 403)."""
    if params.get("hub.mode") == "subscribe" and hmac.compare_digest(params.get("hub.verify_token", ""),
                                                                      verify_token):
        return params.get("hub.challenge")
    return None


def verify_meta_signature(body: bytes, header: str | None, app_secret: str) -> None:
    """Raises WebhookRejected unless `X-Hub-Signature-256` is the HMAC-SHA256 of the raw body."""
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    if not header or not hmac.compare_digest(header.strip().lower(), expected):
        raise WebhookRejected("Meta webhook signature does not match: check the app secret.")


def x_crc_response(crc_token: str, consumer_secret: str) -> dict[str, str]:
    digest = hmac.new(consumer_secret.encode(), crc_token.encode(), hashlib.sha256).digest()
    return {"response_token": "sha256=" + base64.b64encode(digest).decode()}


def verify_x_signature(body: bytes, header: str | None, consumer_secret: str) -> None:
    """Raises WebhookRejected unless `x-twitter-webhooks-signature` is the HMAC-SHA256 of the raw body."""
    expected = "sha256=" + base64.b64encode(hmac.new(consumer_secret.encode(), body, hashlib.sha256).digest()).decode()
    if not header or not hmac.compare_digest(header.strip(), expected):
        raise WebhookRejected("X webhook signature does not match: check the consumer secret.")


def _from_unix(value: int | float | str) -> datetime:
    seconds = float(value)
    return datetime.fromtimestamp(seconds / 1000 if seconds > 10**11 else seconds, UTC)


def parse_meta_payload(payload: dict[str, Any]) -> list[PlatformItem]:
    """Page feed comments, Messenger messages and Instagram comments. Instagram `mentions` changes carry
    only ids: see `instagram_mentions_to_fetch`."""
    items = []
    for entry in payload.get("entry", []):
        owner_id = str(entry.get("id", ""))
        for change in entry.get("changes", []):
            value = change.get("value") or {}
            if change.get("field") == "feed" and value.get("item") == "comment" and value.get("verb") == "add":
                sender = value.get("from") or {}
                if str(sender.get("id")) == owner_id:
                    continue  # the Page's own replies
                parent = value.get("parent_id")
                parent = None if parent in (None, value.get("post_id")) else parent
                items.append(PlatformItem(
                    external_id=value["comment_id"], kind=ItemKind.REPLY if parent else ItemKind.COMMENT,
                    text=value.get("message", ""),
                    author=PlatformAuthor(external_id=str(sender.get("id", "")), name=sender.get("name", "")),
                    created_at=_from_unix(value.get("created_time") or entry.get("time")),
                    thread_external_id=value.get("post_id"), parent_external_id=parent, raw=value))
            elif change.get("field") == "comments" and payload.get("object") == "instagram":
                sender = value.get("from") or {}
                if str(sender.get("id")) == owner_id:
                    continue
                parent = value.get("parent_id")
                items.append(PlatformItem(
                    external_id=value["id"], kind=ItemKind.REPLY if parent else ItemKind.COMMENT,
                    text=value.get("text", ""),
                    author=PlatformAuthor(external_id=str(sender.get("id", "")),
                                          handle=f"@{sender['username']}" if sender.get("username") else ""),
                    created_at=_from_unix(entry.get("time")), thread_external_id=(value.get("media") or {}).get("id"),
                    parent_external_id=parent, raw=value))
        for event in entry.get("messaging", []):
            message = event.get("message") or {}
            sender = str((event.get("sender") or {}).get("id", ""))
            if not message.get("mid") or message.get("is_echo") or sender == owner_id:
                continue
            items.append(PlatformItem(
                external_id=message["mid"], kind=ItemKind.PRIVATE_MESSAGE, text=message.get("text", ""),
                author=PlatformAuthor(external_id=sender), created_at=_from_unix(event["timestamp"]),
                thread_external_id=f"dm:{sender}", is_private=True, raw=event))
    return items


def instagram_mentions_to_fetch(payload: dict[str, Any]) -> list[dict[str, str]]:
    """`{"media_id", "comment_id"?}` for each Instagram mention: fetch them with the Instagram connector."""
    return [{key: str(value[key]) for key in ("media_id", "comment_id") if value.get(key)}
            for entry in payload.get("entry", []) for change in entry.get("changes", [])
            if change.get("field") == "mentions" for value in [change.get("value") or {}]]


def _x_time(value: str) -> datetime:
    return parsedate_to_datetime(value) if "," in value else datetime.strptime(
        value, "%a %b %d %H:%M:%S %z %Y").astimezone(UTC)


def parse_x_payload(payload: dict[str, Any]) -> list[PlatformItem]:
    """Account Activity `tweet_create_events` and `direct_message_events`; the brand's own are skipped."""
    brand = str(payload.get("for_user_id", ""))
    items = []
    for tweet in payload.get("tweet_create_events", []):
        user = tweet.get("user") or {}
        if user.get("id_str") == brand or "retweeted_status" in tweet:
            continue
        parent = tweet.get("in_reply_to_status_id_str")
        handle = user.get("screen_name", "")
        # Like the v2 API, Account Activity escapes `&`, `<` and `>`: store what the author wrote.
        text = unescape_x((tweet.get("extended_tweet") or {}).get("full_text") or tweet.get("text", ""))
        # Enterprise payloads carry `edit_history`: an edit updates the message of the original post.
        original = str((tweet.get("edit_history") or {}).get("initial_tweet_id") or tweet["id_str"])
        items.append(PlatformItem(
            external_id=original, kind=ItemKind.REPLY if parent else ItemKind.MENTION, text=text,
            author=PlatformAuthor(external_id=user.get("id_str", ""), handle=f"@{handle}" if handle else "",
                                  name=user.get("name", ""), avatar_url=user.get("profile_image_url_https", ""),
                                  followers=user.get("followers_count", 0), verified=bool(user.get("verified")),
                                  profile_url=f"https://x.com/{handle}" if handle else ""),
            created_at=_x_time(tweet["created_at"]),
            # v1.1 events carry no conversation_id: only a top-level post's thread is known for sure.
            thread_external_id=None if parent else original, parent_external_id=parent,
            url=f"https://x.com/{handle or 'i/web'}/status/{tweet['id_str']}", edited=original != tweet["id_str"],
            language_hint=tweet.get("lang", "") if tweet.get("lang") not in (None, "und") else "",
            reach=tweet.get("retweet_count", 0) + tweet.get("favorite_count", 0) + tweet.get("quote_count", 0),
            raw=tweet))
    users = payload.get("users") or {}
    for event in payload.get("direct_message_events", []):
        create = event.get("message_create") or {}
        sender = str(create.get("sender_id", ""))
        if event.get("type") != "message_create" or sender == brand:
            continue
        recipient = str((create.get("target") or {}).get("recipient_id", brand))
        low, high = sorted([sender, recipient], key=int)
        user = users.get(sender) or {}
        items.append(PlatformItem(
            external_id=str(event["id"]), kind=ItemKind.PRIVATE_MESSAGE,
            text=unescape_x((create.get("message_data") or {}).get("text", "")),
            author=PlatformAuthor(external_id=sender, handle=f"@{user['screen_name']}" if user.get("screen_name")
                                  else "", name=user.get("name", "")),
            created_at=_from_unix(event["created_timestamp"]),
            # The same "<low id>-<high id>" conversation id polling reads from dm_events.
            thread_external_id=f"{low}-{high}", is_private=True, raw=event))
    return items
