"""The one interface every platform connector speaks, and the shapes it hands to the inbox.

A connector knows one platform's HTTP API and nothing about the database: it fetches items since
a cursor and normalizes them into `PlatformItem`s for `inbox.services.mentions_ingest`, sends
replies and private messages, and verifies and parses webhook deliveries. Failures are raised as
the exceptions below, which the workers turn into channel health, backoff or stored send errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class ItemKind:
    MENTION = "mention"  # a public post naming the brand account or one of its watch terms
    COMMENT = "comment"  # a comment under one of the brand's posts (Facebook, Instagram)
    REPLY = "reply"  # a public answer inside an existing thread
    PRIVATE_MESSAGE = "private_message"  # X DM, Messenger, Mastodon direct status
    ARTICLE = "article"  # a blog, forum or press entry from web monitoring

    ALL = (MENTION, COMMENT, REPLY, PRIVATE_MESSAGE, ARTICLE)


@dataclass(frozen=True)
class PlatformAuthor:
    external_id: str  # the platform's stable id for the person (X user id, PSID, DID, acct...)
    handle: str = ""
    name: str = ""
    avatar_url: str = ""
    followers: int = 0
    verified: bool = False
    profile_url: str = ""


@dataclass(frozen=True)
class PlatformItem:
    """One inbound message, normalized. `external_id` is unique per platform."""

    external_id: str
    kind: str
    text: str
    author: PlatformAuthor
    created_at: datetime  # timezone-aware
    # The thread this item belongs to, as the platform says it: X conversation_id, the Facebook
    # post a comment sits under, the Messenger conversation id, the Bluesky root uri. For private
    # messages without a platform thread id, the connector uses "dm:<author external id>".
    thread_external_id: str | None = None
    # The item this one answers, when the platform tells us (X replied_to, comment parent_id...).
    parent_external_id: str | None = None
    is_private: bool = False
    url: str = ""
    # Platform context shown above the thread: the brand post commented on, a quoted post.
    context_text: str = ""
    language_hint: str = ""  # the platform's own language tag, when it gives one ("fr", "en")
    reach: int = 0  # retweets/reposts/likes seen at fetch time, for routing and crisis detection
    # Re-shares alone (X retweets and quotes, Mastodon boosts) seen at fetch time: how fast a post
    # spreads, for crisis detection. 0 where the platform gives no count with the item (Bluesky
    # notifications carry the record only, Facebook comments have no share count).
    reshares: int = 0
    # A new version of an item the platform already delivered (an edited post): `external_id` is the
    # original's, `text` the latest. The inbox updates that message and shows it as edited.
    edited: bool = False
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FetchResult:
    items: list[PlatformItem]
    # Opaque to the inbox: stored on the channel once the items are safely ingested, handed back
    # to the next fetch. JSON-serializable.
    cursor: dict[str, Any]
    # Nothing more is waiting right now. False when a page limit cut the read short: the cursor then
    # covers only what was read, and the worker polls the channel again at once for the rest.
    exhausted: bool = True
    rate_limit: RateLimitState | None = None
    # Problems worth showing on the channel's health that did not stop the fetch (a broken feed
    # among several, an item the platform returned malformed).
    warnings: list[str] = field(default_factory=list)

    @property
    def more_waiting(self) -> bool:
        """The page limit stopped this read: poll the channel again at once for the rest."""
        return not self.exhausted


@dataclass(frozen=True)
class RateLimitState:
    limit: int | None
    remaining: int | None
    reset_at: datetime | None


@dataclass(frozen=True)
class SentMessage:
    external_id: str  # the platform's id for what we posted
    url: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountInfo:
    external_id: str
    handle: str
    name: str = ""
    avatar_url: str = ""


class ConnectorError(Exception):
    """Base class. `str(error)` is written for the person who reads the channel's health."""


class RateLimited(ConnectorError):
    def __init__(self, message: str, *, reset_at: datetime):
        super().__init__(message)
        self.reset_at = reset_at


class CredentialsRevoked(ConnectorError):
    """The token is expired, revoked or lacks a permission: someone must reconnect the channel."""


class PlatformUnavailable(ConnectorError):
    """A transient failure (5xx, timeout, connection refused): try again later with backoff."""


class SendOutcomeUnknown(PlatformUnavailable):
    """A send reached the platform but no answer came back (read timeout, 5xx mid-post): the
    message may have been published. Sending it again could post it twice."""


class LookupUnsupported(ConnectorError):
    """The platform offers no way to find a message we may have sent (or not for this kind of
    message): a person has to check."""


class SendRefused(ConnectorError):
    """The platform refused this message for good (24-hour window, duplicate content, 403...)."""

    def __init__(self, message: str, *, code: str = ""):
        super().__init__(message)
        self.code = code


class PinUnsupported(ConnectorError):
    """The platform offers no way to pin a post through its API (X): a person pins it by hand."""


class WebhookRejected(ConnectorError):
    """A webhook delivery whose signature does not match: answer 403, log, ingest nothing."""


class Connector(Protocol):
    platform: str

    def fetch(self, cursor: dict[str, Any]) -> FetchResult: ...

    def send_reply(self, *, text: str, in_reply_to_external_id: str, idempotency_key: str) -> SentMessage: ...

    def send_private_message(
        self, *, recipient_external_id: str, text: str, idempotency_key: str
    ) -> SentMessage: ...

    def check_credentials(self) -> AccountInfo: ...


class FindsSentMessages(Protocol):
    """Connectors of platforms without an idempotency key (Bluesky, X, Facebook, Instagram) can look
    a send whose outcome is unknown up, instead of posting it again blindly."""

    def find_sent(self, *, text: str, in_reply_to_external_id: str, recipient_external_id: str, private: bool,
                  since: datetime) -> SentMessage | None:
        """Our message with exactly `text`, answering `in_reply_to_external_id` (or sent privately to
        `recipient_external_id`), published at or after `since`; None when the platform shows none.
        Raises LookupUnsupported when it cannot be looked up, PlatformUnavailable when the platform
        could not be asked right now."""
        ...


class PublishesPosts(Protocol):
    """Connectors that can publish a brand post (not a reply) and, where the platform allows, pin it.

    `publish_post` raises like `send_reply` (SendRefused, SendOutcomeUnknown...); `find_post` looks a
    post whose outcome is unknown up, like `find_sent`; `pin_post` raises PinUnsupported where the
    platform has no pinning in its API."""

    def publish_post(self, *, text: str, idempotency_key: str) -> SentMessage: ...

    def find_post(self, *, text: str, since: datetime) -> SentMessage | None: ...

    def pin_post(self, *, external_id: str) -> None: ...
