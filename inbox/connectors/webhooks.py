"""Webhook deliveries from Meta and X: verification handshakes, signature checks, and payload parsing
into the same PlatformItems (same external ids) polling produces, so the inbox dedups the two paths.

Parsing is item by item: a signed delivery is the platform's word, so one event of an unexpected
shape (a missing key, a wrong type, a time that does not parse) becomes a `MalformedEvent`, kept as
a dead letter, and never takes the other events of its delivery down with it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from django.views.decorators.debug import sensitive_variables

from inbox.connectors.base import ItemKind, PlatformAuthor, PlatformItem, WebhookRejected
from inbox.connectors.common import unescape_x


@dataclass(frozen=True)
class MalformedEvent:
    """One event of a verified delivery that could not be read: becomes a dead letter."""

    payload: dict[str, Any]
    reason: str


@sensitive_variables()
def _same(given: str, expected: str) -> bool:
    # Compared as bytes: hmac.compare_digest refuses str holding non-ASCII characters (TypeError, a
    # 500), and a caller chooses what the header or the query parameter holds.
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


@sensitive_variables()
def meta_verification_challenge(params: dict[str, str], verify_token: str) -> str | None:
    """The body to answer Meta's subscription check with, or None to refuse it (answer 403).

    The verify token is the channel's own secret (never a shared one), compared in constant time; the
    challenge is echoed as text/plain only, so it cannot be turned into a page or a signature."""
    if not verify_token or params.get("hub.mode") != "subscribe":
        return None
    if not _same(params.get("hub.verify_token", ""), verify_token):
        return None
    challenge = params.get("hub.challenge", "")
    # Meta's challenges are numbers: anything else is not Meta asking.
    return challenge if re.fullmatch(r"[0-9A-Za-z_-]{1,128}", challenge) else None


# The expected signature of a body is as good as the secret for that body: nothing of these
# functions, nor of what they call, is shown on an error page.
@sensitive_variables()
def verify_meta_signature(body: bytes, header: str | None, app_secret: str) -> None:
    """Raises WebhookRejected unless `X-Hub-Signature-256` is the HMAC-SHA256 of the raw body."""
    if not app_secret:
        raise WebhookRejected("No app secret is stored with the channel.")
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    if not header or not _same(header.strip().lower(), expected):
        raise WebhookRejected("Meta webhook signature does not match: check the app secret.")


# What a CRC token may hold: X sends a random base64 string. The alphabet leaves out "{", and that is
# what keeps the CRC from being a signing oracle (see `x_crc_response`).
X_CRC_TOKEN = re.compile(r"[A-Za-z0-9+/=_.-]{1,256}")


@sensitive_variables()
def x_crc_response(crc_token: str, consumer_secret: str) -> dict[str, str]:
    """The answer to X's Challenge-Response Check, or WebhookRejected for a token X would not send.

    X defines both the CRC answer and the delivery signature as base64(HMAC-SHA256(consumer secret,
    message)), with the same key and format: we cannot separate the keys without breaking X. So the
    two are kept apart by what they may sign instead. A CRC answer is only ever computed over a token
    of X_CRC_TOKEN's alphabet, which has no "{" byte (and no byte of a multi-byte UTF-8 character);
    a delivery is only ever accepted when its raw body starts with "{" (`verify_x_signature`). No CRC
    answer is therefore the HMAC of any body we accept: turning one into the other would need two
    different messages with the same HMAC-SHA256, not a guess we could lose to luck."""
    if not X_CRC_TOKEN.fullmatch(crc_token or ""):
        raise WebhookRejected("CRC token is not one X would send.")
    digest = hmac.new(consumer_secret.encode(), crc_token.encode("ascii"), hashlib.sha256).digest()
    return {"response_token": "sha256=" + base64.b64encode(digest).decode()}


@sensitive_variables()
def verify_x_signature(body: bytes, header: str | None, consumer_secret: str) -> None:
    """Raises WebhookRejected unless `x-twitter-webhooks-signature` is the HMAC-SHA256 of the raw body,
    and the body is a JSON object (starts with "{"): the half of the CRC separation described in
    `x_crc_response` that makes no CRC answer a valid signature."""
    if not consumer_secret:
        raise WebhookRejected("No consumer secret is stored with the channel.")
    if not body.lstrip(b" \t\r\n").startswith(b"{"):
        raise WebhookRejected("X webhook body is not a JSON object.")
    expected = "sha256=" + base64.b64encode(hmac.new(consumer_secret.encode(), body, hashlib.sha256).digest()).decode()
    if not header or not _same(header.strip(), expected):
        raise WebhookRejected("X webhook signature does not match: check the consumer secret.")


def clean_json(value: Any) -> Any:
    """A decoded delivery made storable: PostgreSQL text holds no NUL, UTF-8 no lone surrogate (both
    arrive as JSON escapes, `\\u0000` and `\\ud800`). They are dropped or replaced, never fatal."""
    if isinstance(value, str):
        if value.isascii():
            return value.replace("\x00", "")
        return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list):
        return [clean_json(item) for item in value]
    if isinstance(value, dict):
        return {clean_json(str(key)): clean_json(item) for key, item in value.items()}
    return value


# Errors an event of an unexpected shape raises while being read: caught per event.
_SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError, IndexError)


def _id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value) == "":
        raise ValueError(f"expected an id, got {type(value).__name__}")
    return str(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {type(value).__name__}")
    return value


def _count(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a count, got {type(value).__name__}")
    return max(0, min(value, 2**31 - 1))


def _dict(value: Any) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"expected an object, got {type(value).__name__}")
    return value


def _events(container: Any, key: str, found: list) -> list[dict]:
    """The objects listed under `key`; anything else listed there is kept as a malformed event."""
    value = container.get(key) if isinstance(container, dict) else None
    if value is None:
        return []
    if not isinstance(value, list):
        found.append(MalformedEvent({key: value}, f"'{key}' is not a list."))
        return []
    events = []
    for event in value:
        if isinstance(event, dict):
            events.append(event)
        else:
            found.append(MalformedEvent({key: event}, f"An entry of '{key}' is not an object."))
    return events


def _malformed(event: dict, error: Exception) -> MalformedEvent:
    detail = f"missing {error}" if isinstance(error, KeyError) else str(error)
    return MalformedEvent(event, f"The event does not have the expected shape ({detail}).")


def _from_unix(value: int | float | str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"expected a time, got {type(value).__name__}")
    seconds = float(value)
    return datetime.fromtimestamp(seconds / 1000 if seconds > 10**11 else seconds, UTC)


def _meta_event(entry: dict, change: dict, payload: dict) -> PlatformItem | None:
    owner_id = str(entry.get("id", ""))
    value = _dict(change.get("value"))
    if change.get("field") == "feed" and value.get("item") == "comment" and value.get("verb") == "add":
        sender = _dict(value.get("from"))
        if str(sender.get("id")) == owner_id:
            return None  # the Page's own replies
        parent = value.get("parent_id")
        parent = None if parent in (None, value.get("post_id")) else _id(parent)
        return PlatformItem(
            external_id=_id(value["comment_id"]), kind=ItemKind.REPLY if parent else ItemKind.COMMENT,
            text=_text(value.get("message")),
            author=PlatformAuthor(external_id=_id(sender["id"]), name=_text(sender.get("name"))),
            created_at=_from_unix(value.get("created_time") or entry.get("time")),
            thread_external_id=_id(value["post_id"]) if value.get("post_id") is not None else None,
            parent_external_id=parent, raw=value)
    if change.get("field") == "comments" and payload.get("object") == "instagram":
        sender = _dict(value.get("from"))
        if str(sender.get("id")) == owner_id:
            return None
        parent = _id(value["parent_id"]) if value.get("parent_id") is not None else None
        username = _text(sender.get("username"))
        media = _dict(value.get("media"))
        return PlatformItem(
            external_id=_id(value["id"]), kind=ItemKind.REPLY if parent else ItemKind.COMMENT,
            text=_text(value.get("text")),
            author=PlatformAuthor(external_id=_id(sender["id"]), handle=f"@{username}" if username else ""),
            created_at=_from_unix(entry.get("time")),
            thread_external_id=_id(media["id"]) if media.get("id") is not None else None,
            parent_external_id=parent, raw=value)
    return None


def _meta_message(entry: dict, event: dict) -> PlatformItem | None:
    owner_id = str(entry.get("id", ""))
    message = _dict(event.get("message"))
    sender = str(_dict(event.get("sender")).get("id", ""))
    if not message.get("mid") or message.get("is_echo") or sender == owner_id:
        return None
    sender = _id(sender)
    return PlatformItem(
        external_id=_id(message["mid"]), kind=ItemKind.PRIVATE_MESSAGE, text=_text(message.get("text")),
        author=PlatformAuthor(external_id=sender), created_at=_from_unix(event["timestamp"]),
        thread_external_id=f"dm:{sender}", is_private=True, raw=event)


def parse_meta_payload(payload: dict[str, Any]) -> list[PlatformItem | MalformedEvent]:
    """Page feed comments, Messenger messages and Instagram comments. Instagram `mentions` changes carry
    only ids: see `instagram_mentions_to_fetch`."""
    items: list[PlatformItem | MalformedEvent] = []
    for entry in _events(payload, "entry", items):
        for change in _events(entry, "changes", items):
            try:
                item = _meta_event(entry, change, payload)
            except _SHAPE_ERRORS as error:
                item = _malformed(change, error)
            if item is not None:
                items.append(item)
        for event in _events(entry, "messaging", items):
            try:
                item = _meta_message(entry, event)
            except _SHAPE_ERRORS as error:
                item = _malformed(event, error)
            if item is not None:
                items.append(item)
    return items


def instagram_mentions_to_fetch(payload: dict[str, Any]) -> list[dict[str, str]]:
    """`{"media_id", "comment_id"?}` for each Instagram mention: fetch them with the Instagram connector.
    Mentions without a usable media id are left out (polling reads mentions too)."""
    mentions = []
    ignored: list = []
    for entry in _events(payload, "entry", ignored):
        for change in _events(entry, "changes", ignored):
            value = change.get("value")
            if change.get("field") != "mentions" or not isinstance(value, dict):
                continue
            mention = {key: str(value[key]) for key in ("media_id", "comment_id")
                       if isinstance(value.get(key), (str, int)) and not isinstance(value.get(key), bool)
                       and str(value[key])}
            if "media_id" in mention:
                mentions.append(mention)
    return mentions


def _x_time(value: Any) -> datetime:
    value = _text(value)
    parsed = parsedate_to_datetime(value) if "," in value else datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y")
    if parsed.tzinfo is None:
        raise ValueError("the time has no time zone")
    return parsed.astimezone(UTC)


def _x_tweet(tweet: dict, brand: str) -> PlatformItem | None:
    user = _dict(tweet.get("user"))
    if str(user.get("id_str")) == brand or "retweeted_status" in tweet:
        return None
    tweet_id = _id(tweet["id_str"])
    parent = _id(tweet["in_reply_to_status_id_str"]) if tweet.get("in_reply_to_status_id_str") is not None else None
    handle = _text(user.get("screen_name"))
    # Like the v2 API, Account Activity escapes `&`, `<` and `>`: store what the author wrote.
    text = unescape_x(_text(_dict(tweet.get("extended_tweet")).get("full_text")) or _text(tweet.get("text")))
    lang = _text(tweet.get("lang"))
    # Enterprise payloads carry `edit_history`: an edit updates the message of the original post.
    initial = _dict(tweet.get("edit_history")).get("initial_tweet_id")
    original = _id(initial) if initial is not None else tweet_id
    return PlatformItem(
        external_id=original, kind=ItemKind.REPLY if parent else ItemKind.MENTION, text=text,
        author=PlatformAuthor(external_id=_id(user["id_str"]), handle=f"@{handle}" if handle else "",
                              name=_text(user.get("name")), avatar_url=_text(user.get("profile_image_url_https")),
                              followers=_count(user.get("followers_count")), verified=bool(user.get("verified")),
                              profile_url=f"https://x.com/{handle}" if handle else ""),
        created_at=_x_time(tweet["created_at"]),
        # v1.1 events carry no conversation_id: only a top-level post's thread is known for sure.
        thread_external_id=None if parent else original, parent_external_id=parent,
        url=f"https://x.com/{handle or 'i/web'}/status/{tweet_id}", edited=original != tweet_id,
        language_hint=lang if lang != "und" else "",
        reach=_count(tweet.get("retweet_count")) + _count(tweet.get("favorite_count"))
        + _count(tweet.get("quote_count")),
        reshares=_count(tweet.get("retweet_count")) + _count(tweet.get("quote_count")),
        raw=tweet)


def _x_direct_message(event: dict, brand: str, users: dict) -> PlatformItem | None:
    create = _dict(event.get("message_create"))
    sender = str(create.get("sender_id", ""))
    if event.get("type") != "message_create" or sender == brand:
        return None
    sender = _id(create["sender_id"])
    recipient = _id(_dict(create.get("target")).get("recipient_id", brand))
    low, high = sorted([sender, recipient], key=int)
    user = _dict(users.get(sender))
    screen_name = _text(user.get("screen_name"))
    return PlatformItem(
        external_id=_id(event["id"]), kind=ItemKind.PRIVATE_MESSAGE,
        text=unescape_x(_text(_dict(create.get("message_data")).get("text"))),
        author=PlatformAuthor(external_id=sender, handle=f"@{screen_name}" if screen_name else "",
                              name=_text(user.get("name"))),
        created_at=_from_unix(event["created_timestamp"]),
        # The same "<low id>-<high id>" conversation id polling reads from dm_events.
        thread_external_id=f"{low}-{high}", is_private=True, raw=event)


def parse_x_payload(payload: dict[str, Any]) -> list[PlatformItem | MalformedEvent]:
    """Account Activity `tweet_create_events` and `direct_message_events`; the brand's own are skipped."""
    brand = str(payload.get("for_user_id", ""))
    items: list[PlatformItem | MalformedEvent] = []
    for tweet in _events(payload, "tweet_create_events", items):
        try:
            item = _x_tweet(tweet, brand)
        except _SHAPE_ERRORS as error:
            item = _malformed(tweet, error)
        if item is not None:
            items.append(item)
    users = payload.get("users") if isinstance(payload.get("users"), dict) else {}
    for event in _events(payload, "direct_message_events", items):
        try:
            item = _x_direct_message(event, brand, users)
        except _SHAPE_ERRORS as error:
            item = _malformed(event, error)
        if item is not None:
            items.append(item)
    return items
